import { argmaxRows } from '../input';
import { MetricInputError } from '../errors';
import { gbcFromAnalysis, type GbcOptions } from '../scores/gbc';
import { hscoreFromAnalysis } from '../scores/hscore';
import { leep } from '../scores/leep';
import { logmeFromAnalysis } from '../scores/logme';
import { nce } from '../scores/nce';
import { nleepFromAnalysis, type NLeepOptions } from '../scores/nleep';
import { regHScoreFromAnalysis } from '../scores/reg-hscore';
import { type MetricDefinition } from './metric';

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new MetricInputError('shape_mismatch', `missing input: ${what}`);
  return value;
}

/** The study's seven scores, ids as in the paper's tables. */
export const BUILTIN_METRICS: readonly MetricDefinition[] = [
  {
    id: 'hscore',
    variant: 'reference',
    version: '1.0.0',
    paper: {
      title: 'An Information-Theoretic Approach to Transferability in Task Transfer Learning',
      authors: ['Yajie Bao', 'Yang Li', 'Shao-Lun Huang', 'Lin Zhang', 'Lizhong Zheng', 'Amir Zamir', 'Leonidas Guibas'],
      venue: 'ICIP',
      year: 2019,
      url: 'https://doi.org/10.1109/ICIP.2019.8803726',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await hscoreFromAnalysis(ctx.analysis());
      return { value: r.value, diagnostics: { pinvRank: r.pinvRank } };
    },
  },
  {
    id: 'reg_hscore',
    variant: 'reference',
    version: '1.0.0',
    paper: {
      title: 'Newer is not always better: Rethinking transferability metrics, their peculiarities, stability and performance',
      authors: ['Shibal Ibrahim', 'Natalia Ponomareva', 'Rahul Mazumder'],
      venue: 'ECML-PKDD',
      year: 2022,
      url: 'https://openreview.net/pdf?id=iz_Wwmfquno',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await regHScoreFromAnalysis(ctx.analysis());
      return { value: r.value, diagnostics: { shrinkage: r.shrinkage } };
    },
  },
  {
    id: 'leep',
    variant: 'reference',
    version: '1.0.0',
    paper: {
      title: 'LEEP: A New Measure to Evaluate Transferability of Learned Representations',
      authors: ['Cuong V. Nguyen', 'Tal Hassner', 'Matthias Seeger', 'Cedric Archambeau'],
      venue: 'ICML',
      year: 2020,
      url: 'http://proceedings.mlr.press/v119/nguyen20b/nguyen20b.pdf',
    },
    direction: 'higher',
    requires: ['sourceProbabilities', 'labels'],
    poolRelative: false,
    async compute(input) {
      return { value: leep(need(input.sourceProbabilities, 'sourceProbabilities'), input.labels).value, diagnostics: {} };
    },
  },
  {
    id: 'nleep',
    variant: 'reference',
    version: '1.0.0',
    paper: {
      title: 'Ranking Neural Checkpoints',
      authors: ['Yandong Li', 'Xuhui Jia', 'Ruoxin Sang', 'Yukun Zhu', 'Bradley Green', 'Liqiang Wang', 'Boqing Gong'],
      venue: 'CVPR',
      year: 2021,
      url: 'https://arxiv.org/abs/2011.11200',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const opts = (ctx.options['nleep'] ?? {}) as NLeepOptions;
      const r = await nleepFromAnalysis(ctx.analysis(), { seed: ctx.seed, ...opts });
      const { value, ...diagnostics } = r;
      return { value, diagnostics };
    },
  },
  {
    id: 'nce',
    variant: 'reference',
    version: '1.0.0',
    paper: {
      title: 'Transferability and Hardness of Supervised Classification Tasks',
      authors: ['Anh T. Tran', 'Cuong V. Nguyen', 'Tal Hassner'],
      venue: 'ICCV',
      year: 2019,
      url: 'https://arxiv.org/abs/1908.08142',
    },
    direction: 'higher',
    requires: ['sourceLabels', 'labels'],
    poolRelative: false,
    async compute(input) {
      const z = input.sourceLabels ?? argmaxRows(need(input.sourceProbabilities, 'sourceLabels or sourceProbabilities'));
      const r = nce(z, input.labels);
      return { value: r.value, diagnostics: { sourceClasses: r.sourceClasses } };
    },
  },
  {
    id: 'gbc',
    variant: 'spherical',
    version: '1.0.0',
    paper: {
      title: 'Transferability Estimation using Bhattacharyya Class Separability',
      authors: ['Michal Pandy', 'Andrea Agostinelli', 'Jasper Uijlings', 'Vittorio Ferrari', 'Thomas Mensink'],
      venue: 'CVPR',
      year: 2022,
      url: 'https://arxiv.org/abs/2111.12780',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await gbcFromAnalysis(ctx.analysis(), (ctx.options['gbc'] ?? {}) as GbcOptions);
      return { value: r.value, diagnostics: { components: r.components } };
    },
  },
  {
    id: 'logme',
    variant: 'reference',
    version: '1.0.0',
    paper: {
      title: 'LogME: Practical Assessment of Pre-trained Models for Transfer Learning',
      authors: ['Kaichao You', 'Yong Liu', 'Jianmin Wang', 'Mingsheng Long'],
      venue: 'ICML',
      year: 2021,
      url: 'https://arxiv.org/abs/2102.11005',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await logmeFromAnalysis(ctx.analysis());
      return { value: r.value, diagnostics: { perClassEvidence: Array.from(r.perClassEvidence) } };
    },
  },
];
