import { type DataSource } from 'typeorm';

/**
 * The database's change version: a counter that triggers bump on every write to a results table, by any writer
 * (this API, the CLI importers, compute workers). It becomes visible in the same commit as the data it describes.
 */
export async function readChangeVersion(dataSource: DataSource): Promise<string> {
  const [row]: { version: string }[] = await dataSource.query('SELECT version::text AS version FROM change_version WHERE id = 1');
  return row?.version ?? '0';
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
