// The Python extension's selected interpreter, as Microsoft's python-tools extension template
// finds it: a workspace whose interpreter has Mira installed runs `python -m mira serve` with
// that interpreter, so picking the project's virtual environment is all the setup needed.
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';

interface EnvironmentPath { id: string; path: string }
interface EnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment(environment: EnvironmentPath | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}
interface PythonExtensionApi {
  ready?: Promise<void>;
  environments?: EnvironmentsApi;
  settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand?: string[] } };
}

const PYTHON_EXTENSION = 'ms-python.python';

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    await api?.ready;
    return api;
  } catch {
    return undefined;
  }
}

/** The interpreter the user selected for `resource` in the Python extension, if installed. */
export async function selectedInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const api = await pythonApi();
  if (api?.environments) {
    const environment = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(resource));
    const executable = environment?.executable.uri?.fsPath;
    if (executable) {
      return executable;
    }
  }
  return api?.settings?.getExecutionDetails(resource).execCommand?.[0];
}

/** Calls `listener` when the user selects another interpreter (nothing without the extension). */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const api = await pythonApi();
  return api?.environments?.onDidChangeActiveEnvironmentPath(() => listener());
}

/** Whether `python -m mira` runs with this interpreter (Mira installed in its environment). */
export function hasMira(python: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ['-m', 'mira', '--version'], { env, timeout: 15000 }, (error, stdout) => {
      resolve(!error && /^mira /.test(stdout));
    });
  });
}
