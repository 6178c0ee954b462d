import { describe, expect, it, vi } from 'vitest';

vi.mock('vscode', async () => {
  const { createVSCodeMock } = await import('jest-mock-vscode');
  return createVSCodeMock(vi);
});

import * as vscode from 'vscode';
import { CochangeTreeProvider } from '../src/views/cochange';
import { ExpertsTreeProvider } from '../src/views/experts';
import type { CochangeResult } from '../src/protocol';

const result: CochangeResult = {
  path: 'api.py',
  items: [
    { path: 'src/client.py', uri: 'file:///w/src/client.py', confidence: 0.8, sharedCommits: 4,
      lastChangedTogether: '2024-03-01T10:00:00Z', reason: 'changed together in 4 of 5 commits' },
    { path: 'docs.md', uri: 'file:///w/docs.md', confidence: 0.2, sharedCommits: 1,
      lastChangedTogether: '2024-02-01T10:00:00Z', reason: '1 of 5' },
  ],
};

describe('Changed Together tree', () => {
  it('shows the co-changed files with confidence, opening them on click', async () => {
    const fetch = vi.fn(async () => result);
    const tree = new CochangeTreeProvider(fetch);
    const changed = vi.fn();
    tree.onDidChangeTreeData(changed);
    await tree.setDocument(vscode.Uri.file('/w/api.py'));
    expect(fetch).toHaveBeenCalledWith('file:///w/api.py');
    expect(changed).toHaveBeenCalled();
    const nodes = tree.getChildren();
    expect(nodes).toHaveLength(2);
    const item = tree.getTreeItem(nodes[0]);
    expect(item.label).toBe('client.py');
    expect(item.description).toBe('80 % · 4 shared commits');
    expect(item.command?.command).toBe('vscode.open');
    expect(String(item.command?.arguments?.[0])).toContain('/w/src/client.py');
    expect(tree.getTreeItem(nodes[1]).description).toBe('20 % · 1 shared commit');
  });

  it('shows the server note when there is nothing', async () => {
    const tree = new CochangeTreeProvider(async () => ({ path: 'x', items: [], note: 'not indexed yet' }));
    await tree.setDocument(vscode.Uri.file('/w/x.py'));
    expect(tree.getTreeItem(tree.getChildren()[0]).label).toBe('not indexed yet');
  });

  it('is empty for non-file documents and reports errors', async () => {
    const tree = new CochangeTreeProvider(async () => { throw new Error('boom'); });
    await tree.setDocument(vscode.Uri.parse('untitled:Untitled-1'));
    expect(tree.getChildren()).toHaveLength(0);
    await tree.setDocument(vscode.Uri.file('/w/x.py'));
    expect(tree.getTreeItem(tree.getChildren()[0]).label).toBe('Mira: boom');
  });
});

describe('Experts tree', () => {
  it('lists experts with their share', async () => {
    const tree = new ExpertsTreeProvider(async () => ({ experts: [
      { name: 'Alice', email: 'alice@example.com', score: 0.62, commits: 41, lines: 900, lastCommit: '2024-01-01T00:00:00Z' },
    ] }));
    await tree.setDocument(vscode.Uri.file('/w/api.py'));
    const item = tree.getTreeItem(tree.getChildren()[0]);
    expect(item.label).toBe('Alice');
    expect(item.description).toBe('62 % · 41 commits');
  });
});
