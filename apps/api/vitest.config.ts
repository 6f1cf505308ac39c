import { createRequire } from 'node:module';
import { mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared';

// graphql-query-complexity also ships ESM and CJS builds: load the CJS one, like graphql itself (one module realm).
export default mergeConfig(projectConfig(), {
  resolve: { alias: { 'graphql-query-complexity': createRequire(import.meta.url).resolve('graphql-query-complexity') } },
});
