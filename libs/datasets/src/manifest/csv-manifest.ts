import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DatasetError } from '../errors';
import { type ClassDef, type Manifest, type ManifestItem } from '../types';
import { parseCsv } from './csv';
import { manifestHash } from './hash';
import { checkClasses, parseLabel } from './labels';
import { resolveInRoot } from './paths';

export interface CsvManifestOptions {
  /** Folder the `image` paths resolve against. */
  dataRoot: string;
  /**
   * The dataset's classes. Labels outside these ids are refused (`UNKNOWN_LABEL`). When omitted,
   * the distinct ids found in the file become the classes, named by their id ("0", "1", ...).
   */
  classes?: readonly ClassDef[];
  /** Column with the image path (default `image`). */
  imageColumn?: string;
  /** Column with the integer class id (default `label`). */
  labelColumn?: string;
}

/**
 * Load one split from the study's CSV format: a header with at least `image` and `label`, one
 * row per image; every other column is kept in `meta`. Paths resolve against `dataRoot`.
 * Does not touch the images (a missing one surfaces when it is decoded or audited).
 *
 * @throws DatasetError `MISSING_FILE` (no CSV), `BAD_CSV`, `MISSING_COLUMN`, `BAD_LABEL`,
 *   `UNKNOWN_LABEL`, `PATH_ESCAPES_ROOT`, `EMPTY_SPLIT`; each names the file and, where it applies, row and field.
 */
export async function loadCsvManifest(file: string, options: CsvManifestOptions): Promise<Manifest> {
  const csvPath = resolve(file);
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (cause) {
    throw new DatasetError('MISSING_FILE', 'cannot read the CSV file', { file: csvPath }, { cause });
  }
  return csvTextToManifest(text, csvPath, options);
}

/** The pure part of {@link loadCsvManifest}: CSV text in, manifest out. */
export function csvTextToManifest(text: string, csvPath: string, options: CsvManifestOptions): Manifest {
  const imageColumn = options.imageColumn ?? 'image';
  const labelColumn = options.labelColumn ?? 'label';
  const table = parseCsv(text, csvPath);
  const imageIdx = table.header.indexOf(imageColumn);
  const labelIdx = table.header.indexOf(labelColumn);
  for (const [col, idx] of [
    [imageColumn, imageIdx],
    [labelColumn, labelIdx],
  ] as const) {
    if (idx < 0) {
      throw new DatasetError('MISSING_COLUMN', `no "${col}" column (header: ${table.header.join(',')})`, {
        file: csvPath,
        row: 1,
        field: col,
      });
    }
  }
  if (table.records.length === 0) throw new DatasetError('EMPTY_SPLIT', 'the CSV has a header but no rows', { file: csvPath });

  const classes = options.classes ? checkClasses(options.classes, { file: csvPath }) : undefined;
  const known = classes ? new Set(classes.map((c) => c.id)) : undefined;
  const items: ManifestItem[] = [];
  for (const { row, fields } of table.records) {
    const label = parseLabel(fields[labelIdx], { file: csvPath, row, field: labelColumn });
    if (known && !known.has(label)) {
      throw new DatasetError('UNKNOWN_LABEL', `label ${label} is not one of the class ids ${[...known].join(', ')}`, {
        file: csvPath,
        row,
        field: labelColumn,
      });
    }
    const image = fields[imageIdx].trim();
    if (image === '') throw new DatasetError('BAD_CSV', 'empty image path', { file: csvPath, row, field: imageColumn });
    const { path, relPath } = resolveInRoot(options.dataRoot, image, { file: csvPath, row, field: imageColumn });
    const meta: Record<string, string> = {};
    table.header.forEach((h, k) => {
      if (k !== imageIdx && k !== labelIdx) meta[h] = fields[k];
    });
    items.push({ path, relPath, label, meta, row });
  }
  const finalClasses =
    classes ?? [...new Set(items.map((it) => it.label))].sort((a, b) => a - b).map((id) => ({ id, name: String(id) }));
  return {
    items,
    classes: finalClasses,
    classNames: finalClasses.map((c) => c.name),
    hash: manifestHash(items, finalClasses),
    source: { kind: 'csv', file: csvPath, dataRoot: resolve(options.dataRoot) },
  };
}
