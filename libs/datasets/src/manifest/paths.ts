import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DatasetError, type DatasetErrorLocation } from '../errors';

/**
 * Resolve a manifest path against the data root. The study's CSVs write paths such as
 * `/brain_tumor_kaggle/Training/x.jpg`: a leading slash means "from the data root", not the
 * filesystem root. A path that leaves the root (`../`, or a Windows drive) is refused, so a manifest
 * cannot make us read arbitrary files.
 *
 * @returns the absolute path and the path relative to the root with POSIX separators.
 * @throws DatasetError `PATH_ESCAPES_ROOT`.
 */
export function resolveInRoot(
  dataRoot: string,
  manifestPath: string,
  where: DatasetErrorLocation = {},
): { path: string; relPath: string } {
  const root = resolve(dataRoot);
  const cleaned = manifestPath.replace(/\\/g, '/').replace(/^\/+/, '');
  if (cleaned === '' || /^[A-Za-z]:/.test(cleaned) || isAbsolute(cleaned)) {
    throw new DatasetError('PATH_ESCAPES_ROOT', `path "${manifestPath}" is not inside the data root ${root}`, where);
  }
  const abs = resolve(root, cleaned);
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new DatasetError('PATH_ESCAPES_ROOT', `path "${manifestPath}" escapes the data root ${root}`, where);
  }
  return { path: abs, relPath: rel.split(sep).join('/') };
}
