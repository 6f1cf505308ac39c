import { generate } from '@graphql-codegen/cli';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../../..');
const CONFIG = JSON.parse(readFileSync(resolve(__dirname, '../../codegen.json'), 'utf8')) as {
  schema: string;
  documents: string;
  generates: Record<string, { plugins: string[]; config: Record<string, unknown> }>;
};

describe('the generated client', () => {
  it('is what graphql-codegen makes from apps/api/schema.graphql and src/operations (run `npx nx run client:codegen` after changing either)', async () => {
    const [target, output] = Object.entries(CONFIG.generates)[0]!;
    // Absolute paths: the test runs in the project folder, the config from the workspace root.
    const [generated] = await generate({ schema: resolve(ROOT, CONFIG.schema), documents: resolve(ROOT, CONFIG.documents), generates: { [target]: output }, silent: true }, false);
    expect(generated!.content).toBe(readFileSync(resolve(ROOT, target), 'utf8'));
  });

  it('refuses an operation the schema does not have: generation checks every document against the schema', async () => {
    const [target, output] = Object.entries(CONFIG.generates)[0]!;
    const bad = 'query Bad { correlations { study tau } }';
    await expect(generate({ schema: resolve(ROOT, CONFIG.schema), documents: bad, generates: { [target]: output }, silent: true }, false)).rejects.toThrow(/tau/);
  });
});
