// "Recipes": the workspace's change recipes (mira/recipes), each with the files it creates and
// edits; "Scaffold…" on a recipe asks for a name and applies it (mira.applyScaffold).
import * as vscode from 'vscode';
import type { RecipeItem, RecipesResult } from '../protocol';

export type RecipeNode =
  | { kind: 'recipe'; recipe: RecipeItem }
  | { kind: 'file'; path: string; edit: boolean }
  | { kind: 'message'; text: string };

export function recipeDescription(recipe: RecipeItem): string {
  const commits = recipe.support === 1 ? '1 commit' : `${recipe.support} commits`;
  const last = recipe.lastUsed ? ` · last ${recipe.lastUsed.slice(0, 10)}` : '';
  return `${commits}${last}`;
}

export class RecipesTreeProvider implements vscode.TreeDataProvider<RecipeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: RecipeNode[] = [];
  recipes: RecipeItem[] = [];
  loading: Promise<void> = Promise.resolve();

  constructor(private readonly fetch: () => Promise<RecipesResult | undefined>) {}

  refresh(): Promise<void> {
    this.loading = this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const result = await this.fetch();
      if (!result) {
        this.recipes = [];
        this.nodes = [{ kind: 'message', text: 'Mira is not running.' }];
      } else {
        this.recipes = result.recipes;
        this.nodes = result.recipes.length
          ? result.recipes.map((recipe) => ({ kind: 'recipe', recipe }))
          : [{ kind: 'message', text: result.note || 'No change recurs often enough in this history yet.' }];
      }
    } catch (error) {
      this.recipes = [];
      this.nodes = [{ kind: 'message', text: `Mira: ${(error as Error).message}` }];
    }
    this.changed.fire();
  }

  getTreeItem(node: RecipeNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.contextValue = 'mira.message';
      return item;
    }
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(node.path, vscode.TreeItemCollapsibleState.None);
      item.description = node.edit ? 'edited' : 'created';
      item.iconPath = new vscode.ThemeIcon(node.edit ? 'edit' : 'new-file');
      return item;
    }
    const { recipe } = node;
    const item = new vscode.TreeItem(recipe.title, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = recipe.id;
    item.description = recipeDescription(recipe);
    item.iconPath = new vscode.ThemeIcon('layers');
    const example = recipe.examples[0];
    item.tooltip = new vscode.MarkdownString(
      `**${recipe.title}** (\`${recipe.id}\`)\n\n${recipe.files.map((f) => `- \`${f}\``).join('\n')}` +
      (example ? `\n\nLatest: \`${example.commit.slice(0, 10)}\` ${example.subject}` : ''));
    item.contextValue = 'mira.recipe';
    return item;
  }

  getChildren(node?: RecipeNode): RecipeNode[] {
    if (!node) {
      return this.nodes;
    }
    if (node.kind !== 'recipe') {
      return [];
    }
    return [
      ...node.recipe.creates.map((path): RecipeNode => ({ kind: 'file', path, edit: false })),
      ...node.recipe.edits.map((e): RecipeNode => ({ kind: 'file', path: e.path, edit: true })),
    ];
  }
}
