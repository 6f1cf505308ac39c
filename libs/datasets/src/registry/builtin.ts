import { join, resolve } from 'node:path';
import { type DatasetDefinition } from '../manifest/definition';
import { type ClassDef } from '../types';

/** Where the built-in datasets live. Passed in by the caller's configuration; nothing is read from the environment here. */
export interface RegistryOptions {
  /** The shared reference folder (holds `paper/data` and `zoo/datasets`). */
  sharedRoot?: string;
  /** The study's split CSVs; default `<sharedRoot>/paper/data`. */
  paperDataDir?: string;
  /** The real images that ship with the zoo; default `<sharedRoot>/zoo/datasets`. */
  zooDatasetsDir?: string;
  /** Where the study's images are (`/isic2019/...`, `/brain_tumor_kaggle/...`); default `zooDatasetsDir`. */
  dataRoot?: string;
}

/** Label ids of every brain-MRI set here (the study's). */
export const BRAIN_TUMOR_CLASSES: readonly ClassDef[] = [
  { id: 0, name: 'no_tumor' },
  { id: 1, name: 'glioma' },
  { id: 2, name: 'meningioma' },
  { id: 3, name: 'pituitary' },
];

// In the study's ISIC2019 and PAD-UFES-20 CSVs, label 1 is exactly the rows with MEL = 1 (diagnostic MEL).
const MELANOMA_CLASSES: ClassDef[] = [
  { id: 0, name: 'not_melanoma' },
  { id: 1, name: 'melanoma' },
];
// BreakHis label_name benign/malignant; ICIAR2018 Benign -> 0, InSitu and Invasive -> 1.
const MALIGNANCY_CLASSES: ClassDef[] = [
  { id: 0, name: 'benign' },
  { id: 1, name: 'malignant' },
];

interface Dirs {
  paper: string | undefined;
  zoo: string | undefined;
  data: string | undefined;
}

/** Resolve the folders from the options; any of them may be unknown (then its datasets are "not configured"). */
export function registryDirs(options: RegistryOptions): Dirs {
  const shared = options.sharedRoot === undefined ? undefined : resolve(options.sharedRoot);
  const paper = options.paperDataDir ?? (shared && join(shared, 'paper', 'data'));
  const zoo = options.zooDatasetsDir ?? (shared && join(shared, 'zoo', 'datasets'));
  const data = options.dataRoot ?? zoo;
  return { paper: paper && resolve(paper), zoo: zoo && resolve(zoo), data: data && resolve(data) };
}

/** The ids of the built-in datasets, in listing order. */
export const BUILTIN_DATASET_IDS = ['isic19', 'pad_ufes_20', 'breakhis', 'iciar2018', 'brain_tumor', 'nins', 'brain_tumor_kaggle', 'brain_mri_ood'] as const;

/** Built-in datasets that these options cannot locate, and which setting is missing. */
export function unconfiguredBuiltins(options: RegistryOptions): { id: string; reason: string }[] {
  const d = registryDirs(options);
  const out: { id: string; reason: string }[] = [];
  for (const id of BUILTIN_DATASET_IDS.slice(0, 6)) {
    if (d.paper === undefined) out.push({ id, reason: "not configured: the folder of the study's split CSVs (paperDataDir) is not set" });
    else if (d.data === undefined) out.push({ id, reason: 'not configured: the data root is not set' });
  }
  for (const id of BUILTIN_DATASET_IDS.slice(6)) {
    if (d.zoo === undefined) out.push({ id, reason: 'not configured: the zoo datasets folder (zooDatasetsDir) is not set' });
  }
  return out;
}

function studySplits(dir: string): DatasetDefinition['splits'] {
  return {
    train: { csv: join(dir, 'train_split_01.csv') },
    val: { csv: join(dir, 'val_split_01.csv') },
    test: { csv: join(dir, 'test.csv') },
  };
}

/**
 * The built-in definitions: the study's six datasets (three in-distribution tasks, each with its
 * out-of-distribution partner) and the two brain-MRI sets whose images ship with the zoo.
 * `brain_tumor` and `brain_tumor_kaggle` are the same split files (the zoo keeps a copy next to
 * the images); `brain_mri_ood` stands in for NINS, whose images are not available.
 */
export function builtinDefinitions(options: RegistryOptions): DatasetDefinition[] {
  const d = registryDirs(options);
  const out: DatasetDefinition[] = [];
  if (d.paper !== undefined && d.data !== undefined) out.push(...studyDefinitions(d.paper, d.data));
  if (d.zoo !== undefined) out.push(...zooDefinitions(d.zoo));
  return out;
}

function studyDefinitions(paperDir: string, dataRoot: string): DatasetDefinition[] {
  const paper = (name: string): string => join(paperDir, name);
  const study = (def: Omit<DatasetDefinition, 'baseDir' | 'dataRoot'>): DatasetDefinition => ({ ...def, dataRoot, baseDir: paperDir });
  return [
    study({
      id: 'isic19',
      name: 'ISIC 2019 (melanoma vs rest)',
      role: 'in-distribution',
      classes: MELANOMA_CLASSES,
      splits: studySplits(paper('isic19')),
      ood: 'pad_ufes_20',
    }),
    study({
      id: 'pad_ufes_20',
      name: 'PAD-UFES-20 (OOD partner of ISIC 2019)',
      role: 'out-of-distribution',
      classes: MELANOMA_CLASSES,
      splits: { test: { csv: join(paper('isic19'), 'ood', 'pad-ufes-20.csv') } },
    }),
    study({
      id: 'breakhis',
      name: 'BreakHis (benign vs malignant)',
      role: 'in-distribution',
      classes: MALIGNANCY_CLASSES,
      splits: studySplits(paper('breakhis')),
      ood: 'iciar2018',
    }),
    study({
      id: 'iciar2018',
      name: 'ICIAR 2018 BACH (OOD partner of BreakHis)',
      role: 'out-of-distribution',
      classes: MALIGNANCY_CLASSES,
      splits: { test: { csv: join(paper('breakhis'), 'ood', 'ICIAR_out_distribution.csv') } },
    }),
    study({
      id: 'brain_tumor',
      name: 'Brain tumor MRI (the study\'s splits)',
      role: 'in-distribution',
      classes: [...BRAIN_TUMOR_CLASSES],
      splits: studySplits(paper('brain_tumor')),
      ood: 'nins',
    }),
    study({
      id: 'nins',
      name: 'NINS brain MRI (OOD partner of brain tumor)',
      role: 'out-of-distribution',
      classes: [...BRAIN_TUMOR_CLASSES],
      splits: { test: { csv: join(paper('brain_tumor'), 'ood', 'out_test_NINS.csv') } },
    }),
  ];
}

function zooDefinitions(zoo: string): DatasetDefinition[] {
  return [
    {
      id: 'brain_tumor_kaggle',
      name: 'Brain Tumor Classification (MRI), Kaggle, with the study\'s splits',
      role: 'in-distribution',
      classes: [...BRAIN_TUMOR_CLASSES],
      dataRoot: zoo,
      baseDir: join(zoo, 'brain_tumor_kaggle'),
      splits: studySplits(join(zoo, 'brain_tumor_kaggle', 'splits')),
      ood: 'brain_mri_ood',
    },
    {
      id: 'brain_mri_ood',
      name: 'Brain MRI OOD (figshare + Br35H; stands in for NINS)',
      role: 'out-of-distribution',
      classes: [...BRAIN_TUMOR_CLASSES],
      dataRoot: zoo,
      baseDir: join(zoo, 'brain_mri_ood'),
      splits: { test: { csv: join(zoo, 'brain_mri_ood', 'ood.csv') } },
    },
  ];
}
