/** What went wrong converting, editing, verifying or running an ONNX model. */
export type OnnxErrorCode =
  | 'UNSUPPORTED_LAYER'
  | 'UNSUPPORTED_CONFIG'
  | 'UNSUPPORTED_ONNX_FIELDS'
  | 'VALUE_NOT_FOUND'
  | 'VERIFICATION_FAILED'
  | 'ORT_UNAVAILABLE'
  | 'ORT_RUN_FAILED'
  | 'SYNC_FORWARD_UNSUPPORTED';

/** A typed error of the ONNX layer; `code` is stable, `message` is for people. */
export class OnnxError extends Error {
  readonly code: OnnxErrorCode;

  constructor(code: OnnxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxError';
    this.code = code;
  }
}
