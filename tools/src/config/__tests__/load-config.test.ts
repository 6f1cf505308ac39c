import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../load-config';

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadConfig', () => {
  it('takes a flag over the environment over the file over the default', () => {
    const cwd = folderWith({ 'transferscope.config.json': JSON.stringify({ home: 'from-file', dataRoot: 'data-from-file', zoo: 'zoo-from-file' }) });
    const config = loadConfig({
      cwd,
      env: { TRANSFERSCOPE_HOME: '/env/home', TRANSFERSCOPE_DATA_ROOT: '/env/data' },
      flags: { home: 'flag-home' },
    });
    expect(config.home).toBe(join(cwd, 'flag-home'));
    expect(config.dataRoot).toBe('/env/data');
    expect(config.zoo).toBe(join(cwd, 'zoo-from-file'));
    expect(config.paperData).toBeNull();
    expect(config.databaseUrl).toBeNull();
    expect(config.sources).toEqual({ home: 'flag', dataRoot: 'env', zoo: 'file', paperData: 'default', databaseUrl: 'default' });
  });

  it('defaults the home to .transferscope in the working directory and reads YAML', () => {
    const cwd = folderWith({ 'transferscope.config.yaml': 'zoo: ../models\nplugins:\n  - ./my-metric.js\n' });
    const config = loadConfig({ cwd, env: {}, flags: {} });
    expect(config.home).toBe(join(cwd, '.transferscope'));
    expect(config.zoo).toBe(join(cwd, '../models'));
    expect(config.plugins).toEqual([join(cwd, 'my-metric.js')]);
  });

  it('resolves paths in an explicitly named config file against that file', () => {
    const dir = folderWith({ 'team.yml': 'dataRoot: images\n' });
    const config = loadConfig({ cwd: tmpdir(), env: { TRANSFERSCOPE_CONFIG: join(dir, 'team.yml') }, flags: {} });
    expect(config.dataRoot).toBe(join(dir, 'images'));
  });

  it('names the setting that is wrong', () => {
    const cwd = folderWith({ 'transferscope.config.json': JSON.stringify({ zoo: 3, dataroot: 'x' }) });
    expect(() => loadConfig({ cwd, env: {}, flags: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd, env: {}, flags: {} })).toThrow(/transferscope\.config\.json: .*zoo: .*expected string/);
    const typo = folderWith({ 'transferscope.config.json': JSON.stringify({ dataroot: 'x' }) });
    expect(() => loadConfig({ cwd: typo, env: {}, flags: {} })).toThrow(/unknown setting dataroot/);
  });

  it('rejects a database URL that is not Postgres, saying where it came from', () => {
    expect(() => loadConfig({ cwd: tmpdir(), env: { DATABASE_URL: 'mysql://x' }, flags: {} })).toThrow('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(() => loadConfig({ cwd: tmpdir(), env: {}, flags: { databaseUrl: 'sqlite:x' } })).toThrow('--database-url must be');
  });

  it('reports a config file that cannot be parsed or does not exist', () => {
    const cwd = folderWith({ 'transferscope.config.json': '{ "zoo": ' });
    expect(() => loadConfig({ cwd, env: {}, flags: {} })).toThrow(/transferscope\.config\.json: cannot be parsed/);
    expect(() => loadConfig({ cwd, env: {}, flags: { config: 'nope.yaml' } })).toThrow(/nope\.yaml does not exist/);
  });
});
