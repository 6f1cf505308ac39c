/** Why an input cannot be scored. String codes so callers (CLI, API) can map them without parsing messages. */
export type MetricInputErrorCode =
  | 'shape_mismatch'
  | 'non_finite'
  | 'too_few_samples'
  | 'label_not_integer'
  | 'label_out_of_range'
  | 'label_gap'
  | 'single_class'
  | 'probability_out_of_range'
  | 'probability_row_sum'
  | 'too_few_dimensions'
  | 'metadata_out_of_range'
  | 'metadata_missing';

export class MetricInputError extends Error {
  override readonly name = 'MetricInputError';
  constructor(
    readonly code: MetricInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}
