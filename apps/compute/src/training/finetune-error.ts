/** Why fine-tuning cannot start or a batch cannot be used. */
export type FinetuneErrorCode =
  /** The tfjs backend lacks the gradient kernels of a CNN (wasm). */
  | 'BACKEND_CANNOT_TRAIN'
  /** A tfjs graph model (frozen TensorFlow graph): tfjs cannot differentiate or update its weights. */
  | 'GRAPH_MODEL'
  /** The feature layer or the layer to freeze through is not in the model. */
  | 'LAYER_NOT_FOUND'
  /** A layer draws random numbers that cannot be seeded (GaussianNoise, GaussianDropout, AlphaDropout). */
  | 'UNSEEDABLE_LAYER'
  /** A batch whose shape or labels do not fit the network. */
  | 'BAD_BATCH'
  /** A split with no images. */
  | 'EMPTY';

/** A typed error of the `finetune` protocol; `code` is stable, `message` says what to change. */
export class FinetuneError extends Error {
  readonly code: FinetuneErrorCode;

  constructor(code: FinetuneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FinetuneError';
    this.code = code;
  }
}
