import { type DataSource } from 'typeorm';

const VERSION_SQL = 'SELECT version::text AS version FROM change_version WHERE id = 1';

/**
 * The database's change version: a counter that triggers bump on every write to a results table, by any writer
 * (this API, the CLI importers, compute workers). It becomes visible in the same commit as the data it describes.
 *
 * Reads are shared: a caller joins the next read that starts after it called (never one already on the wire, which
 * could predate a write the caller has seen committed), so a burst of identical requests costs one round trip per
 * round trip time rather than one each, with the same freshness as a read of its own. The query goes straight to the
 * driver's pool (no TypeORM query runner).
 */
export function readChangeVersion(dataSource: DataSource): Promise<string> {
  let reader = versionReaders.get(dataSource);
  if (!reader) versionReaders.set(dataSource, (reader = sharedReader(() => queryVersion(dataSource))));
  return reader();
}

const versionReaders = new WeakMap<DataSource, () => Promise<string>>();

async function queryVersion(dataSource: DataSource): Promise<string> {
  const pool = (dataSource.driver as unknown as { master?: { query?: (sql: string) => Promise<{ rows: { version: string }[] }> } }).master;
  const rows = typeof pool?.query === 'function' ? (await pool.query(VERSION_SQL)).rows : ((await dataSource.query(VERSION_SQL)) as { version: string }[]);
  return rows[0]?.version ?? '0';
}

/** Wraps `read` so that concurrent callers share reads, each waiting for a read started after its call. */
export function sharedReader<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | null = null;
  let next: Promise<T> | null = null;
  const start = (): Promise<T> => {
    const started = read().finally(() => {
      if (current === started) current = null;
    });
    current = started;
    return started;
  };
  return () => {
    if (!current) return start();
    // A read is on the wire already and may predate this call: wait for it, then share the one that follows.
    next ??= current
      .catch(() => undefined)
      .then(() => {
        next = null;
        return start();
      });
    return next;
  };
}

/**
 * Answers of identical queries, keyed by the query and the change version at which they were computed, so any
 * write makes every older entry unreachable (and soon evicted). Least recently used entries go first.
 *
 * Read the version before computing an answer: the answer then reflects at least that version, so it is never
 * older than its key says.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { version: string; value: T }>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 256) {}

  get(key: string, version: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) {
      this.misses++;
      return undefined;
    }
    // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  set(key: string, version: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { version, value });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
