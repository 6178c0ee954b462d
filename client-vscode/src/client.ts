// Starting `mira serve` with vscode-languageclient.
import * as vscode from 'vscode';
import {
  LanguageClient, LanguageClientOptions, ServerOptions, TransportKind, State,
} from 'vscode-languageclient/node';
import * as packageJson from '../package.json';
import { hasMira, selectedInterpreter } from './python';
import {
  chooseLaunch, commandIsExplicit, findExecutable, initializationOptions, serverLaunch, serverSettingKeys,
} from './settings';

export const SERVER_KEYS = serverSettingKeys(packageJson as never);

export class ServerNotFound extends Error {}

export async function createClient(output: vscode.LogOutputChannel): Promise<LanguageClient> {
  const config = vscode.workspace.getConfiguration('mira');
  const launch = serverLaunch(config);
  const env = { ...process.env, ...launch.env };
  const explicit = commandIsExplicit(config);
  const interpreter = explicit ? undefined : await selectedInterpreter(vscode.workspace.workspaceFolders?.[0]?.uri);
  const chosen = await chooseLaunch(launch, explicit, interpreter, (python) => hasMira(python, env),
    (command) => findExecutable(command, env));
  if (!chosen) {
    throw new ServerNotFound(launch.command);
  }
  output.info(`Starting ${[chosen.command, ...chosen.args].join(' ')} (${chosen.source === 'interpreter'
    ? "the Python extension's selected interpreter" : chosen.source === 'setting' ? 'mira.serverCommand' : 'PATH'})`);
  const serverOptions: ServerOptions = {
    run: { command: chosen.command, args: chosen.args, transport: TransportKind.stdio, options: { env } },
    debug: { command: chosen.command, args: chosen.args, transport: TransportKind.stdio, options: { env } },
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
    '`./scripts/setup` in a checkout puts it in `.venv/bin/mira`) and select that environment with ' +
    '"Python: Select Interpreter", or set "mira.serverCommand" to its path.',
    'Configure');
  if (choice === 'Configure') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'mira.serverCommand');
  }
}

export function isRunning(client: LanguageClient | undefined): client is LanguageClient {
  return client !== undefined && client.state === State.Running;
}
