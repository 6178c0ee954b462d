// Wiring only: output channel, status bar, views, chat, commands and the language client.
import * as vscode from 'vscode';
import {
  LanguageClient, State, WorkDoneProgress, WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';
import { ArtifactContents, ARTIFACT_SCHEME, ChatController } from './chat/panel';
import { createClient, reportServerNotFound, ServerNotFound } from './client';
import { registerLearning } from './learning';
import { onInterpreterChange } from './python';
import { registerCommands } from './commands';
import {
  BudgetResult, CochangeResult, ExpertsResult, MemoryRelationsResult, Methods, ProfileResult, ReasoningResult,
  RecipesResult,
} from './protocol';
import { scaffold } from './scaffold';
import { StatusState } from './status';
import { CochangeTreeProvider } from './views/cochange';
import { ExpertsTreeProvider } from './views/experts';
import { LearnedTreeProvider } from './views/learned';
import { RecipesTreeProvider } from './views/recipes';

/** What activate() returns: used by the end-to-end tests (and other extensions). */
export interface MiraApi {
  client(): LanguageClient | undefined;
  ready: Promise<void>;
  chat: ChatController;
  cochange: CochangeTreeProvider;
  experts: ExpertsTreeProvider;
  recipes: RecipesTreeProvider;
  learned: LearnedTreeProvider;
  status: StatusState;
}

/** The running client, stopped by deactivate() (VS Code waits for the promise it returns). */
let current: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<MiraApi> {
  const output = vscode.window.createOutputChannel('Mira', { log: true });
  const statusItem = vscode.window.createStatusBarItem('mira.status', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'Mira';
  statusItem.command = 'mira.openLog';
  const status = new StatusState((s) => {
    statusItem.text = s.text;
    statusItem.tooltip = s.tooltip;
  });
  statusItem.show();
  context.subscriptions.push(output, statusItem);

  let client: LanguageClient | undefined;
  const running = (): LanguageClient | undefined => (client && client.state === State.Running ? client : undefined);

  const fetchCochange = async (uri: string): Promise<CochangeResult | undefined> =>
    running()?.sendRequest<CochangeResult>(Methods.cochange, { textDocument: { uri } });
  const fetchExperts = async (uri: string, position?: vscode.Position): Promise<ExpertsResult | undefined> =>
    running()?.sendRequest<ExpertsResult>(Methods.experts, {
      textDocument: { uri }, ...(position ? { position: { line: position.line, character: position.character } } : {}),
    });

  const refreshBudget = async (): Promise<void> => {
    try {
      const budget = await running()?.sendRequest<BudgetResult>(Methods.budget, {});
      status.setBudget(budget?.configured ? budget : undefined);
      // "Refine with the Model" is offered only when a model is configured
      void vscode.commands.executeCommand('setContext', 'mira.modelConfigured', Boolean(budget?.configured));
    } catch {
      status.setBudget(undefined); // a server without chat
    }
  };

  const fetchRecipes = async (): Promise<RecipesResult | undefined> =>
    running()?.sendRequest<RecipesResult>(Methods.recipes, {});
  const recipes = new RecipesTreeProvider(fetchRecipes);
  const request = async <T>(method: string, params: object): Promise<T | undefined> =>
    running()?.sendRequest<T>(method, params);
  const learned = new LearnedTreeProvider({
    patterns: () => request<ReasoningResult>(Methods.reasoning, { action: 'list' }),
    profile: () => request<ProfileResult>(Methods.profile, { action: 'list' }),
    related: (uri) => request<MemoryRelationsResult>(Methods.memoryRelations, { textDocument: { uri } }),
  });
  const cochange = new CochangeTreeProvider(fetchCochange);
  const experts = new ExpertsTreeProvider((uri) => fetchExperts(uri));
  const artifacts = new ArtifactContents();
  const chat = new ChatController(context.extensionUri, running, artifacts, () => {
    void refreshBudget();
    void learned.refresh();
    void learned.setDocument(vscode.window.activeTextEditor?.document.uri ?? cochange.document);
  });
  const refreshViews = async (): Promise<void> => {
    const uri = vscode.window.activeTextEditor?.document.uri ?? cochange.document;
    await Promise.all([cochange.setDocument(uri), experts.setDocument(uri), recipes.refresh(), learned.refresh(),
      learned.setDocument(uri)]);
  };
  context.subscriptions.push(
    chat,
    vscode.window.createTreeView('mira.cochange', { treeDataProvider: cochange, showCollapseAll: false }),
    vscode.window.createTreeView('mira.experts', { treeDataProvider: experts }),
    vscode.window.createTreeView('mira.recipes', { treeDataProvider: recipes }),
    vscode.window.createTreeView('mira.learned', { treeDataProvider: learned }),
    ...registerLearning(request, learned, () => recipes.refresh()),
    vscode.commands.registerCommand('mira.scaffold', (arg?: unknown) => scaffold(arg, async () => {
      await recipes.refresh();
      return recipes.recipes;
    })),
    vscode.commands.registerCommand('mira.refreshRecipes', () => recipes.refresh()),
    vscode.workspace.registerTextDocumentContentProvider(ARTIFACT_SCHEME, artifacts),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      // Focus moving to the chat panel or a view keeps the last file's views.
      if (editor?.document.uri.scheme === 'file') {
        void cochange.setDocument(editor.document.uri);
        void experts.setDocument(editor.document.uri);
        void learned.setDocument(editor.document.uri);
      }
    }),
  );

  const start = async (): Promise<void> => {
    try {
      client = await createClient(output);
      current = client;
    } catch (error) {
      if (error instanceof ServerNotFound) {
        status.setServer('notFound');
        output.appendLine(`The server command "${error.message}" was not found.`);
        void reportServerNotFound(error.message);
        return;
      }
      throw error;
    }
    status.setServer('starting');
    client.onDidChangeState((e) => {
      status.setServer(e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped');
    });
    try {
      await client.start();
    } catch (error) {
      status.setServer('stopped');
      output.appendLine(`Mira did not start: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`Mira did not start: ${(error as Error).message}`, 'Open Log')
        .then((choice) => choice && output.show());
      return;
    }
    // Index progress goes to the status bar (replaces the default notification).
    const c = client;
    c.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const sub = c.onProgress(WorkDoneProgress.type, token, (value) => {
        status.progress(token, value);
        if (value.kind === 'end') {
          sub.dispose();
          void refreshViews(); // a finished index run changes co-change and experts
        }
      });
    });
    status.setServer('running');
    await Promise.all([refreshViews(), refreshBudget()]);
  };

  // Restarts run one after another: a burst of setting changes ends with one running server.
  let restarting: Promise<void> = Promise.resolve();
  const restart = (): Promise<void> => {
    restarting = restarting.then(async () => {
      const old = client;
      client = undefined;
      current = undefined;
      if (old) {
        await old.stop().catch(() => undefined);
      }
      await start();
    });
    return restarting;
  };

  context.subscriptions.push(
    ...registerCommands({ chat, output, cochange: fetchCochange, experts: fetchExperts, refreshViews, restart }),
    // Every mira.* setting is read when the server starts (initializationOptions, command,
    // environment): a change restarts it, as a user expects of a setting.
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('mira')) {
        output.info('Mira settings changed: restarting the server');
        void restart();
      }
    }),
  );
  void onInterpreterChange(() => {
    output.info('The selected Python interpreter changed: restarting the server');
    void restart();
  }).then((sub) => sub && context.subscriptions.push(sub));

  const ready = start();
  return {
    client: running, ready, chat, cochange, experts, recipes, learned, status,
  };
}

export function deactivate(): Thenable<void> | undefined {
  const client = current;
  current = undefined;
  return client?.stop();
}
