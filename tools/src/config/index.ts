export { loadConfig, ConfigError, CONFIG_FILE_NAMES } from './load-config';
export type { ConfigSources } from './load-config';
export { metricRegistry } from './plugins';
export { PLUGINS_ENV, SETTINGS } from './config.schema';
export type { TransferscopeConfig, SettingName, SettingSource } from './config.schema';
