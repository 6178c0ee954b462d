import { describe, expect, it, vi } from 'vitest';

vi.mock('vscode', async () => {
  const { createVSCodeMock } = await import('jest-mock-vscode');
  return createVSCodeMock(vi);
});

import * as vscode from 'vscode';
import type { RecipeItem, RecipesResult } from '../src/protocol';
import { scaffold, scaffoldTarget, validateName } from '../src/scaffold';
import { RecipesTreeProvider } from '../src/views/recipes';
import { renderTurn, Transcript } from '../src/chat/transcript';

const handler: RecipeItem = {
  id: 'app-handlers-py', title: 'New handler (py) + 1 more file, 1 edit',
  files: ['src/app/handlers/{{snake}}.py', 'tests/test_{{snake}}.py', 'src/app/handlers/__init__.py'],
  support: 4, lastUsed: '2024-05-01T10:00:00+00:00',
  examples: [{ commit: 'abcdef1234567', subject: 'Add the audit_log handler', name: 'audit_log' }],
  creates: ['src/app/handlers/{{snake}}.py', 'tests/test_{{snake}}.py'],
  edits: [{ path: 'src/app/handlers/__init__.py', lines: ['from .{{snake}} import {{pascal}}Handler'] }],
  version: 1, retired: false,
};

describe('Recipes tree', () => {
  it('lists recipes with support, their created and edited files as children', async () => {
    const fetch = vi.fn(async (): Promise<RecipesResult> => ({ recipes: [handler] }));
    const tree = new RecipesTreeProvider(fetch);
    await tree.refresh();
    const [node] = tree.getChildren();
    const item = tree.getTreeItem(node);
    expect(item.label).toBe('New handler (py) + 1 more file, 1 edit');
    expect(item.description).toBe('4 commits · last 2024-05-01');
    expect(item.contextValue).toBe('mira.recipe');
    const files = tree.getChildren(node).map((n) => tree.getTreeItem(n));
    expect(files.map((f) => [f.label, f.description])).toEqual([
      ['src/app/handlers/{{snake}}.py', 'created'], ['tests/test_{{snake}}.py', 'created'],
      ['src/app/handlers/__init__.py', 'edited']]);
  });

  it('says why it is empty, or that Mira is not running', async () => {
    const tree = new RecipesTreeProvider(async () => ({ recipes: [], note: 'not inside a git repository' }));
    await tree.refresh();
    expect(tree.getTreeItem(tree.getChildren()[0]).label).toBe('not inside a git repository');
    const stopped = new RecipesTreeProvider(async () => undefined);
    await stopped.refresh();
    expect(stopped.getTreeItem(stopped.getChildren()[0]).label).toBe('Mira is not running.');
  });
});

describe('Scaffold…', () => {
  it('takes the recipe from a tree node or a code action', () => {
    expect(scaffoldTarget({ kind: 'recipe', recipe: handler })).toEqual({ recipe: handler.id, title: handler.title });
    expect(scaffoldTarget({ recipe: 'r1', uri: 'file:///w/a.py', title: 'T' })).toEqual(
      { recipe: 'r1', uri: 'file:///w/a.py', title: 'T', name: undefined });
    expect(scaffoldTarget(undefined)).toBeUndefined();
  });

  it('validates names', () => {
    expect(validateName('')).toBeDefined();
    expect(validateName('user profile')).toBeUndefined();
    expect(validateName('UserProfile')).toBeUndefined();
    expect(validateName('../etc')).toBeDefined();
  });

  it('asks for a name and applies through mira.applyScaffold, then opens the new file', async () => {
    vi.mocked(vscode.window.showInputBox).mockResolvedValue('cart_items');
    const show = vi.spyOn(vscode.window, 'showTextDocument').mockResolvedValue({} as never);
    const execute = vi.mocked(vscode.commands.executeCommand).mockResolvedValue(
      { applied: true, created: ['file:///w/src/app/handlers/cart_items.py'] });
    const result = await scaffold({ recipe: handler.id, uri: 'file:///w/src/app/handlers/billing.py' }, async () => []);
    expect(execute).toHaveBeenCalledWith('mira.applyScaffold',
      { recipe: handler.id, name: 'cart_items', uri: 'file:///w/src/app/handlers/billing.py' });
    expect(result?.applied).toBe(true);
    expect(String(show.mock.calls[0][0])).toBe('file:///w/src/app/handlers/cart_items.py');
  });

  it('offers the recipes when none is given and stops when the user cancels', async () => {
    const pick = vi.mocked(vscode.window.showQuickPick).mockResolvedValue(undefined);
    const execute = vi.mocked(vscode.commands.executeCommand);
    execute.mockClear();
    expect(await scaffold(undefined, async () => [handler])).toBeUndefined();
    expect(pick).toHaveBeenCalled();
    expect(execute).not.toHaveBeenCalled();
  });
});

describe('Chat feedback', () => {
  it('renders thumbs up/down on a completed answer, the chosen one pressed', () => {
    const transcript = new Transcript();
    const turn = transcript.start('Add a migration');
    transcript.finish(turn, {
      operationId: 'op-1', sessionId: 's', response: 'Done.', artifacts: [], citations: [], usage: null,
    } as never);
    let html = renderTurn(turn);
    expect(html).toContain('data-action="rate-up" data-id="op-1"');
    expect(html).toContain('data-action="rate-down" data-id="op-1"');
    expect(transcript.byOperation('op-1')).toBe(turn);
    turn.rating = 'up';
    html = renderTurn(turn);
    expect(html).toMatch(/rate-up"[^>]*aria-pressed="true"/);
    expect(html).toMatch(/rate-down"[^>]*aria-pressed="false"/);
    const streaming = transcript.start('next');
    expect(renderTurn(streaming)).not.toContain('rate-up');
  });
});
