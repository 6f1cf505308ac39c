// Test helpers shared by the __tests__ folders (excluded from nothing: tiny and side-effect free).
import { join } from 'node:path';

/** The shared reference folder, from the environment the test runner sets (vitest.shared.ts). */
export function sharedRoot(): string {
  const root = process.env['TRANSFERSCOPE_SHARED'];
  if (root === undefined || root === '') throw new Error('TRANSFERSCOPE_SHARED is not set');
  return root;
}

export function zooDatasetsDir(): string {
  return join(sharedRoot(), 'zoo', 'datasets');
}
