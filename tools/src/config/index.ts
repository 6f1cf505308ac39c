export { loadConfig, ConfigError, CONFIG_FILE_NAMES } from './load-config';
export type { ConfigSources } from './load-config';
export { SETTINGS } from './config.schema';
export type { TransferscopeConfig, SettingName } from './config.schema';
