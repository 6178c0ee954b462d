// "Changed Together": the files usually changed with the active editor's file (mira/cochange).
import * as vscode from 'vscode';
import type { CochangeItem, CochangeResult } from '../protocol';

export type CochangeNode = { kind: 'item'; item: CochangeItem } | { kind: 'message'; text: string };

export function percent(value: number): string {
  return `${Math.round(value * 100)} %`;
}

export function cochangeDescription(item: CochangeItem): string {
  const commits = item.sharedCommits === 1 ? '1 shared commit' : `${item.sharedCommits} shared commits`;
  return `${percent(item.confidence)} · ${commits}`;
}

export class CochangeTreeProvider implements vscode.TreeDataProvider<CochangeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: CochangeNode[] = [];
  document: vscode.Uri | undefined;
  /** The last load (tests await it). */
  loading: Promise<void> = Promise.resolve();

  constructor(private readonly fetch: (uri: string) => Promise<CochangeResult | undefined>) {}

  setDocument(uri: vscode.Uri | undefined): Promise<void> {
    this.document = uri;
    this.loading = this.load();
    return this.loading;
  }

  refresh(): Promise<void> {
    return this.setDocument(this.document);
  }

  get items(): CochangeItem[] {
    return this.nodes.flatMap((n) => (n.kind === 'item' ? [n.item] : []));
  }

  private async load(): Promise<void> {
    const uri = this.document;
    if (!uri || uri.scheme !== 'file') {
      this.nodes = [];
    } else {
      try {
        const result = await this.fetch(uri.toString());
        if (uri !== this.document) {
          return; // a newer document won
        }
        if (!result) {
          this.nodes = [{ kind: 'message', text: 'Mira is not running.' }];
        } else if (result.items.length === 0) {
          this.nodes = [{ kind: 'message', text: result.note || 'No files are usually changed with this one.' }];
        } else {
          this.nodes = result.items.map((item) => ({ kind: 'item', item }));
        }
      } catch (error) {
        this.nodes = [{ kind: 'message', text: `Mira: ${(error as Error).message}` }];
      }
    }
    this.changed.fire();
  }

  getTreeItem(node: CochangeNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.contextValue = 'mira.message';
      return item;
    }
    const { item } = node;
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

  getChildren(node?: CochangeNode): CochangeNode[] {
    return node ? [] : this.nodes;
  }
}
