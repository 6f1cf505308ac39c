import { type StudySplit } from './resolve-study';

/**
 * The units of work of a study. Each has a deterministic key; running a unit whose results are already recorded
 * does nothing, so a re-run or a second worker never duplicates rows.
 */
export type StudyUnit =
  | { kind: 'extract'; model: string; dataset: string }
  | { kind: 'score'; model: string; dataset: string; split: Extract<StudySplit, 'train' | 'ood'> }
  | { kind: 'trial'; model: string; dataset: string; haltonIndex: number }
  | { kind: 'evaluate'; model: string; dataset: string };

export function unitKey(unit: StudyUnit): string {
  switch (unit.kind) {
    case 'extract':
    case 'evaluate':
      return `${unit.kind}/${unit.model}/${unit.dataset}`;
    case 'score':
      return `score/${unit.model}/${unit.dataset}/${unit.split}`;
    case 'trial':
      return `trial/${unit.model}/${unit.dataset}/${unit.haltonIndex}`;
  }
}

/**
 * Every unit of a study, in the order they become runnable: features, then scores and trials (which read them),
 * then the evaluations (which read the trials). `dependenciesOf` says what each waits for.
 */
export function planUnits(models: string[], pairs: { dataset: string; hasOod: boolean }[], trials: number): StudyUnit[] {
  const extract: StudyUnit[] = [];
  const middle: StudyUnit[] = [];
  const evaluate: StudyUnit[] = [];
  for (const model of models) {
    for (const { dataset, hasOod } of pairs) {
      extract.push({ kind: 'extract', model, dataset });
      middle.push({ kind: 'score', model, dataset, split: 'train' });
      if (hasOod) middle.push({ kind: 'score', model, dataset, split: 'ood' });
      for (let k = 0; k < trials; k++) middle.push({ kind: 'trial', model, dataset, haltonIndex: k });
      evaluate.push({ kind: 'evaluate', model, dataset });
    }
  }
  return [...extract, ...middle, ...evaluate];
}

/**
 * Keys of the units that must be recorded before `unit` can run: scores and trials read the features of their
 * (model, dataset); the evaluation picks the best of all the trials.
 */
export function dependenciesOf(unit: StudyUnit, trials: number): string[] {
  switch (unit.kind) {
    case 'extract':
      return [];
    case 'score':
    case 'trial':
      return [unitKey({ kind: 'extract', model: unit.model, dataset: unit.dataset })];
    case 'evaluate':
      return Array.from({ length: trials }, (_, k) => unitKey({ kind: 'trial', model: unit.model, dataset: unit.dataset, haltonIndex: k }));
  }
}
