import { iterateBatches } from '@transferscope/datasets';
import { matrix, poolId, scoreAll, scorePool, type PoolMember } from '@transferscope/metrics';
import { accuracy, balancedAccuracy, confusionMatrix } from '@transferscope/stats';
import { type DataSource } from 'typeorm';
import { type BackendInfo } from '../backends/select-backend';
import { extractFeatures, type FeatureExtraction } from '../extraction/extract-features';
import { preprocessingHash, readFeatureCache, writeFeatureCache, type FeatureCacheKey } from '../extraction/feature-cache';
import { type LoadedModel } from '../models/load-model';
import { loadModelForBackend } from '../onnx/load-for-backend';
import { type ZooModel } from '../models/zoo-manifest';
import { haltonTrial } from '../training/halton-grid';
import { evaluateProbe, trainLinearProbe, type ProbeEpoch, type ProbeSchedule, type ProbeSplit } from '../training/linear-probe';
import { evaluateNetwork, finetune, type FinetuneData, type FinetuneRun } from '../training/finetune';
import { assertFinetunable, loadFinetuneNetwork, type FinetuneNetwork } from '../training/finetune-network';
import { type ProgressReporter } from './progress';
import { poolRelativeMetricIds, preprocessingOf, splitManifest, type DatasetPair, type ResolvedStudy, type StudySplit } from './resolve-study';
import { type StudyRows } from './study-rows';
import { type StudyUnit } from './units';

/** A best trial's classifier, retrained to its kept epoch for the evaluation: its run and its predictions on a split. */
interface RetrainedClassifier {
  run: { epochs: ProbeEpoch[]; bestEpoch: number };
  predict(split: 'test' | 'ood'): Promise<{ labels: Int32Array; predictions: Int32Array }>;
  dispose(): void;
}

/** Runs units of one study in this process, recording their results. Every unit is idempotent. */
export class UnitRunner {
  private readonly features = new Map<string, Promise<FeatureExtraction>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly study: ResolvedStudy,
    private readonly rows: StudyRows,
    private readonly home: string,
    private readonly backend: BackendInfo,
    private readonly progress: ProgressReporter,
  ) {
    // A fine-tuning study that cannot train (wasm, a graph model) is refused before any unit runs.
    if (study.definition.protocol === 'finetune') assertFinetunable(backend, study.models);
  }

  /** The study's transfer protocol: trial and evaluation rows are recorded under it. */
  private get protocol(): 'linear-probe' | 'finetune' {
    return this.study.definition.protocol;
  }

  async run(unit: StudyUnit): Promise<void> {
    if (unit.kind === 'pool') return this.pool(unit.dataset, unit.split);
    const model = this.study.models.find((m) => m.id === unit.model);
    const pair = this.study.pairs.find((p) => p.id.id === unit.dataset);
    if (!model || !pair) throw new Error(`unit ${JSON.stringify(unit)} names a model or dataset outside study ${this.study.definition.name}`);
    switch (unit.kind) {
      case 'extract':
        return this.extract(model, pair);
      case 'score':
        return this.score(model, pair, unit.split);
      case 'trial':
        return this.trial(model, pair, unit.haltonIndex);
      case 'evaluate':
        return this.evaluate(model, pair);
    }
  }

  /** Extracts (or finds in the cache) every split the pair needs, loading the model at most once. */
  private async extract(model: ZooModel, pair: DatasetPair): Promise<void> {
    const splits: StudySplit[] = pair.ood ? ['train', 'val', 'test', 'ood'] : ['train', 'val', 'test'];
    let loaded: LoadedModel | null = null;
    try {
      for (const split of splits) {
        await this.featuresOf(model, pair, split, async (verifyImages) => (loaded ??= await this.load(model, verifyImages)));
      }
    } finally {
      (loaded as LoadedModel | null)?.dispose();
    }
  }

  /**
   * Features of one split: from memory, else from the on-disk cache, else extracted now (and cached). Workers on
   * other machines extract what their own cache lacks, so any worker can run any unit.
   */
  /**
   * The model on the runtime the backend request asks for (onnxruntime for auto/onnx when it converts, verified on
   * `verifyImages`, real images of the split at hand), else tfjs.
   */
  private load(model: ZooModel, verifyImages: readonly string[]): Promise<LoadedModel> {
    return loadModelForBackend(model, { cacheDir: this.home, home: this.home, backend: this.backend, verifyImages, log: (line) => this.progress.event('backend', { detail: line }) });
  }

  private featuresOf(model: ZooModel, pair: DatasetPair, split: StudySplit, load?: (verifyImages: readonly string[]) => Promise<LoadedModel>): Promise<FeatureExtraction> {
    const memoKey = `${model.id}/${pair.id.id}/${split}`;
    let pending = this.features.get(memoKey);
    if (!pending) {
      pending = this.loadOrExtract(model, pair, split, load);
      this.features.set(memoKey, pending);
      pending.catch(() => this.features.delete(memoKey));
      // Keep the last few feature sets in memory: trials of one (model, dataset) run back to back.
      if (this.features.size > 12) this.features.delete(this.features.keys().next().value!);
    }
    return pending;
  }

  private async loadOrExtract(model: ZooModel, pair: DatasetPair, split: StudySplit, load?: (verifyImages: readonly string[]) => Promise<LoadedModel>): Promise<FeatureExtraction> {
    const { dataset, manifest } = await splitManifest(this.study, pair, split);
    const spec = preprocessingOf(model);
    const key: FeatureCacheKey = { weightsHash: model.weightsHash, manifestHash: manifest.hash, preprocessingHash: preprocessingHash(model.input) };
    let extraction: FeatureExtraction | null = await readFeatureCache(this.home, key);
    let cachePath = '';
    let runtime: LoadedModel['runtime'] | null = null;
    if (!extraction) {
      let loaded: LoadedModel | null = null;
      const own = !load;
      try {
        const verifyImages = manifest.items.slice(0, 4).map((item) => item.path);
        loaded = load ? await load(verifyImages) : await this.load(model, verifyImages);
        const task = this.progress.task(`extract ${model.id} ${dataset.id}/${split}`, manifest.items.length);
        const batches = iterateBatches(manifest, { spec, batchSize: this.study.definition.extractionBatchSize, errorPolicy: 'fail' });
        extraction = await extractFeatures(loaded, batches, { total: manifest.items.length, onProgress: (p) => task.update(p.done) });
        task.done();
        runtime = loaded.runtime ?? null;
        cachePath = await writeFeatureCache(this.home, key, model.id, extraction, { backend: this.backend, runtime });
      } finally {
        if (own) loaded?.dispose();
      }
    }
    await this.dataSource.query(
      `INSERT INTO feature_set (model_id, dataset_id, split, manifest_hash, preprocessing_hash, num_samples, feature_dim, source_classes, cache_path, provenance)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT ON CONSTRAINT uq_feature_set_identity DO NOTHING`,
      [
        model.id,
        this.rows.datasetIds.get(dataset.id),
        split,
        key.manifestHash,
        key.preprocessingHash,
        extraction.n,
        extraction.featureDim,
        extraction.numClasses,
        cachePath,
        JSON.stringify({ backend: this.backend, runtime, seconds: extraction.seconds, imagesPerSecond: extraction.n / Math.max(extraction.seconds, 1e-9) }),
      ],
    );
    return extraction;
  }

  /** Every metric of the study on one split's features, stored with status ok / skipped / failed. */
  private async score(model: ZooModel, pair: DatasetPair, split: 'train' | 'ood'): Promise<void> {
    const dataset = split === 'ood' ? pair.ood! : pair.id;
    const datasetId = this.rows.datasetIds.get(dataset.id)!;
    const [{ n }] = await this.dataSource.query(
      "SELECT count(*)::int AS n FROM score WHERE study_id = $1 AND model_id = $2 AND dataset_id = $3 AND split = $4 AND pool_id = ''",
      [this.rows.studyId, model.id, datasetId, split],
    );
    if (n >= this.study.metricIds.length) return;

    const x = await this.featuresOf(model, pair, split);
    const input = {
      features: matrix(x.n, x.featureDim, Float64Array.from(x.features)),
      labels: x.labels,
      ...(x.probabilities && x.numClasses ? { sourceProbabilities: matrix(x.n, x.numClasses, Float64Array.from(x.probabilities)) } : {}),
      // Facts about the model for the static baselines (parameter count, ImageNet top-1 where the zoo states it).
      model: { ...(model.params > 0 ? { parameters: model.params } : {}), ...(model.imagenetTop1 !== undefined ? { imagenetTop1: model.imagenetTop1 } : {}) },
    };
    const seed = this.study.definition.seed;
    const result = await scoreAll(input, this.study.metricIds, { registry: this.study.metrics, seed });
    const featureSet = await this.dataSource.query(
      'SELECT id FROM feature_set WHERE model_id = $1 AND dataset_id = $2 AND split = $3 ORDER BY id DESC LIMIT 1',
      [model.id, datasetId, split],
    );
    const pooled = new Set(poolRelativeMetricIds(this.study));
    await this.dataSource.transaction(async (manager) => {
      for (const id of this.study.metricIds) {
        const value = result.values[id];
        const skipped = result.skipped[id];
        const status = value !== undefined && Number.isFinite(value) ? (pooled.has(id) ? 'raw' : 'ok') : skipped ? 'skipped' : 'failed';
        const stored = status === 'ok' || status === 'raw';
        await manager.query(
          `INSERT INTO score (study_id, metric_id, model_id, dataset_id, split, pool_id, feature_set_id, status, value, reason, seconds, provenance)
           VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10, $11)
           ON CONFLICT ON CONSTRAINT uq_score_identity DO NOTHING`,
          [
            this.rows.studyId,
            id,
            model.id,
            datasetId,
            split,
            featureSet[0]?.id ?? null,
            status,
            stored ? value : null,
            stored ? null : (skipped ?? `value is ${value}`),
            result.seconds[id] ?? null,
            JSON.stringify({
              metricVersion: this.study.metrics.get(id).version,
              seed,
              diagnostics: result.diagnostics[id] ?? {},
              ...(result.components[id] ? { components: result.components[id] } : {}),
            }),
          ],
        );
      }
    });
  }

  /**
   * The pool-relative scores of one split: every model's `raw` result for the metric forms the pool (models whose
   * metric was skipped or failed are not members); the published values are stored as `ok` rows under the pool's id.
   * A different set of models is a different pool id, so changing the study's models recomputes rather than mixes.
   */
  private async pool(datasetName: string, split: 'train' | 'ood'): Promise<void> {
    const pair = this.study.pairs.find((p) => p.id.id === datasetName)!;
    const datasetId = this.rows.datasetIds.get(split === 'ood' ? pair.ood!.id : pair.id.id)!;
    const models = this.study.models.map((m) => m.id);
    for (const metricId of poolRelativeMetricIds(this.study)) {
      const metric = this.study.metrics.get(metricId);
      const raw: { model_id: string; value: number; provenance: { diagnostics?: Record<string, unknown>; components?: Record<string, number> } }[] = await this.dataSource.query(
        `SELECT model_id, value, provenance FROM score
         WHERE study_id = $1 AND dataset_id = $2 AND split = $3 AND metric_id = $4 AND status = 'raw' AND pool_id = '' AND model_id = ANY($5::text[])
         ORDER BY model_id`,
        [this.rows.studyId, datasetId, split, metricId, models],
      );
      if (raw.length === 0) continue;
      const members: PoolMember[] = raw.map((row) => ({
        model: row.model_id,
        result: { value: row.value, diagnostics: row.provenance.diagnostics ?? {}, ...(row.provenance.components ? { components: row.provenance.components } : {}) },
      }));
      const pool = poolId(members.map((m) => m.model));
      const values = scorePool(metric, members);
      await this.dataSource.transaction(async (manager) => {
        for (const { model, value } of values) {
          const finite = Number.isFinite(value);
          await manager.query(
            `INSERT INTO score (study_id, metric_id, model_id, dataset_id, split, pool_id, feature_set_id, status, value, reason, seconds, provenance)
             SELECT study_id, metric_id, model_id, dataset_id, split, $6, feature_set_id, $7, $8, $9, NULL, $10 FROM score
             WHERE study_id = $1 AND metric_id = $2 AND model_id = $3 AND dataset_id = $4 AND split = $5 AND pool_id = ''
             ON CONFLICT ON CONSTRAINT uq_score_identity DO NOTHING`,
            [
              this.rows.studyId,
              metricId,
              model,
              datasetId,
              split,
              pool,
              finite ? 'ok' : 'failed',
              finite ? value : null,
              finite ? null : `pool value is ${value}`,
              JSON.stringify({ metricVersion: metric.version, pool: members.map((m) => m.model) }),
            ],
          );
        }
      });
    }
  }

  private schedule(haltonIndex: number): ProbeSchedule & { haltonIndex: number } {
    const { learningRate, weightDecay } = haltonTrial(haltonIndex);
    const { epochs, batchSize } = this.study.definition;
    return { haltonIndex, learningRate, weightDecay, epochs, batchSize, momentum: 0.9, nesterov: true, minLearningRate: 1e-6 };
  }

  private async probeData(model: ZooModel, pair: DatasetPair, split: StudySplit): Promise<ProbeSplit> {
    const x = await this.featuresOf(model, pair, split);
    return { features: Float64Array.from(x.features), labels: x.labels, n: x.n, d: x.featureDim };
  }

  /**
   * Halton trial k: a linear probe (or, protocol `finetune`, the whole network) trained with the k-th (lr, wd); the
   * trial and its epochs land in one transaction.
   */
  private async trial(model: ZooModel, pair: DatasetPair, haltonIndex: number): Promise<void> {
    const datasetId = this.rows.datasetIds.get(pair.id.id)!;
    const { seed } = this.study.definition;
    const [existing] = await this.dataSource.query(
      `SELECT status FROM trial WHERE study_id = $1 AND model_id = $2 AND dataset_id = $3 AND protocol = $4 AND halton_index = $5 AND seed = $6`,
      [this.rows.studyId, model.id, datasetId, this.protocol, haltonIndex, seed],
    );
    if (existing?.status === 'done') return;

    const schedule = this.schedule(haltonIndex);
    const startedAt = new Date();
    let run: { epochs: ProbeEpoch[]; bestEpoch: number };
    let details: Record<string, unknown> = {};
    if (this.protocol === 'finetune') {
      const trained = await this.finetuneRun(model, pair, schedule, `trial ${haltonIndex}`);
      trained.network.dispose();
      run = trained.run;
      details = { steps: trained.run.steps, secondsPerStep: trained.run.secondsPerStep, augmentation: 'study', trainableParams: trained.trainableParams };
    } else {
      run = trainLinearProbe(await this.probeData(model, pair, 'train'), await this.probeData(model, pair, 'val'), pair.id.classes.length, schedule, seed);
    }
    const best = run.epochs[run.bestEpoch - 1]!;
    await this.dataSource.transaction(async (manager) => {
      const [trial] = (await manager.query(
        `INSERT INTO trial (study_id, model_id, dataset_id, protocol, halton_index, seed, hyper_parameters, status, best_epoch, val_loss, val_balanced_accuracy, started_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'done', $8, $9, $10, $11, now())
         ON CONFLICT ON CONSTRAINT uq_trial_identity DO UPDATE SET hyper_parameters = EXCLUDED.hyper_parameters, status = 'done',
           best_epoch = EXCLUDED.best_epoch, val_loss = EXCLUDED.val_loss, val_balanced_accuracy = EXCLUDED.val_balanced_accuracy,
           started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at
         RETURNING id`,
        [this.rows.studyId, model.id, datasetId, this.protocol, haltonIndex, seed, JSON.stringify({ ...schedule, backend: this.backend.name, ...details }), run.bestEpoch, best.valLoss, best.valBalancedAccuracy, startedAt],
      )) as { id: number }[];
      await manager.query('DELETE FROM trial_epoch WHERE trial_id = $1', [trial!.id]);
      await manager.query(
        `INSERT INTO trial_epoch (trial_id, epoch, learning_rate, train_loss, val_loss, train_balanced_accuracy, val_balanced_accuracy)
         SELECT $1, * FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])`,
        [
          trial!.id,
          run.epochs.map((e) => e.epoch),
          run.epochs.map((e) => e.learningRate),
          run.epochs.map((e) => e.trainLoss),
          run.epochs.map((e) => e.valLoss),
          run.epochs.map((e) => e.trainBalancedAccuracy),
          run.epochs.map((e) => e.valBalancedAccuracy),
        ],
      );
    });
  }

  /**
   * The best trial (highest validation balanced accuracy; ties: lower validation loss, then lower Halton index),
   * retrained deterministically to its kept epoch, evaluated on the ID test split and on the OOD set.
   */
  private async evaluate(model: ZooModel, pair: DatasetPair): Promise<void> {
    const datasetId = this.rows.datasetIds.get(pair.id.id)!;
    const oodId = pair.ood ? this.rows.datasetIds.get(pair.ood.id)! : null;
    const expected = oodId === null ? 3 : 5;
    const [{ n }] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM evaluation WHERE study_id = $1 AND model_id = $2 AND protocol = $3 AND dataset_id = ANY($4::int[])`,
      [this.rows.studyId, model.id, this.protocol, [datasetId, oodId ?? datasetId]],
    );
    if (n >= expected) return;
    const [best] = await this.dataSource.query(
      `SELECT id, halton_index, best_epoch FROM trial WHERE study_id = $1 AND model_id = $2 AND dataset_id = $3 AND protocol = $4 AND status = 'done'
       ORDER BY val_balanced_accuracy DESC, val_loss ASC, halton_index ASC LIMIT 1`,
      [this.rows.studyId, model.id, datasetId, this.protocol],
    );
    if (!best) throw new Error(`no finished trial for ${model.id} on ${pair.id.id}: run the trials first`);

    const classes = Array.from({ length: pair.id.classes.length }, (_, c) => c);
    const measure = ({ labels, predictions }: { labels: Int32Array; predictions: Int32Array }) => ({
      balancedAccuracy: balancedAccuracy(labels, predictions),
      accuracy: accuracy(labels, predictions),
      confusion: confusionMatrix(labels, predictions, { labels: classes }).matrix,
    });
    const kept = this.protocol === 'finetune' ? await this.retrainFinetune(model, pair, best.halton_index) : await this.retrainProbe(model, pair, best.halton_index);
    let test: ReturnType<typeof measure>;
    let ood: ReturnType<typeof measure> | null;
    try {
      test = measure(await kept.predict('test'));
      ood = pair.ood ? measure(await kept.predict('ood')) : null;
    } finally {
      kept.dispose();
    }
    const { run } = kept;
    const valBalanced = run.epochs[run.bestEpoch - 1]!.valBalancedAccuracy;

    const rows: [number, string, string, number, number[][] | null][] = [
      [datasetId, 'test', 'test_balanced_accuracy', test.balancedAccuracy, test.confusion],
      [datasetId, 'test', 'test_accuracy', test.accuracy, test.confusion],
      [datasetId, 'val', 'val_balanced_accuracy', valBalanced, null],
    ];
    // The OOD set is evaluated under the same measure names, stored against the OOD dataset.
    if (ood && oodId !== null) {
      rows.push([oodId, 'ood', 'test_balanced_accuracy', ood.balancedAccuracy, ood.confusion], [oodId, 'ood', 'test_accuracy', ood.accuracy, ood.confusion]);
    }
    await this.dataSource.transaction(async (manager) => {
      for (const [dataset, split, measureName, value, confusion] of rows) {
        await manager.query(
          `INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value, trial_id, confusion_matrix, provenance)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT ON CONSTRAINT uq_evaluation_identity DO NOTHING`,
          [this.rows.studyId, model.id, dataset, split, this.protocol, measureName, value, best.id, confusion ? JSON.stringify(confusion) : null, JSON.stringify({ bestEpoch: run.bestEpoch, haltonIndex: best.halton_index })],
        );
      }
    });
  }

  /** Halton trial k's linear probe retrained (deterministically) to its kept epoch. */
  private async retrainProbe(model: ZooModel, pair: DatasetPair, haltonIndex: number): Promise<RetrainedClassifier> {
    const train = await this.probeData(model, pair, 'train');
    const val = await this.probeData(model, pair, 'val');
    const run = trainLinearProbe(train, val, pair.id.classes.length, this.schedule(haltonIndex), this.study.definition.seed);
    return {
      run,
      predict: async (split) => {
        const data = await this.probeData(model, pair, split);
        return { labels: data.labels, predictions: evaluateProbe(run.best, data).predictions };
      },
      dispose: () => undefined,
    };
  }

  /**
   * Halton trial k's fine-tuned network retrained to its kept epoch (bit for bit on cpu; GPU kernels may sum in a
   * different order, so its validation numbers can differ slightly from the trial's), predicting from images.
   */
  private async retrainFinetune(model: ZooModel, pair: DatasetPair, haltonIndex: number): Promise<RetrainedClassifier> {
    const { run, network } = await this.finetuneRun(model, pair, this.schedule(haltonIndex), `evaluate (trial ${haltonIndex})`);
    return {
      run,
      predict: async (split) => evaluateNetwork(network, await this.imageBatches(model, pair, split)),
      dispose: () => network.dispose(),
    };
  }

  /**
   * Fine-tunes the model's layers up to its feature layer plus a new linear head on the pair's training images (the
   * study's augmentation, a new seeded order and augmentation each epoch), validating on its validation images.
   * The returned network holds the kept epoch's weights; the caller disposes it.
   */
  private async finetuneRun(model: ZooModel, pair: DatasetPair, schedule: ProbeSchedule, label: string): Promise<{ run: FinetuneRun; network: FinetuneNetwork; trainableParams: number }> {
    const { seed, batchSize } = this.study.definition;
    const spec = preprocessingOf(model);
    const { manifest: train } = await splitManifest(this.study, pair, 'train');
    const { manifest: val } = await splitManifest(this.study, pair, 'val');
    const data: FinetuneData = {
      train: (epoch) => iterateBatches(train, { spec, batchSize, errorPolicy: 'fail', augment: true, shuffle: true, seed, epoch }),
      val: () => iterateBatches(val, { spec, batchSize, errorPolicy: 'fail' }),
    };
    const network = await loadFinetuneNetwork(model, { classes: pair.id.classes.length, seed, cacheDir: this.home });
    const task = this.progress.task(`finetune ${model.id} ${pair.id.id} ${label}`, schedule.epochs);
    try {
      const run = await finetune(network, data, schedule, seed, { onEpoch: (epoch) => task.update(epoch.epoch) });
      task.done();
      return { run, network, trainableParams: network.trainableParams };
    } catch (error) {
      network.dispose();
      throw error;
    }
  }

  /** The unaugmented images of one split, in manifest order, preprocessed for the model. */
  private async imageBatches(model: ZooModel, pair: DatasetPair, split: StudySplit): Promise<ReturnType<typeof iterateBatches>> {
    const { manifest } = await splitManifest(this.study, pair, split);
    return iterateBatches(manifest, { spec: preprocessingOf(model), batchSize: this.study.definition.batchSize, errorPolicy: 'fail' });
  }
}
