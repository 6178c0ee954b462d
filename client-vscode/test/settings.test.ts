import { describe, expect, it } from 'vitest';
import * as packageJson from '../package.json';
import { findExecutable, initializationOptions, serverLaunch, serverSettingKeys } from '../src/settings';

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
});
