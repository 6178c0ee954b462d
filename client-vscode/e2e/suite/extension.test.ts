// End-to-end tests inside a real VS Code (code-server): the packaged extension, the real Python
// server, a fixture git repository ($MIRA_E2E_WORKSPACE) and, for chat, the scripted
// OpenAI-compatible server ($MIRA_E2E_LLM, when the server has chat).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

interface Api {
  client(): { sendRequest<R>(method: string, params: unknown): Promise<R> } | undefined;
  ready: Promise<void>;
  chat: {
    ask(message: string, options?: unknown): Promise<Turn>;
    stop(): void;
    transcript: { turns: Turn[] };
    onDidUpdate: vscode.Event<Turn>;
    applyArtifact(id: string): Promise<boolean>;
    rate(operationId: string, rating: 'up' | 'down'): Promise<{ recorded: boolean; patternId?: number | null } | undefined>;
    viewDiff(id: string): Promise<void>;
    show(): unknown;
  };
  cochange: { loading: Promise<void>; items: { path: string; uri: string; confidence: number }[];
    getChildren(): unknown[]; getTreeItem(node: unknown): vscode.TreeItem; setDocument(uri: vscode.Uri): Promise<void> };
  experts: { loading: Promise<void>; experts: { name: string; score: number }[]; setDocument(uri: vscode.Uri): Promise<void> };
  status: { text(): { text: string; tooltip: string } };
  recipes: { recipes: { id: string; files: string[]; version: number }[]; refresh(): Promise<void>;
    getChildren(node?: unknown): unknown[]; getTreeItem(node: unknown): vscode.TreeItem };
  learned: { patterns: { id: number; title: string; source: string }[]; facts: { key: string; value: string; source: string }[];
    chats: unknown[]; setDocument(uri: vscode.Uri): Promise<void>;
    refresh(): Promise<void>; getChildren(node?: unknown): unknown[]; getTreeItem(node: unknown): vscode.TreeItem };
}
interface Turn {
  state: string; error?: string; operationId?: string; rating?: string;
  steps: ({ kind: 'text'; text: string } | { kind: 'tool'; name: string; result?: unknown } | { kind: 'artifact'; artifact: { id: string; path: string } })[];
}

const workspace = process.env.MIRA_E2E_WORKSPACE!;
const llm = process.env.MIRA_E2E_LLM;
const shots = process.env.MIRA_E2E_SHOTS;
let api: Api;

function file(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(workspace, name));
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function open(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(file(name));
  return vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
}

/** Pause so the driver can take a screenshot of what is on screen now. */
async function screenshot(name: string): Promise<void> {
  if (!shots) {
    return;
  }
  const request = path.join(shots, `${name}.request`);
  fs.writeFileSync(request, name);
  await until(`screenshot ${name}`, () => !fs.existsSync(request), 30_000).catch(() => undefined);
}

describe('Mira in VS Code', function () {
  before(async function () {
    const extension = vscode.extensions.getExtension('mira.mira-vscode');
    assert.ok(extension, 'the packaged extension is installed');
    api = (await extension.activate()) as Api;
    await api.ready;
    assert.ok(api.client(), `the server is running (status: ${api.status.text().text})`);
    await until('the repository to be indexed', async () => {
      const status = await api.client()!.sendRequest<{ workspaces: { repositories: { state: string }[] }[] }>('mira/status', {});
      const repos = status.workspaces.flatMap((w) => w.repositories);
      return repos.length > 0 && repos.every((r) => r.state === 'ready');
    }, 60_000);
  });

  it('shows the last change and the experts on hover', async function () {
    const editor = await open('api.py');
    const hovers = await until('a Mira hover', async () => {
      const result = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider',
        editor.document.uri, new vscode.Position(0, 1));
      const text = (result ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      return text.includes('Last change') ? text : undefined;
    });
    assert.match(hovers, /Experts/);
    assert.match(hovers, /Alice/i);
  });

  it('fills the "Changed Together" tree for the active editor and opens a file on click', async function () {
    await vscode.commands.executeCommand('workbench.view.extension.mira');
    await open('api.py');
    await until('co-change items', async () => {
      await api.cochange.setDocument(file('api.py'));
      return api.cochange.items.length > 0 ? true : undefined;
    });
    const top = api.cochange.items[0];
    assert.equal(top.path, 'client.py');
    assert.ok(top.confidence > 0.5, `confidence ${top.confidence}`);
    const node = api.cochange.getChildren()[0];
    const item = api.cochange.getTreeItem(node);
    assert.match(String(item.description), /%/);
    assert.equal(item.command?.command, 'vscode.open');
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    await until('client.py to be active', () => vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('client.py'));
    await open('api.py');
  });

  it('lists the experts of the active file', async function () {
    await until('experts', async () => {
      await api.experts.setDocument(file('api.py'));
      return api.experts.experts.length > 0 ? true : undefined;
    });
    assert.match(api.experts.experts[0].name, /Alice/);
  });

  it('runs the server\'s reindex command', async function () {
    await vscode.commands.executeCommand('mira.reindex');
  });

  it('lists change recipes in the "Recipes" view and scaffolds one through workspace/applyEdit', async function () {
    await until('the handler recipe', async () => {
      await api.recipes.refresh();
      return api.recipes.recipes.find((r) => r.files[0] === 'handlers/{{snake}}.py');
    });
    const node = api.recipes.getChildren().find((n) => api.recipes.getTreeItem(n).contextValue === 'mira.recipe')!;
    const item = api.recipes.getTreeItem(node);
    assert.match(String(item.label), /^New handler \(py\)/);
    assert.match(String(item.description), /3 commits/);
    const recipe = api.recipes.recipes.find((r) => r.files[0] === 'handlers/{{snake}}.py')!;
    // the name given up front (the Scaffold… of the view asks for it in an input box)
    const result = await vscode.commands.executeCommand<{ applied: boolean; created: string[] }>(
      'mira.scaffold', { recipe: recipe.id, name: 'delta_wing' });
    assert.ok(result?.applied, 'the scaffold was applied');
    assert.equal(result.created.length, 2);
    const created = await until('the new handler', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.fsPath.endsWith(path.join('handlers', 'delta_wing.py'))));
    assert.match(created.getText(), /class DeltaWingHandler:/);
    const registry = await until('the edited registry', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.fsPath.endsWith(path.join('handlers', '__init__.py'))));
    assert.match(registry.getText(), /from \.delta_wing import \*/);
    for (const doc of [created, registry]) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it('shows the profile in the "Learned" view: add, correct and forget a fact', async function () {
    await api.learned.refresh();
    const [patterns, profile] = api.learned.getChildren();
    assert.equal(api.learned.getTreeItem(patterns).label, 'Reasoning patterns');
    assert.equal(api.learned.getTreeItem(profile).label, 'About you');
    await vscode.commands.executeCommand('mira.addFact', { category: 'stack', value: 'uses pytest' });
    const added = api.learned.facts.find((f) => f.value === 'uses pytest');
    assert.ok(added, `the new fact is listed: ${JSON.stringify(api.learned.facts)}`);
    assert.equal(added.source, 'user');
    const node = api.learned.getChildren(profile).find((n) => api.learned.getTreeItem(n).label === 'uses pytest')!;
    assert.equal(api.learned.getTreeItem(node).contextValue, 'mira.fact');
    await vscode.commands.executeCommand('mira.editFact', node, 'uses pytest and hypothesis');
    assert.deepEqual(api.learned.facts.map((f) => f.value), ['uses pytest and hypothesis']);
    await vscode.commands.executeCommand('mira.forgetFact', { key: api.learned.facts[0].key }, { confirm: false });
    assert.deepEqual(api.learned.facts, []);
    await api.learned.refresh(); // the server agrees
    assert.deepEqual(api.learned.facts, []);
  });

  describe('chat', function () {
    before(function () {
      if (!llm) {
        this.skip(); // MIRA_E2E_LLM unset: the server has no mira/chat yet, or no scripted model
      }
    });

    it('streams an answer with tool steps into the chat panel', async function () {
      await open('api.py');
      const turn = await api.chat.ask('stream: why do api.py and client.py change together?');
      assert.equal(turn.state, 'completed', turn.error);
      const text = turn.steps.filter((s) => s.kind === 'text').map((s) => (s as { text: string }).text).join('');
      assert.ok(text.length > 0);
      assert.ok(turn.steps.some((s) => s.kind === 'tool'), 'a tool step is shown');
      // thumbs up: mira/feedback stores the approach as a reasoning pattern
      assert.ok(turn.operationId);
      const rated = await api.chat.rate(turn.operationId, 'up');
      assert.equal(rated?.recorded, true);
      assert.equal(turn.rating, 'up');
    });

    it('stops a running answer (cancels the request)', async function () {
      const done = api.chat.ask('slow: take your time');
      await until('the first streamed chunk', () => {
        const turn = api.chat.transcript.turns[api.chat.transcript.turns.length - 1];
        return turn.steps.length > 0 ? true : undefined;
      });
      api.chat.stop();
      const turn = await done;
      assert.equal(turn.state, 'cancelled');
    });

    it('applies an artifact through mira.applyArtifact', async function () {
      const turn = await api.chat.ask('artifact: add a docstring to models.py');
      assert.equal(turn.state, 'completed', turn.error);
      const artifact = turn.steps.find((s) => s.kind === 'artifact') as { artifact: { id: string; path: string } } | undefined;
      assert.ok(artifact, 'an artifact was proposed');
      await api.chat.viewDiff(artifact.artifact.id);
      assert.ok(await api.chat.applyArtifact(artifact.artifact.id));
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath.endsWith(artifact.artifact.path));
      assert.ok(doc, 'the edited document is open');
      assert.ok(doc.isDirty || doc.getText().length > 0);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
  });

  describe('learning', function () {
    before(function () {
      if (!llm) {
        this.skip();
      }
    });

    it('lists the pattern a thumbs-up stored in the "Learned" view; shows and forgets it', async function () {
      const found = await until('the rated approach as a pattern', async () => {
        await api.learned.refresh();
        return api.learned.patterns.find((p) => p.source === 'chat' && /api\.py/.test(p.title));
      });
      const [patterns] = api.learned.getChildren();
      const node = api.learned.getChildren(patterns).find((n) => api.learned.getTreeItem(n).label === found.title)!;
      const item = api.learned.getTreeItem(node);
      assert.match(String(item.description), /success/);
      assert.equal(item.command?.command, 'mira.showPattern');
      // the screenshot for the docs: the Learned view (a pattern, a fact, the file's chats) by api.py
      await vscode.commands.executeCommand('mira.addFact', { category: 'style', value: 'be concise' });
      await vscode.commands.executeCommand('workbench.view.extension.mira');
      await vscode.commands.executeCommand('mira.learned.focus');
      await open('api.py');
      await api.learned.setDocument(file('api.py'));
      await new Promise((r) => setTimeout(r, 800));
      await screenshot('vscode-learned');
      await vscode.commands.executeCommand('mira.forgetProfile', undefined, { confirm: false });
      const shown = await vscode.commands.executeCommand<{ markdown: string }>('mira.showPattern', node);
      assert.match(shown.markdown, /^## Suggested Approach/);
      assert.match(vscode.window.activeTextEditor!.document.getText(), /Suggested Approach/);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      assert.equal(await vscode.commands.executeCommand('mira.forgetPattern', node, { confirm: false }), true);
      assert.ok(!api.learned.patterns.some((p) => p.id === found.id), 'forgotten');
    });

    it('lists the earlier conversations about the active file (memory relationships)', async function () {
      await until('a conversation about api.py', async () => {
        await api.learned.setDocument(file('api.py'));
        return api.learned.chats.length > 0 ? true : undefined;
      });
      const group = api.learned.getChildren().find((n) => (n as { group?: string }).group === 'related')!;
      assert.equal(api.learned.getTreeItem(group).label, 'Conversations about api.py');
      const chat = api.learned.getTreeItem(api.learned.getChildren(group)[0]);
      assert.match(String(chat.description), /mentioned|about|read/);

    });

    it('refines a recipe with the model (a new version) from the "Recipes" view', async function () {
      await api.recipes.refresh();
      const recipe = api.recipes.recipes.find((r) => r.files[0] === 'handlers/{{snake}}.py')!;
      const node = api.recipes.getChildren().find((n) => (n as { recipe?: { id: string } }).recipe?.id === recipe.id);
      const result = await vscode.commands.executeCommand<{ recipe: { version: number; title: string }; note: string }>(
        'mira.refineRecipe', node);
      assert.equal(result?.recipe.version, 2);
      assert.equal(result.note, 'a TODO for the route');
      assert.equal(api.recipes.recipes.find((r) => r.id === recipe.id)?.version, 2);
    });
  });

  after(async function () {
    // The screenshot for the README: file, co-change tree and the chat panel side by side.
    await vscode.commands.executeCommand('workbench.view.extension.mira');
    await open('api.py');
    await api.cochange.setDocument(file('api.py'));
    await api.experts.setDocument(file('api.py'));
    if (llm) {
      await api.chat.ask('Who should review a change to api.py?');
    } else {
      api.chat.show();
    }
    await new Promise((r) => setTimeout(r, 1500));
    await screenshot('vscode-chat-and-cochange');
  });
});
