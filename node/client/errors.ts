// Why waiting for a request's verified result ended without one.
import { RefereeError } from "../errors";

export type WaitFailure =
  /** The fee went back to the requester: no claim stood before the deadline. */
  | "refunded"
  /** The first game found a NaN in the input (§5.1): the request was refunded, no result. */
  | "voided"
  /** The deadline passed with no claim standing: nobody can claim it any more; refund(id) returns the fee. */
  | "expired"
  | "timeout"
  | "aborted";

export class RequestWaitError extends RefereeError {
  constructor(
    readonly requestId: bigint,
    readonly reason: WaitFailure,
    message: string,
    cause?: unknown,
  ) {
    super("CHAIN", message, cause);
    this.name = "RequestWaitError";
  }
}
