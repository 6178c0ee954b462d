// The chat panel: a webview (strict CSP, local resources only) streaming mira/chat.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { ProgressType } from 'vscode-languageclient/node';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  Artifact, ChatParams, ChatPartial, ChatResult, FeedbackParams, FeedbackResult, Methods, Preset,
  RequestCancelled, ServerCommands,
} from '../protocol';
import { renderTurn, Transcript, Turn } from './transcript';

export interface AskOptions {
  textDocument?: { uri: string };
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  preset?: Preset;
}

export const ARTIFACT_SCHEME = 'mira-artifact';

/** Proposed artifact contents, for View diff (a read-only virtual document). */
export class ArtifactContents implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  set(artifact: Artifact): vscode.Uri {
    const name = artifact.path.split('/').pop() || 'artifact';
    const uri = vscode.Uri.from({ scheme: ARTIFACT_SCHEME, path: `/${artifact.id}/${name}` });
    this.contents.set(uri.toString(), artifact.content);
    return uri;
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}

export class ChatController implements vscode.Disposable {
  readonly transcript = new Transcript();
  sessionId: string | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private cancel: vscode.CancellationTokenSource | undefined;
  private readonly finished = new vscode.EventEmitter<Turn>();
  /** Fires when a turn ends (completed, cancelled or failed). */
  readonly onDidFinish = this.finished.event;
  private readonly updated = new vscode.EventEmitter<Turn>();
  /** Fires on every streamed change. */
  readonly onDidUpdate = this.updated.event;

  constructor(private readonly extensionUri: vscode.Uri,
    private readonly getClient: () => LanguageClient | undefined,
    private readonly artifacts: ArtifactContents,
    /** After a turn, a rating or an applied artifact: budget and what Mira learned changed. */
    private readonly afterTurn: () => void = () => undefined) {}

  get busy(): boolean {
    return this.cancel !== undefined;
  }

  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, false);
      return this.panel;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel('mira.chat', 'Mira Chat', vscode.ViewColumn.Beside, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [media],
    });
    panel.iconPath = vscode.Uri.joinPath(media, 'mira.svg');
    panel.webview.html = chatHtml(panel.webview, media);
    panel.webview.onDidReceiveMessage((message) => this.onMessage(message));
    panel.onDidDispose(() => {
      this.panel = undefined;
    });
    this.panel = panel;
    for (const turn of this.transcript.turns) {
      this.render(turn);
    }
    this.post({ type: 'busy', busy: this.busy });
    return panel;
  }

  async ask(message: string, options: AskOptions = {}): Promise<Turn> {
    this.show();
    if (this.cancel) {
      this.stop();
    }
    const turn = this.transcript.start(message);
    this.render(turn);
    const client = this.getClient();
    if (!client) {
      this.transcript.fail(turn, 'The Mira server is not running (see "Mira: Open Mira Log").');
      this.end(turn);
      return turn;
    }
    const token = `mira-chat-${crypto.randomUUID()}`;
    const cancel = new vscode.CancellationTokenSource();
    this.cancel = cancel;
    this.post({ type: 'busy', busy: true });
    const progress = client.onProgress(new ProgressType<ChatPartial>(), token, (partial) => {
      this.transcript.apply(turn, partial);
      this.render(turn);
    });
    const params: ChatParams = { message, partialResultToken: token, ...options };
    if (this.sessionId) {
      params.sessionId = this.sessionId;
    }
    try {
      const result = await client.sendRequest<ChatResult>(Methods.chat, params, cancel.token);
      if (cancel.token.isCancellationRequested) {
        this.transcript.cancel(turn);
      } else if (result) {
        this.transcript.finish(turn, result);
        this.sessionId = result.sessionId || this.sessionId;
      } else {
        this.transcript.cancel(turn);
      }
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (cancel.token.isCancellationRequested || code === RequestCancelled
        || error instanceof vscode.CancellationError) {
        this.transcript.cancel(turn);
      } else {
        this.transcript.fail(turn, (error as Error).message ?? String(error));
      }
    } finally {
      progress.dispose();
      cancel.dispose();
      if (this.cancel === cancel) {
        this.cancel = undefined;
      }
    }
    this.end(turn);
    return turn;
  }

  /** Stop: cancels the running request ($/cancelRequest). */
  stop(): void {
    this.cancel?.cancel();
  }

  async applyArtifact(id: string): Promise<boolean> {
    const result = await vscode.commands.executeCommand<{ applied: boolean } | undefined>(
      ServerCommands.applyArtifact, id);
    const applied = Boolean(result?.applied);
    if (!applied) {
      void vscode.window.showWarningMessage('Mira: the artifact was not applied.');
    } else {
      this.transcript.markApplied(id);
      this.afterTurn(); // an applied artifact may become a good outcome once it is kept
    }
    this.post({ type: 'applied', id, applied });
    return applied;
  }

  /** Thumbs up/down: mira/feedback (a thumbs-up teaches Mira this approach). */
  async rate(operationId: string, rating: 'up' | 'down'): Promise<FeedbackResult | undefined> {
    const turn = this.transcript.byOperation(operationId);
    const client = this.getClient();
    if (!turn || !client) {
      return undefined;
    }
    try {
      const params: FeedbackParams = { operationId, rating };
      const result = await client.sendRequest<FeedbackResult>(Methods.feedback, params);
      turn.rating = rating;
      this.render(turn);
      this.afterTurn();
      return result;
    } catch (error) {
      void vscode.window.showWarningMessage(`Mira: feedback not recorded: ${(error as Error).message}`);
      return undefined;
    }
  }

  async viewDiff(id: string): Promise<void> {
    const artifact = this.transcript.artifact(id);
    if (!artifact) {
      return;
    }
    if (artifact.kind === 'diff') {
      const doc = await vscode.workspace.openTextDocument({ content: artifact.content, language: 'diff' });
      await vscode.window.showTextDocument(doc, { preview: true });
      return;
    }
    const proposed = this.artifacts.set(artifact);
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.parse(artifact.uri), proposed,
      `${artifact.path} ↔ Mira's proposal`);
  }

  dispose(): void {
    this.stop();
    this.panel?.dispose();
    this.finished.dispose();
    this.updated.dispose();
  }

  private end(turn: Turn): void {
    this.render(turn);
    this.post({ type: 'busy', busy: false });
    this.finished.fire(turn);
    this.afterTurn();
  }

  private render(turn: Turn): void {
    this.post({ type: 'turn', id: turn.id, html: renderTurn(turn) });
    this.updated.fire(turn);
  }

  private post(message: unknown): void {
    void this.panel?.webview.postMessage(message);
  }

  private onMessage(message: { type: string; text?: string; id?: string }): void {
    switch (message.type) {
      case 'ask':
        if (message.text?.trim()) {
          void this.ask(message.text.trim(), activeEditorContext());
        }
        break;
      case 'stop':
        this.stop();
        break;
      case 'apply':
        if (message.id) {
          void this.applyArtifact(message.id);
        }
        break;
      case 'diff':
        if (message.id) {
          void this.viewDiff(message.id);
        }
        break;
      case 'rate-up':
      case 'rate-down':
        if (message.id) {
          void this.rate(message.id, message.type === 'rate-up' ? 'up' : 'down');
        }
        break;
    }
  }
}

/** The active editor's document and selection, as chat params. */
export function activeEditorContext(): AskOptions {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor || editor.document.uri.scheme !== 'file') {
    return {};
  }
  const s = editor.selection;
  return {
    textDocument: { uri: editor.document.uri.toString() },
    range: { start: { line: s.start.line, character: s.start.character }, end: { line: s.end.line, character: s.end.character } },
  };
}

export function chatHtml(webview: vscode.Webview, media: vscode.Uri): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Mira Chat</title>
</head>
<body>
<main id="transcript" aria-live="polite"><p class="empty">Ask about this codebase: its history, who knows it, why it breaks.</p></main>
<form id="ask">
  <textarea id="message" rows="3" placeholder="Ask Mira… (Enter to send, Shift+Enter for a new line)"></textarea>
  <div class="buttons"><button id="send" type="submit">Send</button><button id="stop" type="button" class="secondary" disabled>Stop</button></div>
</form>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
