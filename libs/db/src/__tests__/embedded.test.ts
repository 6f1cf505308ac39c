import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importStudyResults, openDatabase } from '../index';
import { SHARED } from './test-database';

describe('embedded database', () => {
  it('initialises on first use, persists across restarts, and lets a second process join it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ts-home-'));
    chmodSync(home, 0o700);
    await expect(openDatabase({ kind: 'embedded', home })).rejects.toThrow(/cannot enter .*ts-home-.* \(mode 700\)/);
    chmodSync(home, 0o755);
    const first = await openDatabase({ kind: 'embedded', home });
    const results = join(SHARED, 'paper/results');
    const summary = await importStudyResults(first.dataSource, 'paper', {
      performances: { path: join(results, 'task_performances.csv') },
      scores: { path: join(results, 'transf_metrics_values.csv') },
    });
    expect(summary.scores.inserted).toBeGreaterThan(0);

    // While the first holder runs the cluster, another opener connects to it instead of starting a second one.
    const joined = await openDatabase({ kind: 'embedded', home });
    const [{ n }] = await joined.dataSource.query('SELECT count(*)::int AS n FROM score');
    expect(n).toBe(summary.scores.inserted);
    await joined.close();
    await first.close();

    const reopened = await openDatabase({ kind: 'embedded', home });
    const [{ m }] = await reopened.dataSource.query('SELECT count(*)::int AS m FROM score');
    expect(m).toBe(summary.scores.inserted);
    await reopened.close();
  }, 60_000);
});
