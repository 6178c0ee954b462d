// Starting `mira serve` with vscode-languageclient.
import * as vscode from 'vscode';
import {
  LanguageClient, LanguageClientOptions, ServerOptions, TransportKind, State,
} from 'vscode-languageclient/node';
import * as packageJson from '../package.json';
import { findExecutable, initializationOptions, serverLaunch, serverSettingKeys } from './settings';

export const SERVER_KEYS = serverSettingKeys(packageJson as never);

export class ServerNotFound extends Error {}

export function createClient(output: vscode.LogOutputChannel): LanguageClient {
  const config = vscode.workspace.getConfiguration('mira');
  const launch = serverLaunch(config);
  const env = { ...process.env, ...launch.env };
  const resolved = findExecutable(launch.command, env);
  if (!resolved) {
    throw new ServerNotFound(launch.command);
  }
  const serverOptions: ServerOptions = {
    run: { command: resolved, args: launch.args, transport: TransportKind.stdio, options: { env } },
    debug: { command: resolved, args: launch.args, transport: TransportKind.stdio, options: { env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    outputChannel: output,
    initializationOptions: initializationOptions(config, SERVER_KEYS),
    markdown: { isTrusted: false, supportHtml: false },
  };
  return new LanguageClient('mira', 'Mira', serverOptions, clientOptions);
}

/** Shown when the server command is missing: one button opens the setting. */
export async function reportServerNotFound(command: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(
    `Mira: the server command "${command}" was not found. Install Mira (\`pip install mira\`, or ` +
    '`./scripts/setup` in a checkout puts it in `.venv/bin/mira`) and set "mira.serverCommand" to its path.',
    'Configure');
  if (choice === 'Configure') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'mira.serverCommand');
  }
}

export function isRunning(client: LanguageClient | undefined): client is LanguageClient {
  return client !== undefined && client.state === State.Running;
}
