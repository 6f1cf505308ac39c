import { readdir } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { DatasetError } from '../errors';
import { type ClassDef, type Manifest, type ManifestItem } from '../types';
import { manifestHash } from './hash';
import { checkClasses } from './labels';
import { resolveInRoot } from './paths';

/** Image file endings a folder-per-class dataset may use (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp'];

export interface FolderManifestOptions {
  /** Class folder name -> class id. Folders not named here are refused, unless `ignoreFolders` lists them. */
  classFolders?: Readonly<Record<string, number>>;
  /**
   * When no `classFolders` is given: `true` assigns ids 0..C-1 to the folders in code-point order
   * and returns that mapping (with `inferred: true`) so the caller can record it. Without it,
   * a missing mapping is an error: ids are never inferred behind the caller's back.
   */
  inferMapping?: boolean;
  /** Class names by id; defaults to the folder names. */
  classes?: readonly ClassDef[];
  /** Root the relative paths (and so the hash) refer to; defaults to `dir`. */
  dataRoot?: string;
  /** Sub-folders of `dir` that are not classes (e.g. `splits`). */
  ignoreFolders?: readonly string[];
}

export interface FolderManifestResult {
  manifest: Manifest;
  /** The folder -> id mapping used. */
  classFolders: Record<string, number>;
  /** True when the mapping was inferred from folder order (only with `inferMapping: true`). */
  inferred: boolean;
}

/**
 * Load a folder-per-class split: `dir/<class>/*.{jpg,jpeg,png,bmp,tif,tiff,webp}` (files directly
 * inside each class folder; other files are ignored). Items are sorted by path.
 *
 * @throws DatasetError `MISSING_FILE` (no folder), `BAD_DEFINITION` (no mapping, a folder not in
 *   the mapping, a mapped folder that is absent), `EMPTY_SPLIT`.
 */
export async function loadFolderManifest(dir: string, options: FolderManifestOptions = {}): Promise<FolderManifestResult> {
  const root = resolve(dir);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (cause) {
    throw new DatasetError('MISSING_FILE', 'cannot read the dataset folder', { file: root }, { cause });
  }
  const ignore = new Set(options.ignoreFolders ?? []);
  const folders = entries
    .filter((e) => e.isDirectory() && !ignore.has(e.name) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (folders.length === 0) throw new DatasetError('EMPTY_SPLIT', 'no class folders', { file: root });

  let mapping: Record<string, number>;
  let inferred = false;
  if (options.classFolders) {
    mapping = { ...options.classFolders };
    for (const f of folders) {
      if (!(f in mapping)) {
        throw new DatasetError('BAD_DEFINITION', `folder "${f}" is not in the class mapping (${Object.keys(mapping).join(', ')})`, {
          file: join(root, f),
        });
      }
    }
    for (const f of Object.keys(mapping)) {
      if (!folders.includes(f)) throw new DatasetError('BAD_DEFINITION', `mapped class folder "${f}" does not exist`, { file: join(root, f) });
    }
  } else if (options.inferMapping) {
    mapping = Object.fromEntries(folders.map((f, i) => [f, i]));
    inferred = true;
  } else {
    throw new DatasetError(
      'BAD_DEFINITION',
      `no class mapping given for the folders ${folders.join(', ')}: pass classFolders, or inferMapping: true to get one back`,
      { file: root },
    );
  }

  const byId = new Map<number, string>();
  for (const [f, id] of Object.entries(mapping)) {
    if (byId.has(id)) throw new DatasetError('BAD_DEFINITION', `folders "${byId.get(id)}" and "${f}" map to the same id ${id}`, { file: root });
    byId.set(id, f);
  }
  const classes = checkClasses(options.classes ?? [...byId].map(([id, name]) => ({ id, name })), { file: root });
  for (const [id, f] of byId) {
    if (!classes.some((c) => c.id === id)) {
      throw new DatasetError('UNKNOWN_LABEL', `folder "${f}" maps to id ${id}, which is not a class id`, { file: join(root, f) });
    }
  }
  const dataRoot = resolve(options.dataRoot ?? root);
  const items: ManifestItem[] = [];
  for (const folder of folders) {
    const files = (await readdir(join(root, folder), { withFileTypes: true }))
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    for (const name of files) {
      const { path, relPath } = resolveInRoot(dataRoot, relative(dataRoot, join(root, folder, name)), { file: root });
      items.push({ path, relPath, label: mapping[folder], meta: { class: folder } });
    }
  }
  if (items.length === 0) throw new DatasetError('EMPTY_SPLIT', 'no image files in the class folders', { file: root });
  return {
    manifest: {
      items,
      classes,
      classNames: classes.map((c) => c.name),
      hash: manifestHash(items, classes),
      source: { kind: 'folder', dir: root, dataRoot },
    },
    classFolders: mapping,
    inferred,
  };
}
