import { createRegistry, loadPlugin, PluginError, type MetricRegistry } from '@transferscope/metrics';
import { PLUGINS_ENV, type TransferscopeConfig } from './config.schema';
import { ConfigError } from './load-config';

/**
 * The metric registry every command uses: the built-ins and the configured plugins (`--plugin`, TRANSFERSCOPE_PLUGINS
 * or the config file's `plugins`), loaded in order. A plugin that cannot be loaded, or clashes with a registered id,
 * is a ConfigError naming the plugin and where it was configured.
 */
export async function metricRegistry(config: Pick<TransferscopeConfig, 'plugins' | 'sources' | 'configFile'>): Promise<MetricRegistry> {
  const registry = createRegistry();
  const origin = { flag: '--plugin', env: PLUGINS_ENV, file: `${config.configFile}: plugins`, default: 'default' }[config.sources.plugins];
  for (const plugin of config.plugins) {
    try {
      await loadPlugin(plugin, registry);
    } catch (error) {
      if (error instanceof PluginError) throw new ConfigError(`${origin}: ${error.message}`);
      throw error;
    }
  }
  return registry;
}
