// "Experts": who knows the active editor's file (mira/experts).
import * as vscode from 'vscode';
import type { Expert, ExpertsResult } from '../protocol';
import { percent } from './cochange';

export type ExpertNode = { kind: 'expert'; expert: Expert } | { kind: 'message'; text: string };

export function expertDescription(expert: Expert): string {
  const commits = expert.commits === 1 ? '1 commit' : `${expert.commits} commits`;
  return `${percent(expert.score)} · ${commits}`;
}

export class ExpertsTreeProvider implements vscode.TreeDataProvider<ExpertNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: ExpertNode[] = [];
  document: vscode.Uri | undefined;
  loading: Promise<void> = Promise.resolve();

  constructor(private readonly fetch: (uri: string) => Promise<ExpertsResult | undefined>) {}

  setDocument(uri: vscode.Uri | undefined): Promise<void> {
    this.document = uri;
    this.loading = this.load();
    return this.loading;
  }

  refresh(): Promise<void> {
    return this.setDocument(this.document);
  }

  get experts(): Expert[] {
    return this.nodes.flatMap((n) => (n.kind === 'expert' ? [n.expert] : []));
  }

  private async load(): Promise<void> {
    const uri = this.document;
    if (!uri || uri.scheme !== 'file') {
      this.nodes = [];
    } else {
      try {
        const result = await this.fetch(uri.toString());
        if (uri !== this.document) {
          return;
        }
        if (!result) {
          this.nodes = [{ kind: 'message', text: 'Mira is not running.' }];
        } else if (result.experts.length === 0) {
          this.nodes = [{ kind: 'message', text: 'No history for this file yet.' }];
        } else {
          this.nodes = result.experts.map((expert) => ({ kind: 'expert', expert }));
        }
      } catch (error) {
        this.nodes = [{ kind: 'message', text: `Mira: ${(error as Error).message}` }];
      }
    }
    this.changed.fire();
  }

  getTreeItem(node: ExpertNode): vscode.TreeItem {
    if (node.kind === 'message') {
      return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
    const { expert } = node;
    const item = new vscode.TreeItem(expert.name, vscode.TreeItemCollapsibleState.None);
    item.description = expertDescription(expert);
    item.iconPath = new vscode.ThemeIcon('person');
    const last = expert.lastCommit ? `\n\nLast commit: ${expert.lastCommit.slice(0, 10)}` : '';
    item.tooltip = new vscode.MarkdownString(
      `**${expert.name}** <${expert.email}>\n\n${expert.commits} commits · ${expert.lines} lines${last}`);
    item.contextValue = 'mira.expert';
    return item;
  }

  getChildren(node?: ExpertNode): ExpertNode[] {
    return node ? [] : this.nodes;
  }
}
