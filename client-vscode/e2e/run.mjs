// End-to-end driver: a fixture git repository, code-server (a real VS Code) with the packaged
// .vsix installed, headless Chromium opening it in extension-test mode, and screenshots.
// Exits non-zero unless the extension-host tests end with "N passed, 0 failed".
//
// Environment: CODE_SERVER (binary; default: the one install-code-server.sh installs),
// MIRA_PYTHON (the Python that runs `-m mira serve`; default: python3 on PATH),
// CHROMIUM (default /usr/bin/chromium), MIRA_ARTIFACTS (screenshots; default ../.ci/artifacts).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.resolve(here, '..');
const repoRoot = path.resolve(ext, '..');
const artifacts = path.resolve(process.env.MIRA_ARTIFACTS ?? path.join(repoRoot, '.ci', 'artifacts'));
const vsix = path.join(ext, 'dist', 'mira.vsix');
const toolsDir = process.env.MIRA_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'mira-tools');
const codeServer = process.env.CODE_SERVER ?? path.join(toolsDir, 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const started = Date.now();
const log = (message) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

function which(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function git(cwd, args, date) {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: path.dirname(cwd) };
  if (date) {
    Object.assign(env, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  }
  return execFileSync('git', ['-C', cwd, ...args], { env, encoding: 'utf8' });
}

/** The co-change fixture of the Python tests: api.py and client.py change together. */
function makeRepository(root) {
  fs.mkdirSync(root, { recursive: true });
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['config', 'commit.gpgsign', 'false']);
  let clock = 1_700_000_000;
  const commit = (message, files, who = ['Alice Liddell', 'alice@example.com']) => {
    for (const [name, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(root, name), content);
      git(root, ['add', '--', name]);
    }
    clock += 86_400;
    git(root, ['-c', `user.name=${who[0]}`, '-c', `user.email=${who[1]}`, 'commit', '-q', '-m', message], `${clock} +0000`);
  };
  const api = (i) => `"""The API."""\n\n\ndef handle(request):\n    return request * ${i}\n`;
  const client = (i) => `"""The client."""\n\nfrom api import handle\n\n\ndef call():\n    return handle(${i})\n`;
  commit('init', { 'api.py': api(0), 'client.py': client(0), 'models.py': 'M = 0\n', 'docs.md': '# docs\n' });
  for (let i = 1; i <= 4; i++) {
    commit(`change api ${i}`, { 'api.py': api(i), 'client.py': client(i) });
  }
  commit('api docs', { 'api.py': api(5), 'docs.md': '# docs 5\n' });
  commit('models', { 'models.py': 'M = 1\n' }, ['Bob Builder', 'bob@example.com']);
  // a change recipe: three commits add a handler, its test and a registration line
  fs.mkdirSync(path.join(root, 'handlers'), { recursive: true });
  fs.mkdirSync(path.join(root, 'tests'), { recursive: true });
  const names = [];
  for (const name of ['alpha_one', 'beta', 'gamma_ray']) {
    names.push(name);
    const pascal = name.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
    commit(`Add the ${name} handler`, {
      [`handlers/${name}.py`]: `class ${pascal}Handler:\n    route = "/${name}"\n`,
      [`tests/test_${name}.py`]: `from handlers.${name} import ${pascal}Handler\n\n\ndef test_${name}():\n    assert ${pascal}Handler.route\n`,
      'handlers/__init__.py': names.map((n) => `from .${n} import *\n`).join(''),
    });
  }
}

/** What the scripted model answers, in order (see the chat tests in suite/extension.test.ts). */
const CHAT_SCRIPT = [
  // 1. streams an answer with a tool step
  { tool_calls: [{ id: 'c1', name: 'cochange', arguments: '{"path": "api.py"}' }] },
  { text: '**api.py** and `client.py` changed together in 4 of 5 commits:\n\n- a change to `handle` needs its caller\n- keep them in one commit', chunks: 6 },
  // 2. a slow answer that is stopped
  { text: 'Once upon a time '.repeat(40), chunks: 80, chunk_delay: 0.2 },
  // 3. proposes a change (an artifact) and explains it
  { tool_calls: [{ id: 'p1', name: 'propose_change', arguments: JSON.stringify({
    path: 'models.py', content: '"""Models."""\n\nM = 1\n', description: 'add a docstring' }) }] },
  { text: 'I proposed a module docstring for `models.py`: review it with **View diff**, then **Apply**.', chunks: 3 },
  // 4. "Refine with the Model" on the handler recipe (mira/refineRecipe)
  { text: JSON.stringify({ title: 'New request handler', note: 'a TODO for the route',
    files: [{ path: 'handlers/{{snake}}.py', content: 'class {{pascal}}Handler:\n    """The {{spaced}} handler."""\n    route = "/{{snake}}"  # TODO: the route\n' }] }) },
  // 5. the screenshot's question
  { tool_calls: [{ id: 'c2', name: 'experts', arguments: '{"path": "api.py"}' }] },
  { text: '**Alice Liddell** knows `api.py` best (98 %, 6 commits). `client.py` changes with it 75 % of the time, so review both together.', chunks: 5 },
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package first`);
  if (!fs.existsSync(codeServer)) throw new Error(`code-server not found at ${codeServer}: run scripts/install-code-server.sh`);
  const python = process.env.MIRA_PYTHON ?? which('python3') ?? which('python');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mira-vscode-e2e-'));
  const workspace = path.join(tmp, 'project');
  const userData = path.join(tmp, 'user-data');
  const extensions = path.join(tmp, 'extensions');
  const shots = path.join(tmp, 'shots');
  const results = path.join(tmp, 'results.txt');
  fs.mkdirSync(shots, { recursive: true });
  fs.mkdirSync(artifacts, { recursive: true });
  makeRepository(workspace);
  log(`fixture repository in ${workspace}`);

  // Chat against the scripted OpenAI-compatible model, once the server serves mira/chat.
  let llm;
  let llmUrl;
  const serverEnv = {};
  if (fs.existsSync(path.join(repoRoot, 'server', 'mira', 'lsp', 'handlers', 'chat.py'))) {
    const script = path.join(tmp, 'script.json');
    fs.writeFileSync(script, JSON.stringify(CHAT_SCRIPT));
    llm = spawn(python, [path.join(repoRoot, 'tests', 'support', 'scripted_llm.py'), script],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise((resolve, reject) => {
      llm.stdout.once('data', (data) => resolve(String(data).trim()));
      llm.once('exit', (code) => reject(new Error(`scripted_llm.py exited with ${code}`)));
    });
    llmUrl = `http://127.0.0.1:${port}/v1`;
    Object.assign(serverEnv, {
      MIRA_LLM_BASE_URL: llmUrl, MIRA_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: 'sk-test',
      MIRA_MEMORY_MODEL_ANALYSIS: 'false', MIRA_LLM_MAX_RETRIES: '0',
    });
    log(`scripted model on ${llmUrl}`);
  } else {
    log('the server has no mira/chat yet: the chat tests are skipped');
  }

  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'window.zoomLevel': 0,
    'mira.serverCommand': python,
    'mira.serverArgs': ['-m', 'mira', 'serve'],
    'mira.serverEnv': {
      PYTHONPATH: path.join(repoRoot, 'server'),
      MIRA_LOG_LEVEL: 'WARNING',
      MIRA_SEMANTIC_ENABLED: 'false',
      ...serverEnv,
      ...(process.env.MIRA_E2E_SERVER_ENV ? JSON.parse(process.env.MIRA_E2E_SERVER_ENV) : {}),
    },
  }, null, 2));

  const env = {
    ...process.env,
    HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_DATA_HOME: path.join(tmp, 'data'),
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
    MIRA_E2E_WORKSPACE: workspace, MIRA_E2E_RESULTS: results, MIRA_E2E_SHOTS: shots,
    ...(llmUrl ? { MIRA_E2E_LLM: llmUrl } : {}),
  };
  execFileSync(codeServer, ['--install-extension', vsix, '--extensions-dir', extensions, '--user-data-dir', userData],
    { env, stdio: 'inherit' });
  log('installed the .vsix');

  const port = await freePort();
  const serverLog = fs.openSync(path.join(artifacts, 'code-server.log'), 'w');
  const server = spawn(codeServer, ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', extensions,
    workspace], { env, stdio: ['ignore', serverLog, serverLog], detached: true });
  let browser;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor('code-server', async () => fetch(base + '/healthz').then((r) => r.ok).catch(() => false), 60_000);
    log(`code-server on ${base}`);
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(path.join(ext, 'e2e', 'harness'))],
      ['extensionTestsPath', remote(path.join(ext, 'out', 'test', 'index.js'))],
    ]);
    const url = `${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
    browser = await chromium.launch({
      executablePath: browserPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    await page.goto(url);
    log('workbench opened; extension-host tests running');

    const deadline = Date.now() + 240_000;
    while (!fs.existsSync(results)) {
      for (const request of fs.readdirSync(shots).filter((f) => f.endsWith('.request'))) {
        const name = request.replace(/\.request$/, '');
        await page.waitForTimeout(500);
        await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
        log(`screenshot ${name}.png`);
        fs.rmSync(path.join(shots, request));
      }
      if (Date.now() > deadline) {
        await page.screenshot({ path: path.join(artifacts, 'vscode-timeout.png') }).catch(() => undefined);
        const partial = fs.existsSync(results + '.partial') ? fs.readFileSync(results + '.partial', 'utf8') : '';
        throw new Error(`the extension-host tests did not finish in time\n${partial}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const text = fs.readFileSync(results, 'utf8');
    fs.writeFileSync(path.join(artifacts, 'vscode-e2e-results.txt'), text);
    process.stdout.write(text);
    const summary = text.trim().split('\n').pop() ?? '';
    const match = /^(\d+) passed, (\d+) failed/.exec(summary);
    if (!match || Number(match[2]) > 0 || Number(match[1]) === 0) {
      process.exitCode = 1;
    }
    log('done');
  } finally {
    await browser?.close().catch(() => undefined);
    llm?.kill();
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    if (!process.env.MIRA_E2E_KEEP) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
