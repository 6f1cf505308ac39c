import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DatasetError } from '../errors';
import { type ClassDef, type Manifest } from '../types';
import { loadCsvManifest } from './csv-manifest';
import { loadFolderManifest } from './folder-manifest';
import { checkClasses } from './labels';

const classSchema = z.object({ id: z.number().int().nonnegative(), name: z.string().min(1) }).strict();

const csvSplitSchema = z
  .object({
    csv: z.string().min(1),
    imageColumn: z.string().min(1).optional(),
    labelColumn: z.string().min(1).optional(),
  })
  .strict();

const folderSplitSchema = z
  .object({
    folder: z.string().min(1),
    classFolders: z.record(z.string(), z.number().int().nonnegative()),
    ignoreFolders: z.array(z.string()).optional(),
  })
  .strict();

const definitionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, _ . - (starting with a letter or digit)'),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    role: z.enum(['in-distribution', 'out-of-distribution']).optional(),
    dataRoot: z.string().min(1).optional(),
    classes: z.array(classSchema).min(1),
    splits: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.union([csvSplitSchema, folderSplitSchema])),
    ood: z.string().min(1).optional(),
  })
  .strict();

/** A split of a definition file: a CSV manifest, or a folder per class with an explicit mapping. */
export type Split = z.infer<typeof csvSplitSchema> | z.infer<typeof folderSplitSchema>;

/**
 * A dataset definition as validated: its classes, its splits, where its images are and its
 * out-of-distribution partner. Relative paths (`dataRoot`, `csv`, `folder`) resolve against
 * `baseDir`, the folder of the definition file.
 */
export type DatasetDefinition = z.infer<typeof definitionSchema> & { baseDir: string };

/**
 * Validate a parsed definition object.
 *
 * @param file - the definition's file (for messages); its folder becomes `baseDir` unless given.
 * @throws DatasetError `BAD_DEFINITION` naming the file and every invalid field (`splits.train.csv: ...`).
 */
export function validateDefinition(value: unknown, file: string, baseDir: string = dirname(resolve(file))): DatasetDefinition {
  const parsed = definitionSchema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    const field = parsed.error.issues[0]?.path.join('.');
    throw new DatasetError('BAD_DEFINITION', `invalid dataset definition: ${detail}`, { file, field: field || undefined });
  }
  const def = parsed.data;
  checkClasses(def.classes, { file, field: 'classes' });
  if (Object.keys(def.splits).length === 0) {
    throw new DatasetError('BAD_DEFINITION', 'a definition needs at least one split', { file, field: 'splits' });
  }
  return { ...def, baseDir };
}

/**
 * Parse a JSON or YAML definition (chosen by the file ending; `.json` is JSON, anything else YAML,
 * which also reads JSON).
 */
export function parseDefinition(text: string, file: string): DatasetDefinition {
  let value: unknown;
  try {
    value = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new DatasetError('BAD_DEFINITION', `cannot parse: ${msg}`, { file }, { cause });
  }
  return validateDefinition(value, file);
}

/** Read and validate a definition file (`.json`, `.yaml`, `.yml`). */
export async function loadDefinitionFile(file: string): Promise<DatasetDefinition> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (cause) {
    throw new DatasetError('MISSING_FILE', 'cannot read the dataset definition', { file: abs }, { cause });
  }
  return parseDefinition(text, abs);
}

export interface LoadSplitOptions {
  /**
   * Data root that overrides the definition's own (e.g. the configured TRANSFERSCOPE_DATA_ROOT,
   * passed in by the caller). Default: the definition's `dataRoot`, else its `baseDir`.
   */
  dataRoot?: string;
}

/** The data root a definition's images resolve against. */
export function definitionDataRoot(def: DatasetDefinition, options: LoadSplitOptions = {}): string {
  if (options.dataRoot !== undefined) return resolve(options.dataRoot);
  return def.dataRoot === undefined ? def.baseDir : resolveFrom(def.baseDir, def.dataRoot);
}

/**
 * Load one split of a definition as a manifest with the definition's classes.
 *
 * @throws DatasetError `UNKNOWN_SPLIT`, and whatever the CSV or folder loader throws.
 */
export async function loadSplit(def: DatasetDefinition, splitName: string, options: LoadSplitOptions = {}): Promise<Manifest> {
  const split = def.splits[splitName];
  if (split === undefined) {
    throw new DatasetError('UNKNOWN_SPLIT', `dataset "${def.id}" has no split "${splitName}" (it has ${Object.keys(def.splits).join(', ')})`);
  }
  const dataRoot = definitionDataRoot(def, options);
  const classes: ClassDef[] = def.classes;
  if ('csv' in split) {
    return loadCsvManifest(resolveFrom(def.baseDir, split.csv), {
      dataRoot,
      classes,
      imageColumn: split.imageColumn,
      labelColumn: split.labelColumn,
    });
  }
  const result = await loadFolderManifest(resolveFrom(dataRoot, split.folder), {
    classFolders: split.classFolders,
    classes,
    dataRoot,
    ignoreFolders: split.ignoreFolders,
  });
  return result.manifest;
}

function resolveFrom(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}
