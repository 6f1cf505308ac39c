import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig, type UserConfig } from 'vitest/config';

const workspaceRoot = fileURLToPath(new URL('.', import.meta.url));

/** Every project imports the others by alias; tests run against their sources, not their builds. */
const aliases: Record<string, string> = {
  '@transferscope/stats': 'libs/stats/src/index.ts',
  '@transferscope/metrics': 'libs/metrics/src/index.ts',
  '@transferscope/datasets': 'libs/datasets/src/index.ts',
  '@transferscope/db': 'libs/db/src/index.ts',
  '@transferscope/api': 'apps/api/src/index.ts',
  '@transferscope/compute': 'apps/compute/src/index.ts',
  '@transferscope/tools': 'tools/src/index.ts',
  '@transferscope/client': 'clients/typescript/src/index.ts',
};

/**
 * Shared Vitest configuration. SWC compiles the TypeScript so that decorator metadata
 * (type-graphql, TypeORM) is emitted exactly as `tsc` emits it; esbuild, Vitest's default, cannot.
 */
export function projectConfig(overrides: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    plugins: [
      swc.vite({
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        },
      }),
    ],
    resolve: {
      alias: {
        ...Object.fromEntries(Object.entries(aliases).map(([name, path]) => [name, resolve(workspaceRoot, path)])),
        // graphql ships ESM and CJS builds; type-graphql loads the CJS one, so tests must too (one module realm).
        graphql: createRequire(import.meta.url).resolve('graphql'),
      },
    },
    test: {
      environment: 'node',
      include: ['src/**/*.test.ts'],
      testTimeout: 30_000,
      // Reference data (golden values, the zoo, the paper's CSVs) lives beside the checkout, never inside it.
      env: { TRANSFERSCOPE_SHARED: process.env['TRANSFERSCOPE_SHARED'] ?? resolve(workspaceRoot, '../shared') },
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
