import { argmaxRows } from '../input';
import { MetricInputError } from '../errors';
import { gbcFromAnalysis, type GbcOptions } from '../scores/gbc';
import { hscoreFromAnalysis } from '../scores/hscore';
import { leep } from '../scores/leep';
import { logmeFromAnalysis } from '../scores/logme';
import { nce } from '../scores/nce';
import { nleepFromAnalysis, type NLeepOptions } from '../scores/nleep';
import { regHScoreFromAnalysis } from '../scores/reg-hscore';
import { imagenetTop1 } from '../scores/imagenet-top1';
import { knnLooFromAnalysis, type KnnLooOptions } from '../scores/knn-loo';
import { leepProb } from '../scores/leep-prob';
import { linearProbeCvFromAnalysis, type LinearProbeCvOptions } from '../scores/linear-probe-cv';
import { logmeFixedPointFromAnalysis } from '../scores/logme-fixed-point';
import { nleepProbFromAnalysis } from '../scores/nleep-prob';
import { parameterCount } from '../scores/parameter-count';
import { parcFromAnalysis, type ParcOptions } from '../scores/parc';
import { sfdaFromAnalysis } from '../scores/sfda';
import { transrateFromAnalysis, type TransRateOptions } from '../scores/transrate';
import { etranFromAnalysis, etranPoolScores, type EtranOptions } from '../scores/etran';
import { nctiFromAnalysis, nctiPoolScores, type NctiOptions } from '../scores/ncti';
import { pactranDirichlet, pactranGamma, pactranGaussianFromAnalysis, type PacTranGaussianOptions } from '../scores/pactran';
import { type MetricDefinition } from './metric';

const PAPER_SHAO_2022 = {
  title: 'Not All Models Are Equal: Predicting Model Transferability in a Self-challenging Fisher Space',
  authors: ['Wenqi Shao', 'Xun Zhao', 'Yixiao Ge', 'Zhaoyang Zhang', 'Lei Yang', 'Xiaogang Wang', 'Ying Shan', 'Ping Luo'],
  venue: 'ECCV',
  year: 2022,
  url: 'https://arxiv.org/abs/2207.03036',
};

const PAPER_KORNBLITH_2019 = {
  title: 'Do Better ImageNet Models Transfer Better?',
  authors: ['Simon Kornblith', 'Jonathon Shlens', 'Quoc V. Le'],
  venue: 'CVPR',
  year: 2019,
  url: 'https://arxiv.org/abs/1805.08974',
};

/** PACTran's three variants (Dirichlet, Gamma, Gaussian) come from one paper. */
const PAPER_DING_2022 = {
  title: 'PACTran: PAC-Bayesian Metrics for Estimating the Transferability of Pretrained Models to Classification Tasks',
  authors: ['Nan Ding', 'Xi Chen', 'Tomer Levinboim', 'Soravit Changpinyo', 'Radu Soricut'],
  venue: 'ECCV',
  year: 2022,
  url: 'https://arxiv.org/abs/2203.05126',
};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new MetricInputError('shape_mismatch', `missing input: ${what}`);
  return value;
}

/** The study's seven scores first (ids as in the paper's tables), then the scores and baselines beyond it. */
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
  {
    id: 'logme_fixed_point',
    variant: 'jmlr-fixed-point',
    version: '1.0.0',
    paper: {
      title: 'Ranking and Tuning Pre-trained Models: A New Paradigm for Exploiting Model Hubs',
      authors: ['Kaichao You', 'Yong Liu', 'Ziyang Zhang', 'Jianmin Wang', 'Michael I. Jordan', 'Mingsheng Long'],
      venue: 'JMLR',
      year: 2022,
      url: 'https://arxiv.org/abs/2110.10545',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await logmeFixedPointFromAnalysis(ctx.analysis());
      return { value: r.value, diagnostics: { perClassEvidence: Array.from(r.perClassEvidence), iterations: Array.from(r.iterations) } };
    },
  },
  {
    id: 'leep_prob',
    variant: 'sfda-code',
    version: '1.0.0',
    paper: PAPER_SHAO_2022,
    direction: 'higher',
    requires: ['sourceProbabilities', 'labels'],
    poolRelative: false,
    async compute(input) {
      return { value: leepProb(need(input.sourceProbabilities, 'sourceProbabilities'), input.labels).value, diagnostics: {} };
    },
  },
  {
    id: 'nleep_prob',
    variant: 'sfda-code',
    version: '1.0.0',
    paper: PAPER_SHAO_2022,
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      // N-LEEP's options, so both read one mixture fit per call.
      const opts = (ctx.options['nleep'] ?? {}) as NLeepOptions;
      const { value, ...diagnostics } = await nleepProbFromAnalysis(ctx.analysis(), { seed: ctx.seed, ...opts });
      return { value, diagnostics };
    },
  },
  {
    id: 'knn_loo',
    variant: 'euclidean-majority',
    version: '1.0.0',
    paper: {
      title: 'k-NN as a Simple and Effective Estimator of Transferability',
      authors: ['Moein Sorkhei', 'Christos Matsoukas', 'Johan Fredin Haslum', 'Emir Konuk', 'Kevin Smith'],
      venue: 'TMLR',
      year: 2025,
      url: 'https://arxiv.org/abs/2503.18528',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    kind: 'baseline',
    async compute(_input, ctx) {
      const r = await knnLooFromAnalysis(ctx.analysis(), (ctx.options['knn_loo'] ?? {}) as KnnLooOptions);
      return { value: r.value, diagnostics: { k: r.k, correct: r.correct } };
    },
  },
  {
    id: 'linear_probe_cv',
    variant: 'multinomial-l2-c1',
    version: '1.0.0',
    paper: PAPER_KORNBLITH_2019,
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    kind: 'baseline',
    async compute(_input, ctx) {
      const r = await linearProbeCvFromAnalysis(ctx.analysis(), (ctx.options['linear_probe_cv'] ?? {}) as LinearProbeCvOptions);
      return {
        value: r.value,
        diagnostics: { foldAccuracy: r.perFold.map((f) => f.accuracy), iterations: r.perFold.map((f) => f.iterations), converged: r.perFold.every((f) => f.converged) },
      };
    },
  },
  {
    id: 'imagenet_top1',
    variant: 'model-card',
    version: '1.0.0',
    paper: PAPER_KORNBLITH_2019,
    direction: 'higher',
    requires: ['modelMetadata'],
    metadata: ['imagenetTop1'],
    poolRelative: false,
    kind: 'static-baseline',
    async compute(input) {
      return { value: imagenetTop1(need(input.model, 'model metadata')).value, diagnostics: {} };
    },
  },
  {
    id: 'parameter_count',
    variant: 'model-card',
    version: '1.0.0',
    paper: {
      title: 'Big Transfer (BiT): General Visual Representation Learning',
      authors: ['Alexander Kolesnikov', 'Lucas Beyer', 'Xiaohua Zhai', 'Joan Puigcerver', 'Jessica Yung', 'Sylvain Gelly', 'Neil Houlsby'],
      venue: 'ECCV',
      year: 2020,
      url: 'https://arxiv.org/abs/1912.11370',
    },
    direction: 'higher',
    requires: ['modelMetadata'],
    metadata: ['parameters'],
    poolRelative: false,
    kind: 'static-baseline',
    async compute(input) {
      return { value: parameterCount(need(input.model, 'model metadata')).value, diagnostics: {} };
    },
  },
  {
    id: 'sfda',
    variant: 'official',
    version: '1.0.0',
    paper: PAPER_SHAO_2022,
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await sfdaFromAnalysis(ctx.analysis());
      return { value: r.value, diagnostics: { shrinkage: r.shrinkage, firstPassValue: r.firstPassValue } };
    },
  },
  {
    id: 'parc',
    variant: 'f32',
    version: '1.0.0',
    paper: {
      title: 'Scalable Diverse Model Selection for Accessible Transfer Learning',
      authors: ['Daniel Bolya', 'Rohit Mittapalli', 'Judy Hoffman'],
      venue: 'NeurIPS',
      year: 2021,
      url: 'https://arxiv.org/abs/2111.06977',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await parcFromAnalysis(ctx.analysis(), { seed: ctx.seed, ...((ctx.options['parc'] ?? {}) as ParcOptions) });
      return { value: r.value, diagnostics: { dimensions: r.dimensions, samples: r.samples } };
    },
  },
  {
    id: 'transrate',
    variant: 'official',
    version: '1.0.0',
    paper: {
      title: 'Frustratingly Easy Transferability Estimation',
      authors: ['Long-Kai Huang', 'Junzhou Huang', 'Yu Rong', 'Qiang Yang', 'Ying Wei'],
      venue: 'ICML',
      year: 2022,
      url: 'https://proceedings.mlr.press/v162/huang22d.html',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await transrateFromAnalysis(ctx.analysis(), (ctx.options['transrate'] ?? {}) as TransRateOptions);
      return { value: r.value, diagnostics: { rate: r.rate, conditionalRate: r.conditionalRate, rank: r.rank } };
    },
  },
  {
    id: 'pactran_dirichlet',
    variant: 'official',
    version: '1.0.0',
    paper: PAPER_DING_2022,
    direction: 'lower',
    requires: ['sourceProbabilities', 'labels'],
    poolRelative: false,
    async compute(input) {
      return { value: pactranDirichlet(need(input.sourceProbabilities, 'sourceProbabilities'), input.labels).value, diagnostics: {} };
    },
  },
  {
    id: 'pactran_gamma',
    variant: 'official',
    version: '1.0.0',
    paper: PAPER_DING_2022,
    direction: 'lower',
    requires: ['sourceProbabilities', 'labels'],
    poolRelative: false,
    async compute(input) {
      return { value: pactranGamma(need(input.sourceProbabilities, 'sourceProbabilities'), input.labels).value, diagnostics: {} };
    },
  },
  {
    id: 'pactran_gaussian',
    variant: 'lambda1-sigma100',
    version: '1.0.0',
    paper: PAPER_DING_2022,
    direction: 'lower',
    requires: ['features', 'labels'],
    poolRelative: false,
    async compute(_input, ctx) {
      const r = await pactranGaussianFromAnalysis(ctx.analysis(), (ctx.options['pactran_gaussian'] ?? {}) as PacTranGaussianOptions);
      return { value: r.value, diagnostics: { loss: r.loss, iterations: r.iterations, gradientNorm: r.gradientNorm } };
    },
  },
  {
    id: 'ncti',
    variant: 'official',
    version: '1.0.0',
    paper: {
      title: 'How Far Pre-trained Models Are from Neural Collapse on the Target Dataset Informs their Transferability',
      authors: ['Zijian Wang', 'Yadan Luo', 'Liang Zheng', 'Zi Huang', 'Mahsa Baktashmotlagh'],
      venue: 'ICCV',
      year: 2023,
      url: 'https://openaccess.thecvf.com/content/ICCV2023/html/Wang_How_Far_Pre-trained_Models_Are_from_Neural_Collapse_on_the_Target_ICCV_2023_paper.html',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: true,
    async compute(_input, ctx) {
      const r = await nctiFromAnalysis(ctx.analysis(), { seed: ctx.seed, ...((ctx.options['ncti'] ?? {}) as NctiOptions) });
      const { seli, ncc, vc } = r.components;
      return { value: ncc + seli - vc, diagnostics: { shrinkage: r.shrinkage, solver: r.solver, pca: r.pca }, components: { seli, ncc, vc } };
    },
    relativise: nctiPoolScores,
  },
  {
    id: 'etran',
    variant: 'paper-sum',
    version: '1.0.0',
    paper: {
      title: 'ETran: Energy-Based Transferability Estimation',
      authors: ['Mohsen Gholami', 'Mohammad Akbari', 'Xinglu Wang', 'Behnam Kamranian', 'Yong Zhang'],
      venue: 'ICCV',
      year: 2023,
      url: 'https://arxiv.org/abs/2308.02027',
    },
    direction: 'higher',
    requires: ['features', 'labels'],
    poolRelative: true,
    async compute(_input, ctx) {
      const r = await etranFromAnalysis(ctx.analysis(), (ctx.options['etran'] ?? {}) as EtranOptions);
      const { energy, lda, svd } = r.components;
      return { value: energy + lda + svd, diagnostics: { energySamples: r.energySamples }, components: { energy, lda, svd } };
    },
    relativise: (members) => etranPoolScores(members),
  },
];
