// A tree view about the active editor's file: loads when the document changes, shows a message
// when Mira is not running, has nothing to say, or fails. Subclasses say what to fetch and show.
import * as vscode from 'vscode';

export type DocumentNode<T> = { kind: 'entry'; value: T } | { kind: 'message'; text: string };

export abstract class DocumentTreeProvider<R, T> implements vscode.TreeDataProvider<DocumentNode<T>> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: DocumentNode<T>[] = [];
  document: vscode.Uri | undefined;
  /** The last load (tests await it). */
  loading: Promise<void> = Promise.resolve();

  constructor(private readonly fetch: (uri: string) => Promise<R | undefined>) {}

  /** The entries of a result, and what to say when there are none. */
  protected abstract entries(result: R): T[];
  protected abstract emptyText(result: R): string;
  protected abstract entryItem(value: T): vscode.TreeItem;

  setDocument(uri: vscode.Uri | undefined): Promise<void> {
    this.document = uri;
    this.loading = this.load();
    return this.loading;
  }

  refresh(): Promise<void> {
    return this.setDocument(this.document);
  }

  protected get values(): T[] {
    return this.nodes.flatMap((n) => (n.kind === 'entry' ? [n.value] : []));
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
        } else {
          const values = this.entries(result);
          this.nodes = values.length
            ? values.map((value) => ({ kind: 'entry', value }))
            : [{ kind: 'message', text: this.emptyText(result) }];
        }
      } catch (error) {
        this.nodes = [{ kind: 'message', text: `Mira: ${(error as Error).message}` }];
      }
    }
    this.changed.fire();
  }

  getTreeItem(node: DocumentNode<T>): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.contextValue = 'mira.message';
      return item;
    }
    return this.entryItem(node.value);
  }

  getChildren(node?: DocumentNode<T>): DocumentNode<T>[] {
    return node ? [] : this.nodes;
  }
}
