// Mira chat webview: renders turns sent by the extension (HTML made there from markdown with raw
// HTML disabled) and posts the user's actions back. No remote resources, no inline handlers.
(function () {
  const vscode = acquireVsCodeApi();
  const transcript = document.getElementById('transcript');
  const form = document.getElementById('ask');
  const input = document.getElementById('message');
  const send = document.getElementById('send');
  const stop = document.getElementById('stop');

  function openSteps(element) {
    const open = new Set();
    element.querySelectorAll('details[open]').forEach((d) => open.add(d.dataset.call));
    return open;
  }

  function renderTurn(id, html) {
    const empty = transcript.querySelector('.empty');
    if (empty) empty.remove();
    const template = document.createElement('template');
    template.innerHTML = html;
    const fresh = template.content.firstElementChild;
    const old = transcript.querySelector(`[data-turn="${id}"]`);
    if (old) {
      const open = openSteps(old);
      fresh.querySelectorAll('details').forEach((d) => { if (open.has(d.dataset.call)) d.open = true; });
      old.replaceWith(fresh);
    } else {
      transcript.appendChild(fresh);
    }
    const nearBottom = document.body.scrollHeight - window.scrollY - window.innerHeight < 120;
    if (nearBottom || !old) window.scrollTo(0, document.body.scrollHeight);
  }

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'turn') {
      renderTurn(message.id, message.html);
    } else if (message.type === 'busy') {
      stop.disabled = !message.busy;
      send.textContent = message.busy ? 'Send (stops the current answer)' : 'Send';
      document.body.classList.toggle('busy', message.busy);
    } else if (message.type === 'applied') {
      transcript.querySelectorAll(`button[data-action="apply"][data-id="${CSS.escape(message.id)}"]`)
        .forEach((b) => { b.textContent = message.applied ? 'Applied' : 'Apply (failed)'; b.disabled = message.applied; });
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    vscode.postMessage({ type: 'ask', text });
    input.value = '';
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  stop.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
  transcript.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) vscode.postMessage({ type: button.dataset.action, id: button.dataset.id });
  });
})();
