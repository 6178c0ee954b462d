// "Scaffold…": pick a recipe (or take the one of the tree item / code action), ask for the new
// name, then mira.applyScaffold — the server sends the edit as workspace/applyEdit; nothing is
// written without this command.
import * as vscode from 'vscode';
import type { ApplyScaffoldResult, RecipeItem, ScaffoldCommandArgs } from './protocol';
import { ServerCommands } from './protocol';
import type { RecipeNode } from './views/recipes';

/** The recipe and document a Scaffold… invocation names (tree node, code action, or nothing). */
export function scaffoldTarget(arg: unknown): ScaffoldCommandArgs | undefined {
  if (arg && typeof arg === 'object') {
    const node = arg as Partial<RecipeNode> & Partial<ScaffoldCommandArgs>;
    if (node.kind === 'recipe' && node.recipe) {
      return { recipe: node.recipe.id, title: node.recipe.title };
    }
    if (typeof node.recipe === 'string') {
      return { recipe: node.recipe, uri: node.uri, title: node.title, name: node.name };
    }
  }
  return undefined;
}

/** A name the scaffold can spell in every form: letters, digits, _ - and spaces. */
export function validateName(value: string): string | undefined {
  const name = value.trim();
  if (!name) {
    return 'Give the new thing a name.';
  }
  return /^[A-Za-z0-9][A-Za-z0-9_\- ]*$/.test(name) ? undefined : 'Use letters, digits, _, - or spaces.';
}

export async function scaffold(arg: unknown, recipes: () => Promise<RecipeItem[]>): Promise<ApplyScaffoldResult | undefined> {
  let target = scaffoldTarget(arg);
  if (!target) {
    const all = await recipes();
    if (all.length === 0) {
      void vscode.window.showInformationMessage('Mira: no change recipes in this repository yet.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      all.map((r) => ({ label: r.title, description: `${r.support} commits`, detail: r.files.join(', '), r })),
      { title: 'Scaffold which change?', matchOnDetail: true });
    if (!pick) {
      return undefined;
    }
    target = { recipe: pick.r.id, title: pick.r.title };
  }
  const name = target.name ?? await vscode.window.showInputBox({
    title: target.title ?? `Scaffold ${target.recipe}`,
    prompt: 'Name of the new thing (any spelling: user_profile, userProfile, UserProfile)',
    validateInput: validateName,
  });
  if (!name) {
    return undefined;
  }
  const result = await vscode.commands.executeCommand<ApplyScaffoldResult | undefined>(
    ServerCommands.applyScaffold, { recipe: target.recipe, name: name.trim(), ...(target.uri ? { uri: target.uri } : {}) });
  if (result?.applied && result.created?.length) {
    await vscode.window.showTextDocument(vscode.Uri.parse(result.created[0]));
  } else if (result && !result.applied) {
    void vscode.window.showWarningMessage(`Mira: the scaffold was not applied${result.notes?.length ? `: ${result.notes.join('; ')}` : '.'}`);
  }
  return result;
}
