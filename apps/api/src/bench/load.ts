import { Worker } from 'node:worker_threads';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Latencies in milliseconds, ascending. */
  latencies: number[];
}

/**
 * The load loop, run in a worker thread so the client does not share the server's event loop: `concurrency`
 * clients each POST the next body as soon as their previous answer arrives, until `requests` were sent or
 * `seconds` passed.
 */
const LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, concurrency, requests, seconds } = workerData;
const latencies = [];
let sent = 0, errors = 0;
const started = performance.now();
async function client() {
  while (sent < requests && performance.now() - started < seconds * 1000) {
    const body = bodies[sent++ % bodies.length];
    const t0 = performance.now();
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = await response.json();
      if (!response.ok || answer.errors) errors++;
    } catch { errors++; }
    latencies.push(performance.now() - t0);
  }
}
Promise.all(Array.from({ length: concurrency }, client)).then(() => {
  parentPort.postMessage({ requests: latencies.length, errors, seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) });
});
`;

export function runLoad(options: { url: string; bodies: string[]; concurrency: number; requests: number; seconds: number }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOOP, { eval: true, workerData: options });
    worker.once('message', (result: LoadResult) => {
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', reject);
  });
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
