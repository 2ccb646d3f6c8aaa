/**
 * Typed errors of the model layer. Each carries a machine-readable `code` and a message that
 * names the offending value (file, field, shape), so callers can report a status instead of
 * crashing and users can see what to fix.
 */

/** What went wrong while loading or running a world model. */
export type ModelErrorCode =
  | 'MANIFEST_NOT_FOUND'
  | 'MANIFEST_INVALID'
  /** The model folder has no manifest of the requested precision. */
  | 'PRECISION_MISSING'
  | 'FILE_MISSING'
  | 'FILE_INVALID'
  | 'SHAPE_MISMATCH'
  | 'PROVIDER_UNAVAILABLE'
  | 'INPUT_INVALID'
  | 'WORKER_FAILED'
  | 'WORKER_TIMEOUT'
  | 'CLOSED';

/** An error loading, validating or running a world model. */
export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelError';
  }
}

/** What was wrong with an image. */
export type ImageErrorCode = 'UNKNOWN_ENCODING' | 'BAD_BUFFER' | 'BAD_SIZE' | 'DECODE_FAILED';

/** An error decoding or preprocessing an image. */
export class ImageError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageError';
  }
}
