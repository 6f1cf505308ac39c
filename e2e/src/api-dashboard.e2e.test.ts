import { createScratchDatabase, type ScratchDatabase } from '@transferscope/db';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServer } from './cli-process';
import { referenceTauB } from './reference-tau';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const PERFORMANCES = join(SHARED, 'paper/results/task_performances.csv');
const SCORES = join(SHARED, 'paper/results/transf_metrics_values.csv');
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Screenshots land here (git-ignored) for a person to look at. */
const OUTPUT = resolve(__dirname, '../test-output');

/** Fig. 3's tau-b per "dataset|metric", from the CSVs alone. */
function expectedTau(): Map<string, number> {
  const rows = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const accuracy = new Map(rows(PERFORMANCES).map(([task, model, , test]) => [`${task}|${model}`, Number(test)]));
  const groups = new Map<string, { x: number[]; y: number[] }>();
  for (const [task, model, metric, value] of rows(SCORES)) {
    const key = `${task}|${metric!.replace(/_score$/, '')}`;
    const group = groups.get(key) ?? { x: [], y: [] };
    group.x.push(Number(value));
    group.y.push(accuracy.get(`${task}|${model}`)!);
    groups.set(key, group);
  }
  return new Map([...groups].map(([key, g]) => [key, referenceTauB(g.x, g.y)]));
}

describe('the dashboard in headless Chromium', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ts-e2e-dash-'));
  let scratch: ScratchDatabase;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    const env = { DATABASE_URL: scratch.url };
    const imported = await runCli(['import', 'study-results', '--study', 'paper', '--performances', PERFORMANCES, '--scores', SCORES], { cwd, env });
    expect(imported.code).toBe(0);
    server = await startServer({ cwd, env, args: ['--anonymous-read'] });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await scratch?.drop();
  });

  it('draws the 21 Fig. 3 panels with their tau labels, loads nothing from outside, and switches to the heat-map', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const base = server.url.replace(/\/graphql$/, '');
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base)) outside.push(request.url());
    });
    await page.goto(`${base}/dashboard`);
    await page.waitForFunction(() => document.querySelectorAll('.panel[data-metric] canvas').length === 21, undefined, { timeout: 30_000 });

    const labels = await page.$$eval('.panel[data-metric]', (panels) => panels.map((p) => ({ dataset: (p as HTMLElement).dataset['dataset']!, metric: (p as HTMLElement).dataset['metric']!, label: p.querySelector('.tau-label')!.textContent! })));
    const expected = expectedTau();
    expect(labels).toHaveLength(21);
    for (const { dataset, metric, label } of labels) {
      const tau = expected.get(`${dataset}|${metric}`);
      expect(tau, `${dataset}/${metric}`).toBeDefined();
      // τ = value [ciLow, ciHigh] (1,000 bootstrap resamples by default).
      expect(label).toMatch(new RegExp(`^τ = ${tau!.toFixed(3).replace('.', '\\.')} \\[-?\\d\\.\\d{3}, -?\\d\\.\\d{3}\\]$`));
    }
    expect(await page.$$eval('#legend span', (items) => items.length)).toBe(10);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-grid.png'), fullPage: true });

    await page.click('[data-view="heatmap"]');
    await page.waitForSelector('#heatmap[data-cells="21"] canvas', { state: 'visible', timeout: 30_000 });
    expect(await page.isHidden('#grid')).toBe(true);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-heatmap.png'), fullPage: true });

    await page.selectOption('#role', 'OOD');
    // The paper's datasets are all in-distribution: the OOD toggle leaves nothing to draw.
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('0 correlations'));
    expect(outside).toEqual([]);
  });
});
