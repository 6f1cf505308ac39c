import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fixture written by tools/reference/beyond_study_reference.py: official values on every golden case. */
export interface ReferenceFixture<T> {
  generatedBy: string;
  cases: Record<string, T>;
  errors: Record<string, string>;
}

export function loadReferenceFixture<T>(id: string): ReferenceFixture<T> {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `${id}.json`), 'utf8')) as ReferenceFixture<T>;
}
