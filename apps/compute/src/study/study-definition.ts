import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A study file that cannot be used: the file, the field and what is wrong. */
export class StudyDefinitionError extends Error {
  readonly code = 'STUDY_DEFINITION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'StudyDefinitionError';
  }
}

const NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/, 'letters, digits and _ . + - only');

/** A subset of a split, for quick runs: the first `n` items per class in manifest order (deterministic). */
const limitSchema = z.object({ perClass: z.number().int().positive() }).strict();

const studySchema = z
  .object({
    name: NAME,
    description: z.string().default(''),
    /** In-distribution datasets (registry ids); each one's OOD partner is evaluated too unless `ood` overrides it. */
    datasets: z.array(z.object({ id: NAME, ood: NAME.nullable().optional() }).strict()).min(1),
    /** Zoo model ids, or "all". */
    models: z.union([z.literal('all'), z.array(NAME).min(1)]),
    /** Metric ids, or "all" (every registered metric that applies). */
    metrics: z.union([z.literal('all'), z.array(NAME).min(1)]).default('all'),
    protocol: z.enum(['linear-probe', 'finetune']).default('linear-probe'),
    trials: z.number().int().min(1).max(1000).default(75),
    epochs: z.number().int().min(1).max(1000).default(30),
    batchSize: z.number().int().min(1).max(4096).default(64),
    extractionBatchSize: z.number().int().min(1).max(1024).default(16),
    seed: z.number().int().min(0).default(0),
    backend: z.enum(['auto', 'onnx', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    /** Image and zoo locations; flags and environment variables take precedence. */
    dataRoot: z.string().optional(),
    zoo: z.string().optional(),
    /** Subsets per split name (train, val, test, ood) for quick runs. */
    limits: z.record(z.enum(['train', 'val', 'test', 'ood']), limitSchema).optional(),
  })
  .strict();

export type StudyDefinition = z.output<typeof studySchema> & {
  /** Folder of the study file: relative `dataRoot`/`zoo` resolve against it. */
  baseDir: string;
};

/** Validates a parsed study definition; `file` names it in errors. */
export function validateStudyDefinition(raw: unknown, file: string): StudyDefinition {
  const parsed = studySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const at = issue.path.length ? issue.path.join('.') : '(top level)';
      return issue.code === 'unrecognized_keys' ? `${at}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : `${at}: ${issue.message}`;
    });
    throw new StudyDefinitionError(`${file}: ${problems.join('; ')}`);
  }
  const baseDir = dirname(resolve(file));
  // protocol "finetune" is checked against the backend and the models once they are known (assertFinetunable).
  return { ...parsed.data, baseDir };
}

/** Reads a JSON or YAML study file. */
export async function loadStudyDefinition(file: string): Promise<StudyDefinition> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StudyDefinitionError(`${file}: ${code === 'ENOENT' ? 'file does not exist' : `cannot be read (${code})`}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new StudyDefinitionError(`${file}: cannot be parsed (${(error as Error).message})`);
  }
  return validateStudyDefinition(raw, file);
}

/**
 * The `--quick` preset: the same study on a small, fixed subset (real images, real models), for CI and smoke tests:
 * the two smallest models unless the study names fewer, 3 trials of 3 epochs, 20 training and 8 evaluation images per class.
 */
export function quickVariant(definition: StudyDefinition, quickModels: string[]): StudyDefinition {
  return {
    ...definition,
    name: `${definition.name}-quick`,
    models: definition.models === 'all' ? quickModels : definition.models.slice(0, 2),
    trials: Math.min(definition.trials, 3),
    epochs: Math.min(definition.epochs, 3),
    limits: { train: { perClass: 20 }, val: { perClass: 8 }, test: { perClass: 8 }, ood: { perClass: 8 } },
  };
}
