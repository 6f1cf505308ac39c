import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ModelError } from './model-error';
import { canonicalJson, sha256Hex } from './sha256';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256 (64 characters)');
const httpUrl = z.url({ protocol: /^https?$/ });
const isHttpUrl = (s: string): boolean => /^https?:\/\//i.test(s);

const fileSchema = z.object({
  /** Path relative to the model folder (or base URL), POSIX separators. */
  name: z.string().min(1).refine((n) => !n.split('/').includes('..') && !isAbsolute(n), 'a path inside the model folder'),
  role: z.enum(['topology', 'weights', 'classes', 'license', 'provenance', 'metadata']),
  bytes: z.number().int().nonnegative(),
  sha256,
  /** Optional download location of this one file; otherwise it is `<model path>/<name>`. */
  url: httpUrl.optional(),
});

const inputSchema = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  colorSpace: z.enum(['rgb', 'grayscale']),
  /** The layout of the model's own input. tfjs models take NHWC; an ONNX model may take NCHW (a Transpose is put in front). */
  layout: z.enum(['NHWC', 'NCHW']),
  dtype: z.literal('float32'),
  range: z.tuple([z.number(), z.number()]),
  scale: z.number(),
  offset: z.number(),
  mean: z.array(z.number()).nullable().optional(),
  std: z.array(z.number()).nullable().optional(),
  grayscale: z.string().nullable().optional(),
  invert: z.boolean().optional(),
  binarize: z.literal('floor').nullable().optional(),
  resizeMode: z.enum(['stretch', 'center-crop']),
  resizeMethod: z.literal('bilinear'),
  alignCorners: z.boolean(),
  resize: z.string().optional(),
  preprocessing: z.string().optional(),
});

const pooling = z.enum(['none', 'global_average']);

const logitsSchema = z.object({
  layer: z.string().min(1),
  numClasses: z.number().int().positive(),
  outputIsProbability: z.boolean(),
  activation: z.string().optional(),
  classesFile: z.string().min(1),
  classIdsFile: z.string().min(1).optional(),
  probabilityNode: z.string().min(1).optional(),
  classOrder: z.string().optional(),
});

const modelSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" or "-"'),
    displayName: z.string().min(1),
    family: z.string().optional(),
    architecture: z.string().optional(),
    params: z.number().int().nonnegative(),
    /** ImageNet-1k validation top-1 accuracy as a fraction, when the model has one (the `imagenet_top1` static baseline). */
    imagenetTop1: z.number().min(0).max(1).optional(),
    weightsDtype: z.array(z.string()).optional(),
    format: z.enum(['tfjs-layers', 'tfjs-graph', 'onnx']),
    /** ONNX only: the graph input the images feed (tfjs models have one input, found by the loader). */
    inputName: z.string().min(1).optional(),
    /** Model folder relative to the folder of zoo.json, an absolute path, or an http(s) base URL. */
    path: z.string().min(1),
    modelFile: z.string().min(1).default('model.json'),
    files: z.array(fileSchema).min(2),
    totalBytes: z.number().int().nonnegative().optional(),
    weightDataSha256: sha256.optional(),
    input: inputSchema,
    featureLayer: z.string().min(1),
    featurePooling: pooling,
    featureLayerOutputShape: z.array(z.number().int().nullable()).min(2),
    featureDim: z.number().int().positive(),
    featureNotes: z.string().optional(),
    extraFeatureLayers: z
      .array(z.object({ layer: z.string().min(1), pooling, dim: z.number().int().positive(), description: z.string().optional() }))
      .default([]),
    logits: logitsSchema.nullable(),
    source: z.looseObject({ dataset: z.string(), domain: z.string().optional(), task: z.string().optional() }),
    trainable: z.string().optional(),
    provenance: z.looseObject({ kind: z.string().min(1), modified: z.boolean().optional() }),
    license: z.object({ spdx: z.string().min(1), file: z.string().min(1), notes: z.string().optional() }),
    warnings: z.array(z.string()).optional(),
  })
  .superRefine((m, ctx) => {
    const names = new Set<string>();
    for (const f of m.files) {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['files'], message: `file ${f.name} is listed twice` });
      names.add(f.name);
    }
    const topology = m.files.filter((f) => f.role === 'topology');
    if (topology.length !== 1 || topology[0].name !== m.modelFile) {
      ctx.addIssue({ code: 'custom', path: ['files'], message: `exactly one file with role "topology" named ${m.modelFile} is required` });
    }
    const onnx = m.format === 'onnx';
    // An ONNX file holds its weights; tfjs topologies list them in separate files.
    if (!onnx && !m.files.some((f) => f.role === 'weights')) {
      ctx.addIssue({ code: 'custom', path: ['files'], message: 'at least one file with role "weights" is required' });
    }
    if (onnx && m.files.some((f) => f.role === 'weights')) {
      ctx.addIssue({ code: 'custom', path: ['files'], message: 'an ONNX model is one file (role "topology"); external weight files are not supported' });
    }
    if (onnx !== (m.inputName !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['inputName'], message: onnx ? 'an ONNX model needs inputName (the graph input the images feed)' : 'inputName applies only to format "onnx"' });
    }
    if (!onnx && m.input.layout !== 'NHWC') {
      ctx.addIssue({ code: 'custom', path: ['input', 'layout'], message: `tfjs models take NHWC input, got ${m.input.layout}` });
    }
    // The tap's declared shape must agree with featureDim, otherwise featureDim cannot be trusted.
    // ONNX tensors are channels-first (NCHW), the layout of ONNX's convolution and pooling operators.
    const shape = m.featureLayerOutputShape;
    const rankOk = m.featurePooling === 'none' ? shape.length === 2 : shape.length === 4;
    const channelAxis = onnx && shape.length === 4 ? 1 : shape.length - 1;
    if (!rankOk || shape[channelAxis] !== m.featureDim) {
      ctx.addIssue({
        code: 'custom',
        path: ['featureLayerOutputShape'],
        message: `featurePooling "${m.featurePooling}" needs a rank-${m.featurePooling === 'none' ? 2 : 4} shape with featureDim ${m.featureDim} on the ${channelAxis === 1 ? 'channel axis (1, NCHW)' : 'last axis'}, got [${shape.join(', ')}]`,
      });
    }
    if (m.input.channels !== (m.input.colorSpace === 'rgb' ? 3 : 1)) {
      ctx.addIssue({ code: 'custom', path: ['input', 'channels'], message: `colorSpace ${m.input.colorSpace} does not match ${m.input.channels} channels` });
    }
    if (m.logits && !names.has(m.logits.classesFile)) {
      ctx.addIssue({ code: 'custom', path: ['logits', 'classesFile'], message: `${m.logits.classesFile} is not listed in files` });
    }
  });

const zooSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().optional(),
    description: z.string().optional(),
    models: z.array(modelSchema).min(1),
  })
  .superRefine((zoo, ctx) => {
    const seen = new Set<string>();
    zoo.models.forEach((m, i) => {
      if (seen.has(m.id)) ctx.addIssue({ code: 'custom', path: ['models', i, 'id'], message: `duplicate model id ${m.id}` });
      seen.add(m.id);
    });
  });

type RawModel = z.infer<typeof modelSchema>;
type RawFile = z.infer<typeof fileSchema>;

/** Preprocessing a model expects, exactly as zoo.json states it (`normalized = pixel * scale + offset`). */
export type ZooInputSpec = z.infer<typeof inputSchema>;
/** The source classifier head: which layer/node, how many classes, logits or probabilities. */
export type ZooLogitsSpec = z.infer<typeof logitsSchema>;
export type ZooFileRole = RawFile['role'];

/** Where one model file comes from: a file on this machine or an http(s) URL (downloaded into a cache). */
export type ZooFileLocation = { kind: 'file'; path: string } | { kind: 'url'; url: string };

/** One file of a model with its expected size and sha256 and its resolved location. */
export interface ZooModelFile {
  name: string;
  role: ZooFileRole;
  bytes: number;
  sha256: string;
  location: ZooFileLocation;
}

/** A validated zoo entry with every location resolved and its provenance hashes. */
export interface ZooModel extends Omit<RawModel, 'files'> {
  files: ZooModelFile[];
  /**
   * sha256 over the sha256 of the files that define the computation (topology and weights), as
   * `name:sha256\n` lines sorted by name; for an ONNX model, the sha256 of its .onnx file (graph and
   * weights in one). Licence or provenance edits do not change it; any change of a weight byte or of the graph does.
   */
  weightsHash: string;
  /** sha256 of this entry's canonical JSON (keys sorted), so any manifest change shows in provenance. */
  entryHash: string;
}

/** The parsed zoo manifest. */
export interface ZooManifest {
  /** Absolute path of zoo.json. */
  manifestPath: string;
  /** sha256 of zoo.json as read. */
  manifestSha256: string;
  name: string | undefined;
  models: ZooModel[];
}

/** Options of {@link loadZooManifest}. */
export interface ZooOptions {
  /** The zoo folder (holding zoo.json) or the path of the manifest itself. The caller owns configuration (TRANSFERSCOPE_ZOO). */
  zoo: string;
}

function joinUrl(base: string, name: string): string {
  return new URL(name, base.endsWith('/') ? base : `${base}/`).toString();
}

function resolveFile(f: RawFile, modelBase: string): ZooModelFile {
  let location: ZooFileLocation;
  if (f.url) location = { kind: 'url', url: f.url };
  else if (isHttpUrl(modelBase)) location = { kind: 'url', url: joinUrl(modelBase, f.name) };
  else location = { kind: 'file', path: join(modelBase, ...f.name.split('/')) };
  return { name: f.name, role: f.role, bytes: f.bytes, sha256: f.sha256, location };
}

/** See {@link ZooModel.weightsHash}. */
export function computeWeightsHash(files: readonly { name: string; role: ZooFileRole; sha256: string }[]): string {
  const lines = files
    .filter((f) => f.role === 'topology' || f.role === 'weights')
    .map((f) => `${f.name}:${f.sha256}\n`)
    .sort();
  return sha256Hex(lines.join(''));
}

/**
 * Validates a parsed zoo.json and resolves every model's file locations against `baseDir` (the folder
 * of zoo.json). Throws `ModelError('ZOO_MANIFEST_INVALID')` listing every problem found.
 */
export function parseZooManifest(json: unknown, baseDir: string, manifestPath = join(baseDir, 'zoo.json'), manifestSha256 = sha256Hex(canonicalJson(json))): ZooManifest {
  const parsed = zooSchema.safeParse(json);
  if (!parsed.success) {
    throw new ModelError('ZOO_MANIFEST_INVALID', `invalid zoo manifest ${manifestPath}:\n${z.prettifyError(parsed.error)}`);
  }
  const models = parsed.data.models.map((m): ZooModel => {
    const base = isHttpUrl(m.path) ? m.path : isAbsolute(m.path) ? m.path : resolve(baseDir, m.path);
    const files = m.files.map((f) => resolveFile(f, base));
    const weightsHash = m.format === 'onnx' ? files.find((f) => f.role === 'topology')!.sha256 : computeWeightsHash(files);
    return { ...m, path: base, files, weightsHash, entryHash: sha256Hex(canonicalJson(m)) };
  });
  return { manifestPath, manifestSha256, name: parsed.data.name, models };
}

/** Reads and validates zoo.json from the folder (or file) named in `options.zoo`. */
export async function loadZooManifest(options: ZooOptions): Promise<ZooManifest> {
  const given = resolve(options.zoo);
  let manifestPath = given;
  try {
    if ((await stat(given)).isDirectory()) manifestPath = join(given, 'zoo.json');
  } catch (e) {
    throw new ModelError('ZOO_NOT_FOUND', `model zoo not found: ${given} does not exist (set TRANSFERSCOPE_ZOO to the folder holding zoo.json)`, { cause: e });
  }
  let text: Buffer;
  try {
    text = await readFile(manifestPath);
  } catch (e) {
    throw new ModelError('ZOO_NOT_FOUND', `model zoo manifest not found: ${manifestPath}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch (e) {
    throw new ModelError('ZOO_MANIFEST_INVALID', `zoo manifest ${manifestPath} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseZooManifest(json, dirname(manifestPath), manifestPath, sha256Hex(text));
}

/** The entry with this id, or `ModelError('MODEL_NOT_FOUND')` naming the ids that exist. */
export function findZooModel(zoo: ZooManifest, id: string): ZooModel {
  const m = zoo.models.find((x) => x.id === id);
  if (!m) throw new ModelError('MODEL_NOT_FOUND', `unknown model "${id}" in ${zoo.manifestPath}; known: ${zoo.models.map((x) => x.id).join(', ')}`);
  return m;
}
