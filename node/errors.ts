// One error base for everything the node reports to users: a short message that names the
// problem, a stable code for machines, and the cause kept for --verbose. Programming errors
// (a caller breaking a function's contract) stay RangeError / TypeError: they are bugs.
export type RefereeErrorCode =
  | "ONNX_MALFORMED"
  | "ONNX_UNSUPPORTED_OPS"
  | "ONNX_INVALID"
  | "SHAPE"
  | "INPUT"
  | "USAGE"
  | "CHAIN"
  | "WITNESS"
  | "INTERNAL";

export class RefereeError extends Error {
  readonly code: RefereeErrorCode;
  override readonly cause?: unknown;

  constructor(code: RefereeErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = "RefereeError";
    this.code = code;
    this.cause = cause;
  }
}

/** Raised when a model uses ops the compiler cannot lower; lists every one of them. */
export class UnsupportedOpsError extends RefereeError {
  readonly ops: string[];
  constructor(ops: string[], detail?: string) {
    super(
      "ONNX_UNSUPPORTED_OPS",
      `unsupported ONNX op${ops.length === 1 ? "" : "s"}: ${ops.join(", ")}${detail ? ` (${detail})` : ""}`,
    );
    this.ops = ops;
  }
}
