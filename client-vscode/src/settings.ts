// Settings: every `mira.*` setting contributed in package.json that is not client-only is a
// server setting (a key of MiraConfig). Only the values the user actually set are sent as
// initializationOptions, so the server's own defaults and MIRA_* environment variables still
// apply to everything else. tests/core/config/test_vscode_settings.py checks package.json's defaults
// against the server's.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Settings read by the extension itself, never sent to the server. */
export const CLIENT_ONLY = new Set(['serverCommand', 'serverArgs', 'serverEnv', 'trace.server']);

export interface ConfigurationLike {
  inspect<T>(section: string): {
    globalValue?: T; workspaceValue?: T; workspaceFolderValue?: T;
  } | undefined;
  get<T>(section: string, defaultValue?: T): T | undefined;
}

/** The server setting keys (camelCase, without `mira.`) from package.json's contributes. */
export function serverSettingKeys(packageJson: { contributes?: { configuration?: { properties?: Record<string, unknown> } } }): string[] {
  const properties = packageJson.contributes?.configuration?.properties ?? {};
  return Object.keys(properties)
    .filter((key) => key.startsWith('mira.'))
    .map((key) => key.slice('mira.'.length))
    .filter((key) => !CLIENT_ONLY.has(key));
}

/** initializationOptions: the explicitly set server settings, most specific scope first. */
export function initializationOptions(config: ConfigurationLike, keys: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const key of keys) {
    const inspected = config.inspect<unknown>(key);
    if (!inspected) {
      continue;
    }
    const value = inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue;
    if (value !== undefined) {
      options[key] = value;
    }
  }
  return options;
}

export interface ServerLaunch { command: string; args: string[]; env: Record<string, string> }

export function serverLaunch(config: ConfigurationLike): ServerLaunch {
  const command = (config.get<string>('serverCommand') || 'mira').trim();
  const args = config.get<string[]>('serverArgs') ?? ['serve'];
  const env = config.get<Record<string, string>>('serverEnv') ?? {};
  return { command, args: args.length ? args : ['serve'], env };
}

/** Whether the user chose the server command (any scope), rather than leaving the default. */
export function commandIsExplicit(config: ConfigurationLike): boolean {
  const inspected = config.inspect<string>('serverCommand');
  return [inspected?.workspaceFolderValue, inspected?.workspaceValue, inspected?.globalValue]
    .some((value) => value !== undefined && value.trim() !== '');
}

/**
 * How to start the server, in order: the `mira.serverCommand` the user set; the Python
 * extension's selected interpreter when Mira is installed in it (`python -m mira serve`);
 * `mira` on PATH. Undefined when none is available.
 */
export async function chooseLaunch(launch: ServerLaunch, explicit: boolean, interpreter: string | undefined,
  hasMira: (python: string) => Promise<boolean>, find: (command: string) => string | undefined,
): Promise<(ServerLaunch & { source: 'setting' | 'interpreter' | 'path' }) | undefined> {
  if (!explicit && interpreter && await hasMira(interpreter)) {
    return { command: interpreter, args: ['-m', 'mira', ...launch.args], env: launch.env, source: 'interpreter' };
  }
  const resolved = find(launch.command);
  return resolved ? { ...launch, command: resolved, source: explicit ? 'setting' : 'path' } : undefined;
}

/** Where `command` resolves on PATH (or as a path), or undefined when it does not exist. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env,
  exists: (p: string) => boolean = isExecutable): string | undefined {
  if (!command) {
    return undefined;
  }
  const expanded = command.startsWith('~/') && env.HOME ? path.join(env.HOME, command.slice(2)) : command;
  if (expanded.includes('/') || expanded.includes(path.sep)) {
    return exists(expanded) ? expanded : undefined;
  }
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of extensions) {
      const candidate = path.join(dir, expanded + ext);
      if (exists(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
