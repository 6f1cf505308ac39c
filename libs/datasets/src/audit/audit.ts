import { type DatasetDefinition, type LoadSplitOptions, loadSplit } from '../manifest/definition';
import { type ClassDef, type Manifest } from '../types';
import { type AuditOptions, type AuditReport, buildAuditReport } from './report';
import { type ScanDepth, scanFiles } from './scan';

export interface AuditRunOptions extends AuditOptions, LoadSplitOptions {
  /** Files scanned at once (default 4). */
  concurrency?: number;
  /** `full` (default) or `header` (no decode: no near-duplicates, no truncation check). */
  depth?: ScanDepth;
  onProgress?: (done: number, total: number) => void;
}

/** Audit named manifests (one per split): scan every file once, then build the report. */
export async function auditManifests(
  dataset: string,
  classes: readonly ClassDef[],
  manifests: readonly { name: string; manifest: Manifest }[],
  options: AuditRunOptions = {},
): Promise<AuditReport> {
  const paths = manifests.flatMap((m) => m.manifest.items.map((it) => it.path));
  const files = await scanFiles(paths, { concurrency: options.concurrency, depth: options.depth, onProgress: options.onProgress });
  return buildAuditReport(
    dataset,
    classes,
    manifests.map((m) => ({ name: m.name, items: m.manifest.items })),
    files,
    options,
  );
}

/** Audit every split of a definition. */
export async function auditDefinition(def: DatasetDefinition, options: AuditRunOptions = {}): Promise<AuditReport> {
  const manifests = [];
  for (const name of Object.keys(def.splits)) manifests.push({ name, manifest: await loadSplit(def, name, options) });
  return auditManifests(def.id, def.classes, manifests, options);
}
