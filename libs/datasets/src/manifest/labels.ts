import { DatasetError, type DatasetErrorLocation } from '../errors';
import { type ClassDef } from '../types';

/**
 * Check a class list: ids are distinct non-negative integers, names distinct and non-empty.
 * Returns it sorted by id.
 */
export function checkClasses(classes: readonly ClassDef[], where: DatasetErrorLocation = {}): ClassDef[] {
  if (classes.length === 0) throw new DatasetError('BAD_DEFINITION', 'the class list is empty', where);
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const c of classes) {
    if (!Number.isInteger(c.id) || c.id < 0) {
      throw new DatasetError('BAD_DEFINITION', `class id ${c.id} is not a non-negative integer`, where);
    }
    if (ids.has(c.id)) throw new DatasetError('BAD_DEFINITION', `class id ${c.id} appears twice`, where);
    if (c.name === '' || names.has(c.name)) {
      throw new DatasetError('BAD_DEFINITION', `class name "${c.name}" is empty or appears twice`, where);
    }
    ids.add(c.id);
    names.add(c.name);
  }
  return [...classes].sort((a, b) => a.id - b.id);
}

/**
 * Parse a label cell: a base-10 integer (surrounding blanks allowed). `1.0`, `x` or an empty cell
 * are refused rather than guessed at.
 *
 * @throws DatasetError `BAD_LABEL`.
 */
export function parseLabel(cell: string, where: DatasetErrorLocation): number {
  const t = cell.trim();
  if (!/^-?\d+$/.test(t)) throw new DatasetError('BAD_LABEL', `label "${cell}" is not an integer class id`, where);
  return Number(t);
}
