import { type StudySplit } from './resolve-study';

/**
 * The units of work of a study. Each has a deterministic key; running a unit whose results are already recorded
 * does nothing, so a re-run or a second worker never duplicates rows.
 */
export type StudyUnit =
  | { kind: 'extract'; model: string; dataset: string }
  | { kind: 'score'; model: string; dataset: string; split: Extract<StudySplit, 'train' | 'ood'> }
  | { kind: 'trial'; model: string; dataset: string; haltonIndex: number }
  | { kind: 'evaluate'; model: string; dataset: string }
  /** Pool-relative scores (ETran, NCTI) of every model on one split, from the models' own per-model results. */
  | { kind: 'pool'; dataset: string; split: Extract<StudySplit, 'train' | 'ood'> };

export function unitKey(unit: StudyUnit): string {
  switch (unit.kind) {
    case 'extract':
    case 'evaluate':
      return `${unit.kind}/${unit.model}/${unit.dataset}`;
    case 'score':
      return `score/${unit.model}/${unit.dataset}/${unit.split}`;
    case 'trial':
      return `trial/${unit.model}/${unit.dataset}/${unit.haltonIndex}`;
    case 'pool':
      return `pool/${unit.dataset}/${unit.split}`;
  }
}

export interface PlannedPair {
  dataset: string;
  hasOod: boolean;
}

/**
 * Every unit of a study, in the order they become runnable: features, then scores and trials (which read them),
 * then the evaluations (which read the trials) and, when the study has pool-relative metrics, one pool unit per
 * scored split (which reads every model's scores). `dependenciesOf` says what each waits for.
 */
export function planUnits(models: string[], pairs: PlannedPair[], trials: number, poolRelative = false): StudyUnit[] {
  const extract: StudyUnit[] = [];
  const middle: StudyUnit[] = [];
  const evaluate: StudyUnit[] = [];
  const pools: StudyUnit[] = [];
  if (poolRelative) {
    for (const { dataset, hasOod } of pairs) {
      pools.push({ kind: 'pool', dataset, split: 'train' });
      if (hasOod) pools.push({ kind: 'pool', dataset, split: 'ood' });
    }
  }
  for (const model of models) {
    for (const { dataset, hasOod } of pairs) {
      extract.push({ kind: 'extract', model, dataset });
      middle.push({ kind: 'score', model, dataset, split: 'train' });
      if (hasOod) middle.push({ kind: 'score', model, dataset, split: 'ood' });
      for (let k = 0; k < trials; k++) middle.push({ kind: 'trial', model, dataset, haltonIndex: k });
      evaluate.push({ kind: 'evaluate', model, dataset });
    }
  }
  return [...extract, ...middle, ...evaluate, ...pools];
}

/**
 * Keys of the units that must be recorded before `unit` can run: scores and trials read the features of their
 * (model, dataset); the evaluation picks the best of all the trials; a pool reads the scores of every model.
 */
export function dependenciesOf(unit: StudyUnit, trials: number, models: readonly string[]): string[] {
  switch (unit.kind) {
    case 'extract':
      return [];
    case 'score':
    case 'trial':
      return [unitKey({ kind: 'extract', model: unit.model, dataset: unit.dataset })];
    case 'evaluate':
      return Array.from({ length: trials }, (_, k) => unitKey({ kind: 'trial', model: unit.model, dataset: unit.dataset, haltonIndex: k }));
    case 'pool':
      return models.map((model) => unitKey({ kind: 'score', model, dataset: unit.dataset, split: unit.split }));
  }
}
