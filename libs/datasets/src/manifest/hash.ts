import { createHash } from 'node:crypto';
import { type ClassDef } from '../types';

/**
 * The manifest hash: sha256 over the items sorted by relative path (then label), each as
 * `relPath \t label \n`, followed by the class list `id \t name \n` sorted by id. It does not depend
 * on the machine (paths are relative to the data root) nor on the order of the rows, and changes
 * when any image, label or class id changes.
 */
export function manifestHash(items: readonly { relPath: string; label: number }[], classes: readonly ClassDef[]): string {
  const sorted = items
    .map((it) => [it.relPath, it.label] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  const h = createHash('sha256');
  h.update('items\n');
  for (const [p, l] of sorted) h.update(`${p}\t${l}\n`);
  h.update('classes\n');
  for (const c of [...classes].sort((a, b) => a.id - b.id)) h.update(`${c.id}\t${c.name}\n`);
  return h.digest('hex');
}
