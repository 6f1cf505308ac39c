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
    expect(config.sources).toEqual({ home: 'flag', dataRoot: 'env', zoo: 'file', paperData: 'default', databaseUrl: 'default', plugins: 'default' });
  });

  it('defaults the home to .transferscope in the working directory and reads YAML', () => {
    const cwd = folderWith({ 'transferscope.config.yaml': 'zoo: ../models\nplugins:\n  - ./my-metric.js\n' });
    const config = loadConfig({ cwd, env: {}, flags: {} });
    expect(config.home).toBe(join(cwd, '.transferscope'));
    expect(config.zoo).toBe(join(cwd, '../models'));
    expect(config.plugins).toEqual([join(cwd, 'my-metric.js')]);
  });

  it('takes the plugin list from one place: --plugin over TRANSFERSCOPE_PLUGINS over the file over none', () => {
    const cwd = folderWith({ 'transferscope.config.json': JSON.stringify({ plugins: ['./file-metric.mjs', '@acme/file-metric'] }) });
    const env = { TRANSFERSCOPE_PLUGINS: ' ./env-metric.mjs, @acme/env-metric ,' };
    const fromFlag = loadConfig({ cwd, env, flags: { plugins: ['./flag-metric.mjs', '/abs/flag.mjs'] } });
    expect(fromFlag.plugins).toEqual([join(cwd, 'flag-metric.mjs'), '/abs/flag.mjs']);
    expect(fromFlag.sources.plugins).toBe('flag');
    const fromEnv = loadConfig({ cwd, env, flags: { plugins: [] } });
    expect(fromEnv.plugins).toEqual([join(cwd, 'env-metric.mjs'), '@acme/env-metric']);
    expect(fromEnv.sources.plugins).toBe('env');
    const fromFile = loadConfig({ cwd, env: { TRANSFERSCOPE_PLUGINS: '' }, flags: {} });
    expect(fromFile.plugins).toEqual([join(cwd, 'file-metric.mjs'), '@acme/file-metric']);
    expect(fromFile.sources.plugins).toBe('file');
    const none = loadConfig({ cwd: folderWith({}), env: {}, flags: {} });
    expect([none.plugins, none.sources.plugins]).toEqual([[], 'default']);
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
