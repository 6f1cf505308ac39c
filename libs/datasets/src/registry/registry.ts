import { access, stat } from 'node:fs/promises';
import { DatasetError } from '../errors';
import { type DatasetDefinition, definitionDataRoot, loadSplit } from '../manifest/definition';
import { builtinDefinitions, type RegistryOptions, unconfiguredBuiltins } from './builtin';

/** One dataset as listed: what it is and whether its images are here. */
export interface DatasetListing {
  id: string;
  name: string;
  role: 'in-distribution' | 'out-of-distribution' | undefined;
  ood: string | undefined;
  classes: string[];
  /** Items per split; `null` where the split file could not be read. */
  splits: Record<string, number | null>;
  dataRoot: string;
  available: boolean;
  /** Why it is unavailable (first problem found). */
  reason?: string;
}

/** How many items per split are checked for existence: a cheap probe, not an audit. */
const PROBE_FILES = 3;

/**
 * A registry of dataset definitions: the built-ins, plus any the caller adds (e.g. from
 * definition files). Looking up never touches the images; `list()` probes a few files per split.
 */
export class DatasetRegistry {
  private readonly defs = new Map<string, DatasetDefinition>();
  /** Known datasets that the configuration cannot locate, with the reason. */
  private readonly unconfigured = new Map<string, string>();

  constructor(definitions: readonly DatasetDefinition[] = []) {
    for (const d of definitions) this.add(d);
  }

  /**
   * A registry holding the built-in definitions for these folders. Built-ins whose folder is not
   * configured are still listed (unavailable, with the setting that is missing).
   */
  static builtin(options: RegistryOptions): DatasetRegistry {
    const registry = new DatasetRegistry(builtinDefinitions(options));
    for (const { id, reason } of unconfiguredBuiltins(options)) registry.unconfigured.set(id, reason);
    return registry;
  }

  /** Add a definition; an id already present is refused. */
  add(def: DatasetDefinition): void {
    if (this.defs.has(def.id)) throw new DatasetError('BAD_DEFINITION', `dataset id "${def.id}" is defined twice`, { field: 'id' });
    this.defs.set(def.id, def);
  }

  has(id: string): boolean {
    return this.defs.has(id);
  }

  /** @throws DatasetError `UNKNOWN_DATASET`. */
  get(id: string): DatasetDefinition {
    const def = this.defs.get(id);
    if (def === undefined) {
      const why = this.unconfigured.get(id);
      if (why !== undefined) throw new DatasetError('UNKNOWN_DATASET', `dataset "${id}" is ${why}`);
      throw new DatasetError('UNKNOWN_DATASET', `no dataset "${id}" (known: ${[...this.defs.keys()].join(', ')})`);
    }
    return def;
  }

  ids(): string[] {
    return [...this.defs.keys()];
  }

  /** The (in-distribution, out-of-distribution) pairs whose partner is registered too. */
  pairs(): { id: string; ood: string }[] {
    return [...this.defs.values()].filter((d) => d.ood !== undefined && this.defs.has(d.ood)).map((d) => ({ id: d.id, ood: d.ood as string }));
  }

  /**
   * List every dataset with its availability: a dataset whose split files or images are missing
   * is listed as unavailable with the reason, never an error.
   */
  async list(): Promise<DatasetListing[]> {
    const out: DatasetListing[] = [];
    for (const def of this.defs.values()) out.push(await probe(def));
    for (const [id, reason] of this.unconfigured) {
      out.push({ id, name: id, role: undefined, ood: undefined, classes: [], splits: {}, dataRoot: '', available: false, reason });
    }
    return out;
  }
}

async function probe(def: DatasetDefinition): Promise<DatasetListing> {
  const dataRoot = definitionDataRoot(def);
  const listing: DatasetListing = {
    id: def.id,
    name: def.name ?? def.id,
    role: def.role,
    ood: def.ood,
    classes: def.classes.map((c) => c.name),
    splits: {},
    dataRoot,
    available: true,
  };
  const fail = (reason: string): void => {
    if (listing.available) {
      listing.available = false;
      listing.reason = reason;
    }
  };
  const rootOk = await stat(dataRoot).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!rootOk) fail(`data root ${dataRoot} is not a folder`);
  for (const split of Object.keys(def.splits)) {
    try {
      const m = await loadSplit(def, split);
      listing.splits[split] = m.items.length;
      if (!rootOk) continue;
      for (const item of m.items.slice(0, PROBE_FILES)) {
        const ok = await access(item.path).then(
          () => true,
          () => false,
        );
        if (!ok) {
          fail(`split ${split}: image ${item.relPath} (row ${item.row ?? '?'}) is missing under ${dataRoot}`);
          break;
        }
      }
    } catch (e) {
      listing.splits[split] = null;
      fail(`split ${split}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return listing;
}
