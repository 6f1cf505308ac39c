import { z } from 'zod';

/**
 * Every setting, with its environment variable. Precedence: command-line flag > environment variable >
 * `transferscope.config.{json,yaml,yml}` > default. Paths in a config file resolve against the file's folder;
 * paths from flags and the environment resolve against the working directory.
 */
export const SETTINGS = {
  databaseUrl: { env: 'DATABASE_URL', flag: '--database-url', path: false, help: 'Postgres URL of a shared results database (default: the embedded database)' },
  home: { env: 'TRANSFERSCOPE_HOME', flag: '--home', path: true, help: 'folder for the embedded database and caches (default: .transferscope)' },
  dataRoot: { env: 'TRANSFERSCOPE_DATA_ROOT', flag: '--data-root', path: true, help: 'folder that dataset image paths resolve against' },
  zoo: { env: 'TRANSFERSCOPE_ZOO', flag: '--zoo', path: true, help: 'model zoo folder (holding zoo.json)' },
  paperData: { env: 'TRANSFERSCOPE_PAPER_DATA', flag: '--paper-data', path: true, help: "folder of the study's split CSVs (per dataset)" },
} as const;

export type SettingName = keyof typeof SETTINGS;

/**
 * Metric plugins are a list, so they are not in SETTINGS: `--plugin M` (repeatable), this variable (comma-separated
 * package names or paths), or `plugins: [...]` in the config file, with the same precedence as every setting.
 */
export const PLUGINS_ENV = 'TRANSFERSCOPE_PLUGINS';

export type SettingSource = 'flag' | 'env' | 'file' | 'default';

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), { message: 'must be a postgres:// or postgresql:// URL' });

/** The shape of a config file; every key optional. */
export const configFileSchema = z
  .object({
    databaseUrl: postgresUrl.optional(),
    home: z.string().min(1).optional(),
    dataRoot: z.string().min(1).optional(),
    zoo: z.string().min(1).optional(),
    paperData: z.string().min(1).optional(),
    plugins: z.array(z.string().min(1)).optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

/** Resolved configuration: paths absolute, the database target decided. */
export interface TransferscopeConfig {
  databaseUrl: string | null;
  home: string;
  dataRoot: string | null;
  zoo: string | null;
  paperData: string | null;
  /** Metric plugin modules, loaded by every command that builds a metric registry: package names, or absolute paths. */
  plugins: string[];
  /** The config file that was read, if any. */
  configFile: string | null;
  /** Where each setting came from, for `transferscope config` and error messages. */
  sources: Record<SettingName | 'plugins', SettingSource>;
}
