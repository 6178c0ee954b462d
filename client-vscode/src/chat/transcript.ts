// The chat transcript: ChatPartial values folded into turns, rendered to HTML. No vscode import,
// so it is unit-tested as is. Markdown from the model is rendered with raw HTML disabled.
import MarkdownIt from 'markdown-it';
import type { Artifact, ChatPartial, ChatResult, ChatUsage } from '../protocol';

export type Step =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; callId: string; name: string; args: Record<string, unknown>; result?: { ok: boolean; summary: string } }
  | { kind: 'artifact'; artifact: Artifact; applied?: boolean };

export type TurnState = 'streaming' | 'completed' | 'cancelled' | 'failed';

export interface Turn {
  id: number;
  question: string;
  steps: Step[];
  state: TurnState;
  error?: string;
  usage?: ChatUsage | null;
  operationId?: string;
  rating?: 'up' | 'down';
}

const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false });
// "api.py" is not a link (.py is a top-level domain): only links with a scheme
markdown.linkify.set({ fuzzyLink: false, fuzzyEmail: false });

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

export class Transcript {
  readonly turns: Turn[] = [];
  private nextId = 1;

  start(question: string): Turn {
    const turn: Turn = { id: this.nextId++, question, steps: [], state: 'streaming' };
    this.turns.push(turn);
    return turn;
  }

  byOperation(operationId: string): Turn | undefined {
    return this.turns.find((t) => t.operationId === operationId);
  }

  artifact(id: string): Artifact | undefined {
    return this.artifactStep(id)?.artifact;
  }

  /** Remember that an artifact was applied: a panel rendered again shows it applied. */
  markApplied(id: string): void {
    const step = this.artifactStep(id);
    if (step) {
      step.applied = true;
    }
  }

  private artifactStep(id: string): Extract<Step, { kind: 'artifact' }> | undefined {
    for (const turn of this.turns) {
      for (const step of turn.steps) {
        if (step.kind === 'artifact' && step.artifact.id === id) {
          return step;
        }
      }
    }
    return undefined;
  }

  apply(turn: Turn, partial: ChatPartial): void {
    switch (partial.kind) {
      case 'text': {
        const last = turn.steps[turn.steps.length - 1];
        if (last && last.kind === 'text') {
          last.text += partial.text;
        } else {
          turn.steps.push({ kind: 'text', text: partial.text });
        }
        break;
      }
      case 'tool':
        turn.steps.push({ kind: 'tool', callId: partial.callId, name: partial.name, args: partial.args ?? {} });
        break;
      case 'toolResult': {
        const step = turn.steps.find((s) => s.kind === 'tool' && s.callId === partial.callId);
        const result = { ok: partial.ok, summary: partial.summary };
        if (step && step.kind === 'tool') {
          step.result = result;
        } else {
          turn.steps.push({ kind: 'tool', callId: partial.callId, name: partial.name, args: {}, result });
        }
        break;
      }
      case 'artifact':
        if (!turn.steps.some((s) => s.kind === 'artifact' && s.artifact.id === partial.artifact.id)) {
          turn.steps.push({ kind: 'artifact', artifact: partial.artifact });
        }
        break;
    }
  }

  /** The final result: fills in what was not streamed (a server may send no partials). */
  finish(turn: Turn, result: ChatResult): void {
    if (!turn.steps.some((s) => s.kind === 'text') && result.response) {
      turn.steps.push({ kind: 'text', text: result.response });
    }
    for (const artifact of result.artifacts ?? []) {
      this.apply(turn, { kind: 'artifact', artifact });
    }
    turn.state = 'completed';
    turn.usage = result.usage;
    turn.operationId = result.operationId;
  }

  cancel(turn: Turn): void {
    turn.state = 'cancelled';
  }

  fail(turn: Turn, message: string): void {
    turn.state = 'failed';
    turn.error = message;
  }

  /** Plain text of the answer so far (what tests and copy/paste see). */
  static answer(turn: Turn): string {
    return turn.steps.filter((s) => s.kind === 'text').map((s) => (s as { text: string }).text).join('');
  }
}

function shortArgs(args: Record<string, unknown>): string {
  const text = JSON.stringify(args ?? {});
  return text.length > 80 ? text.slice(0, 77) + '…' : text;
}

export function renderStep(step: Step): string {
  switch (step.kind) {
    case 'text':
      return `<div class="markdown">${markdown.render(step.text)}</div>`;
    case 'tool': {
      const status = step.result === undefined ? 'running' : step.result.ok ? 'ok' : 'failed';
      const label = status === 'running' ? 'running…' : status === 'ok' ? 'done' : 'failed';
      const result = step.result === undefined ? ''
        : `<div class="tool-result">${escapeHtml(step.result.summary)}</div>`;
      return `<details class="step tool ${status}" data-call="${escapeHtml(step.callId)}">` +
        `<summary><span class="tool-name">${escapeHtml(step.name)}</span> ` +
        `<code class="tool-args">${escapeHtml(shortArgs(step.args))}</code> ` +
        `<span class="tool-status">${label}</span></summary>` +
        `<pre class="tool-args-full">${escapeHtml(JSON.stringify(step.args ?? {}, null, 2))}</pre>${result}</details>`;
    }
    case 'artifact': {
      const a = step.artifact;
      const id = escapeHtml(a.id);
      return `<div class="artifact" data-artifact="${id}">` +
        `<div class="artifact-head"><code>${escapeHtml(a.path)}</code> <span class="artifact-kind">${a.kind === 'diff' ? 'diff' : 'new content'}</span></div>` +
        `<pre class="artifact-content"><code>${escapeHtml(a.content.length > 4000 ? a.content.slice(0, 4000) + '\n…' : a.content)}</code></pre>` +
        '<div class="artifact-actions">' +
        (step.applied ? `<button data-action="apply" data-id="${id}" disabled>Applied</button> `
          : `<button data-action="apply" data-id="${id}">Apply</button> `) +
        `<button data-action="diff" data-id="${id}" class="secondary">View diff</button></div></div>`;
    }
  }
}

export function renderUsage(usage: ChatUsage | null | undefined): string {
  if (!usage) {
    return '';
  }
  const tokens = usage.promptTokens + usage.completionTokens;
  return `${usage.model} · ${tokens} tokens · $${usage.costUsd.toFixed(4)}${usage.cached ? ' · cached' : ''}`;
}

/** Thumbs up/down on a completed answer (mira/feedback); the chosen one is pressed. */
export function renderRating(turn: Turn): string {
  if (!turn.operationId) {
    return '';
  }
  const id = escapeHtml(turn.operationId);
  const button = (rating: 'up' | 'down', label: string, glyph: string): string =>
    `<button data-action="rate-${rating}" data-id="${id}" class="rate secondary" title="${label}" ` +
    `aria-label="${label}" aria-pressed="${turn.rating === rating}">${glyph}</button>`;
  // geometric shapes, not emoji: every UI font has them (emoji showed as empty boxes without
  // an emoji font, as in headless Chromium)
  return `<span class="rating">${button('up', 'Helpful', '▲')}${button('down', 'Not helpful', '▼')}</span>`;
}

export function renderTurn(turn: Turn): string {
  const steps = turn.steps.map(renderStep).join('');
  const thinking = turn.state === 'streaming' && turn.steps.length === 0
    ? '<div class="thinking">Gathering context…</div>' : '';
  let footer = '';
  if (turn.state === 'cancelled') {
    footer = '<div class="footer cancelled">Stopped.</div>';
  } else if (turn.state === 'failed') {
    footer = `<div class="footer failed">${escapeHtml(turn.error ?? 'failed')}</div>`;
  } else if (turn.state === 'completed' && (turn.usage || turn.operationId)) {
    footer = `<div class="footer usage">${escapeHtml(renderUsage(turn.usage))}${renderRating(turn)}</div>`;
  }
  return `<div class="turn ${turn.state}" data-turn="${turn.id}">` +
    `<div class="question">${escapeHtml(turn.question)}</div>` +
    `<div class="answer">${thinking}${steps}</div>${footer}</div>`;
}
