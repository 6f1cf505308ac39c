import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configFileSchema, PLUGINS_ENV, SETTINGS, type ConfigFile, type SettingName, type TransferscopeConfig } from './config.schema';

export const CONFIG_FILE_NAMES = ['transferscope.config.json', 'transferscope.config.yaml', 'transferscope.config.yml'];

/** A setting that failed validation, named so the user can find it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Values given on the command line (undefined = not given). */
  flags: Partial<Record<SettingName, string>> & { config?: string; plugins?: string[] };
}

/** Resolves the configuration: flag > environment > config file > default. */
export function loadConfig({ cwd, env, flags }: ConfigSources): TransferscopeConfig {
  const explicitFile = flags.config ?? env['TRANSFERSCOPE_CONFIG'];
  const configFile = explicitFile ? resolve(cwd, explicitFile) : CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path)) ?? null;
  const file = configFile ? readConfigFile(configFile) : {};
  const fileDir = configFile ? dirname(configFile) : cwd;

  const sources = {} as TransferscopeConfig['sources'];
  const pick = (name: SettingName): string | null => {
    const setting = SETTINGS[name];
    const fromFlag = flags[name];
    if (fromFlag !== undefined) {
      sources[name] = 'flag';
      return setting.path ? resolve(cwd, fromFlag) : fromFlag;
    }
    const fromEnv = env[setting.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      sources[name] = 'env';
      return setting.path ? resolve(cwd, fromEnv) : fromEnv;
    }
    const fromFile = file[name];
    if (fromFile !== undefined) {
      sources[name] = 'file';
      return setting.path ? resolve(fileDir, fromFile) : fromFile;
    }
    sources[name] = 'default';
    return null;
  };

  /**
   * One list from one place, like every other setting: `--plugin` (repeatable) > TRANSFERSCOPE_PLUGINS (comma-separated)
   * > the file's `plugins` > none. Package names stay as they are; paths resolve like other paths.
   */
  const pickPlugins = (): string[] => {
    const asPaths = (list: readonly string[], base: string): string[] => list.map((p) => (p.startsWith('.') || isAbsolute(p) ? resolve(base, p) : p));
    if (flags.plugins !== undefined && flags.plugins.length > 0) {
      sources.plugins = 'flag';
      return asPaths(flags.plugins, cwd);
    }
    const fromEnv = env[PLUGINS_ENV];
    if (fromEnv !== undefined && fromEnv.trim() !== '') {
      sources.plugins = 'env';
      return asPaths(
        fromEnv.split(',').map((p) => p.trim()).filter((p) => p !== ''),
        cwd,
      );
    }
    if (file.plugins !== undefined) {
      sources.plugins = 'file';
      return asPaths(file.plugins, fileDir);
    }
    sources.plugins = 'default';
    return [];
  };

  const databaseUrl = pick('databaseUrl');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const origin = sources.databaseUrl === 'flag' ? '--database-url' : sources.databaseUrl === 'env' ? 'DATABASE_URL' : `${configFile}: databaseUrl`;
    throw new ConfigError(`${origin} must be a postgres:// or postgresql:// URL`);
  }
  const home = pick('home') ?? resolve(cwd, '.transferscope');
  const plugins = pickPlugins();
  return {
    databaseUrl,
    home,
    dataRoot: pick('dataRoot'),
    zoo: pick('zoo'),
    paperData: pick('paperData'),
    plugins,
    configFile,
    sources,
  };
}

function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`);
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: cannot be parsed (${(error as Error).message})`);
  }
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(top level)';
      return issue.code === 'unrecognized_keys' ? `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : `${key}: ${issue.message}`;
    });
    throw new ConfigError(`${path}: ${problems.join('; ')}`);
  }
  return parsed.data;
}
