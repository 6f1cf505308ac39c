import { type LoadRequest } from './load-mix';

export interface KindStats {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  seconds: number;
  clients: number;
  requests: number;
  errors: number;
  /** Requests per second over the whole run. */
  throughput: number;
  byKind: Record<string, KindStats>;
  /** The first few distinct error messages, to say what went wrong. */
  sampleErrors: string[];
}

export interface LoadOptions {
  url: string;
  tokens: Record<LoadRequest['token'], string>;
  clients: number;
  seconds: number;
  /** Readers' requests, taken in turn by each reader client. */
  readers: LoadRequest[];
  /** One client sends these in turn (the writer), the others read. */
  writer: LoadRequest;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * `clients` concurrent clients, each sending its next request as soon as the previous answer arrived, for
 * `seconds`: client 0 is the writer, the others cycle through the readers' requests from different offsets. A
 * request counts as an error on a non-200 status, a body that is not JSON, or any GraphQL error.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const latencies = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const sampleErrors = new Set<string>();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  async function client(index: number): Promise<void> {
    for (let i = 0; performance.now() < deadline; i++) {
      const request = index === 0 ? options.writer : options.readers[(index + i) % options.readers.length]!;
      const t0 = performance.now();
      let failure: string | null = null;
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.tokens[request.token]}` },
          body: request.body(i),
        });
        const text = await response.text();
        if (response.status !== 200) failure = `HTTP ${response.status}: ${text.slice(0, 200)}`;
        else {
          const answer = JSON.parse(text) as { errors?: { message: string }[] };
          if (answer.errors) failure = answer.errors.map((e) => e.message).join('; ').slice(0, 200);
        }
      } catch (error) {
        failure = String(error).slice(0, 200);
      }
      const list = latencies.get(request.kind) ?? [];
      list.push(performance.now() - t0);
      latencies.set(request.kind, list);
      if (failure !== null) {
        errors.set(request.kind, (errors.get(request.kind) ?? 0) + 1);
        if (sampleErrors.size < 5) sampleErrors.add(`${request.kind}: ${failure}`);
      }
    }
  }

  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  const seconds = (performance.now() - started) / 1000;
  const byKind: Record<string, KindStats> = {};
  let requests = 0;
  let errorCount = 0;
  for (const [kind, list] of latencies) {
    list.sort((a, b) => a - b);
    const kindErrors = errors.get(kind) ?? 0;
    byKind[kind] = { requests: list.length, errors: kindErrors, p50: percentile(list, 50), p95: percentile(list, 95), p99: percentile(list, 99), max: list[list.length - 1]! };
    requests += list.length;
    errorCount += kindErrors;
  }
  return { seconds, clients: options.clients, requests, errors: errorCount, throughput: requests / seconds, byKind, sampleErrors: [...sampleErrors] };
}
