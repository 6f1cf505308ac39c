/** One image of a split: where it is, its class id and whatever extra columns the source carried. */
export interface ManifestItem {
  /** Absolute path of the image on this machine. */
  path: string;
  /** Path relative to the data root, POSIX separators: machine-independent, used for the manifest hash. */
  relPath: string;
  /** Class id (an integer of the dataset's class list). */
  label: number;
  /** Extra columns of the source row (CSV), or `{ class: <folder> }` for folder-per-class sources. */
  meta: Record<string, string>;
  /** 1-based line of the record in the source CSV (header = row 1); absent for folder sources. */
  row?: number;
}

/** Where a manifest came from. */
export type ManifestSource =
  | { kind: 'csv'; file: string; dataRoot: string }
  | { kind: 'folder'; dir: string; dataRoot: string };

/** One class: its integer id (the label value in the data) and its name. */
export interface ClassDef {
  id: number;
  name: string;
}

/** A loaded split. */
export interface Manifest {
  items: ManifestItem[];
  /** The dataset's classes, sorted by id. */
  classes: ClassDef[];
  /** Class names indexed by position in `classes` (convenience; ids are in `classes`). */
  classNames: string[];
  /** sha256 (hex) over the sorted (relPath, label) list and the class ids: identifies the split for provenance. */
  hash: string;
  source: ManifestSource;
}

/** What to do with an item that cannot be read or decoded. */
export type ErrorPolicy = 'fail' | 'skip';

/** One item that `skip` left out, and why. */
export interface SkippedItem {
  path: string;
  row?: number;
  code: string;
  reason: string;
}
