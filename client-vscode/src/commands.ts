// The commands of the palette and menus. The server's own commands (mira.reindex, mira.runBuild,
// mira.showCochange, mira.showExperts, mira.applyArtifact, …) are registered by the language
// client from the server's executeCommandProvider; package.json only gives them titles.
import * as vscode from 'vscode';
import type { ChatController } from './chat/panel';
import { activeEditorContext } from './chat/panel';
import type { CochangeResult, ExpertsResult } from './protocol';
import { cochangeDescription } from './views/cochange';
import { expertDescription } from './views/experts';

export interface CommandDeps {
  chat: ChatController;
  output: vscode.OutputChannel;
  cochange: (uri: string) => Promise<CochangeResult | undefined>;
  experts: (uri: string, position?: vscode.Position) => Promise<ExpertsResult | undefined>;
  refreshViews: () => Promise<void>;
  restart: () => Promise<void>;
}

export function diagnosticText(diagnostic: vscode.Diagnostic): string {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  const origin = [diagnostic.source, code].filter((p) => p !== undefined && p !== '').join(' ');
  return origin ? `${origin}: ${diagnostic.message}` : diagnostic.message;
}

function fileUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  if (typeof arg === 'string' && arg.includes(':')) {
    return vscode.Uri.parse(arg);
  }
  const editor = vscode.window.activeTextEditor;
  return editor?.document.uri;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { chat } = deps;
  return [
    vscode.commands.registerCommand('mira.openChat', () => chat.show()),

    vscode.commands.registerCommand('mira.ask', async (question?: string) => {
      const editor = vscode.window.activeTextEditor;
      const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
      let message = typeof question === 'string' ? question : undefined;
      if (message === undefined) {
        message = await vscode.window.showInputBox({
          title: 'Ask Mira',
          prompt: selection ? 'About the selection' : 'About this codebase',
          placeHolder: 'Why does this change so often? Who should review it?',
        });
      }
      if (!message) {
        return undefined;
      }
      return chat.ask(message, activeEditorContext());
    }),

    vscode.commands.registerCommand('mira.explainError', async (uriArg?: unknown, diagnosticArg?: vscode.Diagnostic) => {
      const uri = fileUri(uriArg);
      if (!uri) {
        void vscode.window.showInformationMessage('Mira: open a file with an error first.');
        return undefined;
      }
      let diagnostic = diagnosticArg;
      if (!diagnostic) {
        const all = vscode.languages.getDiagnostics(uri);
        const editor = vscode.window.activeTextEditor;
        const here = editor && editor.document.uri.toString() === uri.toString()
          ? all.filter((d) => d.range.contains(editor.selection.active) || d.range.intersection(editor.selection))
          : [];
        const candidates = here.length ? here : all;
        if (candidates.length === 0) {
          void vscode.window.showInformationMessage('Mira: no error here to explain.');
          return undefined;
        }
        if (candidates.length === 1) {
          diagnostic = candidates[0];
        } else {
          const pick = await vscode.window.showQuickPick(
            candidates.map((d) => ({ label: d.message.split('\n')[0], description: `line ${d.range.start.line + 1}`, d })),
            { title: 'Explain which error?' });
          diagnostic = pick?.d;
        }
      }
      if (!diagnostic) {
        return undefined;
      }
      const r = diagnostic.range;
      return chat.ask(`Explain this error and how to fix it:\n\n${diagnosticText(diagnostic)}`, {
        textDocument: { uri: uri.toString() },
        range: { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } },
        preset: 'for_error',
      });
    }),

    vscode.commands.registerCommand('mira.showCochangedFiles', async (uriArg?: unknown) => {
      const uri = fileUri(uriArg);
      if (!uri) {
        return undefined;
      }
      const result = await deps.cochange(uri.toString());
      if (!result || result.items.length === 0) {
        void vscode.window.showInformationMessage(`Mira: ${result?.note || 'no files are usually changed with this one.'}`);
        return result;
      }
      const pick = await vscode.window.showQuickPick(
        result.items.map((item) => ({ label: item.path, description: cochangeDescription(item), detail: item.reason, item })),
        { title: `Usually changed with ${result.path}`, matchOnDescription: true });
      if (pick) {
        await vscode.window.showTextDocument(vscode.Uri.parse(pick.item.uri));
      }
      return result;
    }),

    vscode.commands.registerCommand('mira.showExpertsList', async (uriArg?: unknown) => {
      const uri = fileUri(uriArg);
      if (!uri) {
        return undefined;
      }
      const editor = vscode.window.activeTextEditor;
      const position = editor?.document.uri.toString() === uri.toString() ? editor.selection.active : undefined;
      const result = await deps.experts(uri.toString(), position);
      if (!result || result.experts.length === 0) {
        void vscode.window.showInformationMessage('Mira: no history for this file yet.');
        return result;
      }
      await vscode.window.showQuickPick(
        result.experts.map((e) => ({ label: e.name, description: expertDescription(e), detail: e.email })),
        { title: 'Who knows this code' });
      return result;
    }),

    vscode.commands.registerCommand('mira.openLog', () => deps.output.show(true)),
    vscode.commands.registerCommand('mira.restartServer', () => deps.restart()),
    vscode.commands.registerCommand('mira.refreshViews', () => deps.refreshViews()),

    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new ExplainErrorActions(), {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
    }),
  ];
}

/** "Explain with Mira" on every diagnostic, from any source. */
export class ExplainErrorActions implements vscode.CodeActionProvider {
  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics.slice(0, 3).map((diagnostic) => {
      const action = new vscode.CodeAction(`Explain with Mira: ${diagnostic.message.split('\n')[0].slice(0, 60)}`,
        vscode.CodeActionKind.QuickFix);
      action.command = { command: 'mira.explainError', title: 'Explain with Mira', arguments: [document.uri, diagnostic] };
      action.diagnostics = [diagnostic];
      return action;
    });
  }
}
