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
  paper: string;
  zoo: string;
  data: string;
}

/** Resolve the three folders from the options; throws if neither `sharedRoot` nor both folders are given. */
export function registryDirs(options: RegistryOptions): Dirs {
  const shared = options.sharedRoot === undefined ? undefined : resolve(options.sharedRoot);
  const paper = options.paperDataDir ?? (shared && join(shared, 'paper', 'data'));
  const zoo = options.zooDatasetsDir ?? (shared && join(shared, 'zoo', 'datasets'));
  if (paper === undefined || zoo === undefined) {
    throw new TypeError('registry options need sharedRoot, or both paperDataDir and zooDatasetsDir');
  }
  return { paper: resolve(paper), zoo: resolve(zoo), data: resolve(options.dataRoot ?? zoo) };
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
  const paper = (name: string): string => join(d.paper, name);
  const study = (def: Omit<DatasetDefinition, 'baseDir' | 'dataRoot'>): DatasetDefinition => ({ ...def, dataRoot: d.data, baseDir: d.paper });
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
    {
      id: 'brain_tumor_kaggle',
      name: 'Brain Tumor Classification (MRI), Kaggle, with the study\'s splits',
      role: 'in-distribution',
      classes: [...BRAIN_TUMOR_CLASSES],
      dataRoot: d.zoo,
      baseDir: join(d.zoo, 'brain_tumor_kaggle'),
      splits: studySplits(join(d.zoo, 'brain_tumor_kaggle', 'splits')),
      ood: 'brain_mri_ood',
    },
    {
      id: 'brain_mri_ood',
      name: 'Brain MRI OOD (figshare + Br35H; stands in for NINS)',
      role: 'out-of-distribution',
      classes: [...BRAIN_TUMOR_CLASSES],
      dataRoot: d.zoo,
      baseDir: join(d.zoo, 'brain_mri_ood'),
      splits: { test: { csv: join(d.zoo, 'brain_mri_ood', 'ood.csv') } },
    },
  ];
}
