// "Changed Together": the files usually changed with the active editor's file (mira/cochange).
import * as vscode from 'vscode';
import type { CochangeItem, CochangeResult } from '../protocol';
import { DocumentTreeProvider } from './documentTree';

export function percent(value: number): string {
  return `${Math.round(value * 100)} %`;
}

export function cochangeDescription(item: CochangeItem): string {
  const commits = item.sharedCommits === 1 ? '1 shared commit' : `${item.sharedCommits} shared commits`;
  return `${percent(item.confidence)} · ${commits}`;
}

export class CochangeTreeProvider extends DocumentTreeProvider<CochangeResult, CochangeItem> {
  get items(): CochangeItem[] {
    return this.values;
  }

  protected entries(result: CochangeResult): CochangeItem[] {
    return result.items;
  }

  protected emptyText(result: CochangeResult): string {
    return result.note || 'No files are usually changed with this one.';
  }

  protected entryItem(item: CochangeItem): vscode.TreeItem {
    const uri = vscode.Uri.parse(item.uri);
    const tree = new vscode.TreeItem(item.path.split('/').pop() ?? item.path, vscode.TreeItemCollapsibleState.None);
    tree.resourceUri = uri;
    tree.description = cochangeDescription(item);
    tree.tooltip = new vscode.MarkdownString(
      `**${item.path}** — ${percent(item.confidence)}\n\n${item.reason}\n\nLast changed together: ${item.lastChangedTogether.slice(0, 10)}`);
    tree.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    tree.contextValue = 'mira.cochange';
    tree.id = item.uri;
    return tree;
  }
}
