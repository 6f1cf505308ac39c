import { ApolloServer } from '@apollo/server';
import { createScratchDatabase, importStudyResults, openDatabase, type Database, type ScratchDatabase } from '@transferscope/db';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowseService } from '../modules/browse/browse.service';
import { type ApiContext } from '../server/context';
import { createLoaders } from '../server/loaders';
import { plainListPlugin } from '../server/plain-list-plugin';
import { buildApiSchema, createServices } from '../server/schema';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const RESULTS = join(process.env['TRANSFERSCOPE_SHARED']!, 'paper/results');

describe('plainListPlugin', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let plain: ApolloServer<ApiContext>;
  let normal: ApolloServer<ApiContext>;
  let resolved = 0;

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    await importStudyResults(db.dataSource, 'paper', {
      performances: { path: join(RESULTS, 'task_performances.csv') },
      scores: { path: join(RESULTS, 'transf_metrics_values.csv') },
    });
    // Baselines for some models, and a lower-is-better metric, so every kind of row and null appears.
    await db.dataSource.query(`UPDATE source_model SET imagenet_top1 = 0.7 + (ascii(id) % 20) / 100.0, parameter_count = 1000000 + length(id) * 7919 WHERE id < 'm'`);
    await db.dataSource.query(`UPDATE metric SET direction = 'lower' WHERE id = (SELECT min(id) FROM metric)`);
    // One schema (and services) per server, as startApiServer builds them; the answer cache is off so both compute.
    const server = async (plugins: ReturnType<typeof plainListPlugin>[]) => {
      const services = createServices(db.dataSource, { maxBootstrapWork: 2_000_000, cacheEntries: 0, maxUploadBytes: 1 << 20 });
      const original = services.correlations.correlations.bind(services.correlations);
      services.correlations.correlations = (...args) => {
        resolved++;
        return original(...args);
      };
      const apollo = new ApolloServer<ApiContext>({ schema: await buildApiSchema(services), plugins });
      await apollo.start();
      return apollo;
    };
    plain = await server([plainListPlugin(['correlations', 'correlationPairs'])]);
    normal = await server([]);
  });
  afterAll(async () => {
    await plain.stop();
    await normal.stop();
    await db.close();
    await scratch.drop();
  });

  const context = (): ApiContext => ({ caller: { role: 'reader', name: 'test' }, deadline: Date.now() + 60_000, loaders: createLoaders(new BrowseService(db.dataSource)), responseCache: { uncacheable: false } });
  const answer = async (apollo: ApolloServer<ApiContext>, query: string, variables?: Record<string, unknown>): Promise<string> => {
    const response = await apollo.executeOperation({ query, variables }, { contextValue: context() });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return JSON.stringify(response.body.singleResult);
  };

  const ALL_FIELDS = 'study dataset metric method performance protocol scoreSplit pool poolRelative baseline value pValue n groups ciLow ciHigh ciLevel seed rejectedResamples';
  const SAME_ANSWER: [string, string, Record<string, unknown>?][] = [
    ['every field', `{ correlations { ${ALL_FIELDS} } }`],
    ['aliases, __typename, variables', `query ($s: [String!], $m: CorrelationMethod!) { rows: correlations(filter: { studies: $s }, method: $m) { __typename v: value study pValue } }`, { s: ['paper'], m: 'SPEARMAN' }],
    ['bootstrap', `{ correlations(bootstrap: { resamples: 50, seed: 4, interval: HDI }) { dataset metric value ciLow ciHigh ciLevel seed rejectedResamples } }`],
    ['grouped by study', `{ correlations(method: GROUPED_WEIGHTED_TAU, groupBy: STUDY) { study dataset metric value n groups } }`],
    ['pairs', `{ correlationPairs(filter: { datasets: ["breakhis"] }) { study dataset metric model protocol score performance baseline } }`],
    ['empty answer', `{ correlations(filter: { studies: ["none"] }) { study } }`],
  ];
  it.each(SAME_ANSWER)('answers %s exactly as graphql-js execution, without it', async (_name, query, variables) => {
    const expected = await answer(normal, query, variables);
    expect(expected).not.toContain('"errors"');
    const before = resolved;
    expect(await answer(plain, query, variables)).toBe(expected);
    // Answered once: by the plugin, not by a fallback to execution.
    if (query.includes('correlations')) expect(resolved - before).toBe(1);
  });

  const LEFT_TO_EXECUTION: [string, string][] = [
    ['an unknown measure (the resolver throws)', `{ correlations(performance: "nope") { study } }`],
    ['a fragment', `{ correlations { ...F } } fragment F on Correlation { study value }`],
    ['a directive', `{ correlations { study value @include(if: true) } }`],
    ['two root fields', `{ correlations { study } performanceMeasures }`],
    ['a repeated response key', `{ correlations { study study } }`],
  ];
  it.each(LEFT_TO_EXECUTION)('leaves %s to execution, with the same answer', async (_name, query) => {
    expect(await answer(plain, query)).toBe(await answer(normal, query));
  });
});
