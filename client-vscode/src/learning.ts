// The actions on what Mira learned: show and forget reasoning patterns, add, correct and forget
// facts about the user, and let the model refine a change recipe. Each takes a tree node or
// plain arguments ({id}, {key, category, value}, {recipe}); destructive ones confirm with a
// modal unless called with {confirm: false} (keybindings, other extensions, tests).
import * as vscode from 'vscode';
import type {
  ProfileFact, ProfileParams, ProfileResult, ReasoningParams, ReasoningResult, RecipeItem, RefineRecipeResult,
} from './protocol';
import { Methods } from './protocol';
import type { LearnedTreeProvider } from './views/learned';

export type Request = <T>(method: string, params: object) => Promise<T | undefined>;

export const CATEGORIES = [
  { label: 'preference', detail: 'How you like code written: "prefers small pure functions"' },
  { label: 'stack', detail: 'What the project or you use: "uses pytest", "uses PostgreSQL"' },
  { label: 'style', detail: 'How Mira should answer: "be concise", "answer in German"' },
] as const;

interface Confirm { confirm?: boolean }

function patternId(arg: unknown): number | undefined {
  const a = arg as { pattern?: { id?: unknown }; id?: unknown } | undefined;
  const id = a?.pattern?.id ?? a?.id;
  return typeof id === 'number' ? id : undefined;
}

function factOf(arg: unknown): Partial<ProfileFact> | undefined {
  const a = arg as { fact?: ProfileFact } & Partial<ProfileFact> | undefined;
  return a?.fact ?? (a && typeof a.key === 'string' ? a : undefined);
}

async function confirmed(options: Confirm | undefined, message: string, action: string): Promise<boolean> {
  if (options?.confirm === false) {
    return true;
  }
  return (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;
}

export function registerLearning(request: Request, learned: LearnedTreeProvider,
  refreshRecipes: () => Promise<unknown>): vscode.Disposable[] {
  const reasoning = (params: ReasoningParams) => request<ReasoningResult>(Methods.reasoning, params);
  const profile = async (params: ProfileParams): Promise<ProfileResult | undefined> => {
    const result = await request<ProfileResult>(Methods.profile, params);
    if (result) {
      learned.setFacts(result.facts);
    }
    return result;
  };

  return [
    vscode.commands.registerCommand('mira.refreshLearned', () => learned.refresh()),

    vscode.commands.registerCommand('mira.showPattern', async (arg?: unknown) => {
      const id = patternId(arg);
      if (id === undefined) {
        return undefined;
      }
      const found = (await reasoning({ action: 'show', id }))?.patterns[0];
      if (!found) {
        return undefined;
      }
      const doc = await vscode.workspace.openTextDocument({
        language: 'markdown',
        content: `<!-- Mira reasoning pattern ${found.id}: ${found.title} -->\n${found.markdown ?? ''}\n`,
      });
      await vscode.window.showTextDocument(doc, { preview: true });
      return found;
    }),

    vscode.commands.registerCommand('mira.forgetPattern', async (arg?: unknown, options?: Confirm) => {
      const id = patternId(arg);
      const title = (arg as { pattern?: { title?: string } })?.pattern?.title ?? `pattern ${id}`;
      if (id === undefined || !await confirmed(options, `Forget the reasoning pattern "${title}"?`, 'Forget')) {
        return false;
      }
      const removed = (await reasoning({ action: 'forget', id }))?.removed ?? false;
      await learned.refresh();
      return removed;
    }),

    vscode.commands.registerCommand('mira.addFact', async (arg?: { category?: ProfileParams['category']; value?: string }) => {
      const category = arg?.category ?? (await vscode.window.showQuickPick([...CATEGORIES],
        { title: 'Tell Mira about you: which kind of fact?' }))?.label;
      if (!category) {
        return undefined;
      }
      const value = arg?.value ?? await vscode.window.showInputBox({
        title: `Tell Mira about you (${category})`, prompt: CATEGORIES.find((c) => c.label === category)?.detail,
        validateInput: (v) => (v.trim() ? undefined : 'Say something Mira should remember.'),
      });
      if (!value?.trim()) {
        return undefined;
      }
      return profile({ action: 'set', category, value: value.trim() });
    }),

    vscode.commands.registerCommand('mira.editFact', async (arg?: unknown, value?: string) => {
      const fact = factOf(arg);
      if (!fact?.key) {
        return undefined;
      }
      const next = value ?? await vscode.window.showInputBox({
        title: 'Correct what Mira learned', value: fact.value,
        validateInput: (v) => (v.trim() ? undefined : 'Use "Forget" to delete the fact.'),
      });
      if (!next?.trim() || next.trim() === fact.value) {
        return undefined;
      }
      return profile({ action: 'set', key: fact.key,
        category: (fact.category ?? 'preference') as ProfileParams['category'], value: next.trim() });
    }),

    vscode.commands.registerCommand('mira.forgetFact', async (arg?: unknown, options?: Confirm) => {
      const fact = factOf(arg);
      if (!fact?.key || !await confirmed(options, `Forget "${fact.value ?? fact.key}"?`, 'Forget')) {
        return undefined;
      }
      return profile({ action: 'forget', key: fact.key });
    }),

    vscode.commands.registerCommand('mira.forgetProfile', async (_arg?: unknown, options?: Confirm) => {
      if (!await confirmed(options, 'Forget everything Mira learned about you?', 'Forget All')) {
        return undefined;
      }
      return profile({ action: 'forget', key: 'all' });
    }),

    vscode.commands.registerCommand('mira.refineRecipe', async (arg?: unknown) => {
      const a = arg as { recipe?: RecipeItem | string } | undefined;
      const recipe = typeof a?.recipe === 'string' ? a.recipe : a?.recipe?.id;
      if (!recipe) {
        return undefined;
      }
      try {
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Mira: the model is refining the recipe…' },
          () => request<RefineRecipeResult>(Methods.refineRecipe, { recipe }));
        if (result) {
          void vscode.window.showInformationMessage(
            `Mira: "${result.recipe.title}" is now version ${result.recipe.version}: ${result.note}`);
          await refreshRecipes();
        }
        return result;
      } catch (error) {
        void vscode.window.showWarningMessage(`Mira: ${(error as Error).message}`);
        return undefined;
      }
    }),
  ];
}
