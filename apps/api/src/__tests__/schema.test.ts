import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printApiSchema } from '../schema-sdl';

describe('schema.graphql', () => {
  it('is what the resolvers produce (run `npx nx run api:schema:emit` after changing them)', async () => {
    const committed = readFileSync(resolve(__dirname, '../../schema.graphql'), 'utf8');
    expect(await printApiSchema()).toBe(committed);
  });

  it('keeps the foundation contract of `correlations`', async () => {
    const sdl = await printApiSchema();
    expect(sdl).toMatch(/correlations\(filter: CorrelationFilter, method: CorrelationMethod! = KENDALL_TAU_B, performance: String! = "test_balanced_accuracy"\): \[Correlation!\]!/);
    for (const field of ['study: String!', 'dataset: String!', 'metric: String!', 'method: CorrelationMethod!', 'value: Float', 'pValue: Float', 'n: Int!']) {
      expect(sdl).toContain(field);
    }
  });
});
