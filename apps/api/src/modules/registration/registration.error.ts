/** Codes of the definition writes (`registerDataset`, `registerModel`); each message names the field and the rule. */
export type RegistrationErrorCode =
  /** A dataset name or model id outside letters, digits and `_ . + -` (at most 128 characters). */
  | 'INVALID_NAME'
  /** `numClasses` below 2, class names empty or repeated, or a count that disagrees with the names. */
  | 'INVALID_CLASSES'
  /** An OOD dataset without an ID partner, an ID dataset with one, or a partner that is unknown, OOD, or itself. */
  | 'INVALID_PARTNER'
  /** A model field outside its domain: parameter count, ImageNet top-1, weights hash, metadata size. */
  | 'INVALID_MODEL_FIELD'
  /** A text field over its length limit, or a manifest hash that is not a sha256. */
  | 'INVALID_FIELD'
  /** The change would contradict stored results or other definitions (class count of a dataset with results, an ID partner made OOD). */
  | 'CONFLICTS_WITH_STORED';

export class RegistrationError extends Error {
  constructor(
    readonly code: RegistrationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistrationError';
  }
}
