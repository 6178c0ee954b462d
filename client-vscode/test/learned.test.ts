import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('vscode', async () => {
  const { createVSCodeMock } = await import('jest-mock-vscode');
  return createVSCodeMock(vi);
});

import * as vscode from 'vscode';
import { registerLearning } from '../src/learning';
import type { ProfileFact, ReasoningPatternItem } from '../src/protocol';
import { LearnedTreeProvider, relatedChats } from '../src/views/learned';

const pattern: ReasoningPatternItem = {
  id: 7, title: 'Add a rate limit to the api handler', source: 'chat',
  keywords: ['rate', 'limit', 'api'], fileKinds: ['py'],
  steps: [{ tool: 'read_file', args: '{"path": "api.py"}' }],
  plan: ['Read the handler in api.py', 'Add the rate limit check before it'],
  uses: 3, successes: 2, failures: 1, successRate: 0.6,
};
const fact: ProfileFact = {
  key: 'preference:small-functions', category: 'preference', value: 'prefers small functions',
  confidence: 0.75, evidence: 2, source: 'learned',
};

function tree(patterns = [pattern], facts = [fact]): LearnedTreeProvider {
  return new LearnedTreeProvider({
    patterns: async () => ({ patterns }),
    profile: async () => ({ facts }),
  });
}

describe('Learned tree', () => {
  it('groups reasoning patterns and profile facts, with success, uses and confidence', async () => {
    const t = tree();
    await t.refresh();
    const [patterns, profile] = t.getChildren();
    expect(t.getTreeItem(patterns).label).toBe('Reasoning patterns');
    expect(t.getTreeItem(patterns).description).toBe('1');
    const p = t.getTreeItem(t.getChildren(patterns)[0]);
    expect(p.label).toBe(pattern.title);
    expect(p.description).toBe('60 % success · used 3×');
    expect(p.contextValue).toBe('mira.pattern');
    expect(p.command?.command).toBe('mira.showPattern');
    expect((p.tooltip as vscode.MarkdownString).value).toContain('2. Add the rate limit check before it');
    const f = t.getTreeItem(t.getChildren(profile)[0]);
    expect([f.label, f.description, f.contextValue]).toEqual(
      ['prefers small functions', 'preference · 75 % sure', 'mira.fact']);
  });

  it('says how each group fills, or that Mira is not running', async () => {
    const t = tree([], []);
    await t.refresh();
    const [patterns, profile] = t.getChildren();
    expect(String(t.getTreeItem(t.getChildren(patterns)[0]).label)).toMatch(/rate a good chat answer/);
    expect(String(t.getTreeItem(t.getChildren(profile)[0]).label)).toMatch(/I prefer/);
    const stopped = new LearnedTreeProvider({ patterns: async () => undefined, profile: async () => undefined });
    await stopped.refresh();
    expect(stopped.getTreeItem(stopped.getChildren()[0]).label).toBe('Mira is not running.');
  });
});

describe('Conversations about the active file', () => {
  const question = {
    id: 1, sessionId: 's', operationId: 'op-1', role: 'user' as const, excerpt: 'Why does api.py change so often?',
    ts: '2026-12-01T10:00:00Z', links: [{ kind: 'file' as const, target: 'api.py', relation: 'about' as const }],
  };
  const answer = {
    ...question, id: 2, role: 'assistant' as const, excerpt: 'It changes with client.py.',
    links: [{ kind: 'file' as const, target: 'api.py', relation: 'read' as const }],
  };

  it('folds messages into chats and lists them under the file, with how they relate', async () => {
    expect(relatedChats([answer, question])).toEqual([{ question, answer }]);
    const t = new LearnedTreeProvider({
      patterns: async () => ({ patterns: [] }), profile: async () => ({ facts: [] }),
      related: async () => ({ messages: [answer, question] }),
    });
    await t.refresh();
    vi.mocked(vscode.workspace.asRelativePath).mockReturnValue('api.py');
    await t.setDocument(vscode.Uri.file('/w/api.py'));
    const groups = t.getChildren();
    expect(groups).toHaveLength(3);
    const group = t.getTreeItem(groups[2]);
    expect([group.label, group.description]).toEqual(['Conversations about api.py', '1']);
    const chat = t.getTreeItem(t.getChildren(groups[2])[0]);
    expect([chat.label, chat.description]).toEqual(['Why does api.py change so often?', '2026-12-01 · about, read']);
    expect((chat.tooltip as vscode.MarkdownString).value).toContain('**Answer:** It changes with client.py.');
  });
});

describe('Learning commands', () => {
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const request = vi.fn();
  let learned: LearnedTreeProvider;

  beforeEach(async () => {
    handlers.clear();
    request.mockReset();
    vi.mocked(vscode.commands.registerCommand).mockImplementation((id, fn) => {
      handlers.set(id, fn);
      return { dispose: () => undefined };
    });
    learned = tree();
    await learned.refresh();
    registerLearning(request, learned, async () => undefined);
  });

  it('forgets a pattern only after the user confirms', async () => {
    const warn = vi.mocked(vscode.window.showWarningMessage).mockResolvedValue(undefined as never);
    expect(await handlers.get('mira.forgetPattern')!({ kind: 'pattern', pattern })).toBe(false);
    expect(request).not.toHaveBeenCalled();
    warn.mockResolvedValue('Forget' as never);
    request.mockResolvedValue({ patterns: [], removed: true });
    expect(await handlers.get('mira.forgetPattern')!({ kind: 'pattern', pattern })).toBe(true);
    expect(request).toHaveBeenCalledWith('mira/reasoning', { action: 'forget', id: 7 });
  });

  it('corrects a fact (the box starts with its value) and shows the answer at once', async () => {
    vi.mocked(vscode.window.showInputBox).mockResolvedValue('prefers small pure functions');
    const corrected = { ...fact, value: 'prefers small pure functions', source: 'user', confidence: 1 };
    request.mockResolvedValue({ facts: [corrected] });
    await handlers.get('mira.editFact')!({ kind: 'fact', fact });
    expect(vi.mocked(vscode.window.showInputBox).mock.calls[0][0]?.value).toBe('prefers small functions');
    expect(request).toHaveBeenCalledWith('mira/profile', {
      action: 'set', key: fact.key, category: 'preference', value: 'prefers small pure functions' });
    expect(learned.facts).toEqual([corrected]);
  });

  it('adds a fact: category, then value; cancelling sends nothing', async () => {
    vi.mocked(vscode.window.showQuickPick).mockResolvedValue(undefined);
    expect(await handlers.get('mira.addFact')!()).toBeUndefined();
    expect(request).not.toHaveBeenCalled();
    request.mockResolvedValue({ facts: [] });
    await handlers.get('mira.addFact')!({ category: 'stack', value: ' uses PostgreSQL ' });
    expect(request).toHaveBeenCalledWith('mira/profile', { action: 'set', category: 'stack', value: 'uses PostgreSQL' });
  });

  it('refines a recipe and reports a refusal as a warning', async () => {
    vi.mocked(vscode.window.withProgress).mockImplementation(async (_o, task) => task({} as never, {} as never));
    request.mockResolvedValue({ recipe: { id: 'r', title: 'New handler', version: 2 }, note: 'TODOs' });
    const result = await handlers.get('mira.refineRecipe')!({ kind: 'recipe', recipe: { id: 'r' } });
    expect(request).toHaveBeenCalledWith('mira/refineRecipe', { recipe: 'r' });
    expect(result).toMatchObject({ note: 'TODOs' });
    const warn = vi.mocked(vscode.window.showWarningMessage);
    warn.mockClear();
    request.mockRejectedValue(new Error('refining a recipe needs a language model'));
    expect(await handlers.get('mira.refineRecipe')!({ recipe: 'r' })).toBeUndefined();
    expect(String(warn.mock.calls[0][0])).toMatch(/needs a language model/);
  });
});
