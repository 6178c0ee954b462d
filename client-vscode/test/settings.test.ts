import { describe, expect, it } from 'vitest';
import * as packageJson from '../package.json';
import {
  chooseLaunch, commandIsExplicit, findExecutable, initializationOptions, serverLaunch, serverSettingKeys,
} from '../src/settings';

function config(values: Record<string, unknown>, scope: 'globalValue' | 'workspaceValue' = 'globalValue') {
  return {
    inspect: (key: string) => (key in values ? { [scope]: values[key] } : {}),
    get: <T>(key: string) => values[key] as T,
  };
}

describe('settings', () => {
  it('sends only server settings, and only those the user set', () => {
    const keys = serverSettingKeys(packageJson as never);
    expect(keys).toContain('hintThreshold');
    expect(keys).not.toContain('serverCommand');
    const options = initializationOptions(config({ hintThreshold: 0.7, serverCommand: '/x/mira' }, 'workspaceValue'), keys);
    expect(options).toEqual({ hintThreshold: 0.7 });
  });

  it('launches `mira serve` by default', () => {
    expect(serverLaunch(config({}))).toEqual({ command: 'mira', args: ['serve'], env: {} });
  });

  it('finds the server command on PATH or reports it missing', () => {
    const exists = (p: string) => p === '/opt/bin/mira';
    expect(findExecutable('mira', { PATH: '/usr/bin:/opt/bin' }, exists)).toBe('/opt/bin/mira');
    expect(findExecutable('mira', { PATH: '/usr/bin' }, exists)).toBeUndefined();
    expect(findExecutable('/opt/bin/mira', {}, exists)).toBe('/opt/bin/mira');
    expect(findExecutable('~/bin/mira', { HOME: '/opt' }, (p) => p === '/opt/bin/mira')).toBe('/opt/bin/mira');
  });

  it('prefers the setting, then the selected Python interpreter with Mira, then PATH', async () => {
    const launch = serverLaunch(config({}));
    const onPath = (command: string) => (command === 'mira' ? '/usr/local/bin/mira' : undefined);
    const withMira = async (python: string) => python === '/proj/.venv/bin/python';
    expect(await chooseLaunch(launch, false, '/proj/.venv/bin/python', withMira, onPath)).toEqual({
      command: '/proj/.venv/bin/python', args: ['-m', 'mira', 'serve'], env: {}, source: 'interpreter',
    });
    // an interpreter without Mira falls back to PATH
    expect(await chooseLaunch(launch, false, '/usr/bin/python3', withMira, onPath))
      .toMatchObject({ command: '/usr/local/bin/mira', args: ['serve'], source: 'path' });
    // an explicit setting wins over the interpreter
    const explicit = serverLaunch(config({ serverCommand: '/opt/mira' }));
    const checked: string[] = [];
    const spy = async (python: string) => { checked.push(python); return true; };
    expect(await chooseLaunch(explicit, true, '/proj/.venv/bin/python', spy, (c) => c))
      .toMatchObject({ command: '/opt/mira', source: 'setting' });
    expect(checked).toEqual([]);
    expect(await chooseLaunch(launch, false, undefined, withMira, () => undefined)).toBeUndefined();
  });

  it('tells a chosen server command from the default', () => {
    expect(commandIsExplicit(config({}))).toBe(false);
    expect(commandIsExplicit(config({ serverCommand: '/opt/mira' }, 'workspaceValue'))).toBe(true);
    expect(commandIsExplicit(config({ serverCommand: '  ' }))).toBe(false);
  });
});
