// A request's state as the coordinator stores it, with its enums as names.
import type { Coordinator } from "../../typechain-types";
import { withRetry } from "../chain/retry";
import { CallbackStatus, ClaimStatus, RequestStatus } from "../chain/status";
import { RefereeError } from "../errors";

export type RequestState = Exclude<keyof typeof RequestStatus, "None">;
export type ClaimState = Exclude<keyof typeof ClaimStatus, "None">;
export type CallbackState = keyof typeof CallbackStatus;

/** The name of `value` in `e`; a value the client does not know is a version mismatch, not a state. */
function nameIn<E extends Readonly<Record<string, bigint>>>(e: E, value: bigint, what: string): keyof E & string {
  const name = Object.keys(e).find((k) => e[k] === value);
  if (name === undefined)
    throw new RefereeError("CHAIN", `unknown ${what} ${value}: the contracts are newer than this client`);
  return name;
}

export interface ClaimView {
  claimId: bigint;
  operator: string;
  state: ClaimState;
  outputHash: string;
  /** Unix time (s) the challenge window closes. */
  challengeDeadline: number;
  openGames: number;
}

export interface RequestView {
  requestId: bigint;
  state: RequestState;
  modelId: string;
  requester: string;
  /** The zero address when no callback was asked for. */
  consumer: string;
  callbackGasLimit: number;
  fee: bigint;
  /** Unix time (s) until which claims are accepted (pushed back when a wrong claim is rejected). */
  deadline: number;
  /** Open with no claim standing and the deadline past (by the latest block): nobody can claim it, refund(id) returns the fee. */
  expired: boolean;
  callback: CallbackState;
  /** The pending or final claim; null while there is none. */
  claim: ClaimView | null;
}

export async function requestView(coordinator: Coordinator, requestId: bigint, now: number): Promise<RequestView> {
  const count = await withRetry(() => coordinator.requestCount());
  if (requestId < 1n || requestId > count)
    throw new RefereeError("USAGE", `no request #${requestId} in this deployment (${count} requests)`);
  const r = await withRetry(() => coordinator.getRequest(requestId));
  const state = nameIn(RequestStatus, r.status, "request status") as RequestState;
  let claim: ClaimView | null = null;
  if (r.claimId !== 0n) {
    const c = await withRetry(() => coordinator.getClaim(r.claimId));
    claim = {
      claimId: r.claimId,
      operator: c.operator,
      state: nameIn(ClaimStatus, c.status, "claim status") as ClaimState,
      outputHash: c.outputHash,
      challengeDeadline: Number(c.challengeDeadline),
      openGames: Number(c.openGames),
    };
  }
  return {
    requestId,
    state,
    modelId: r.modelId,
    requester: r.requester,
    consumer: r.consumer,
    callbackGasLimit: Number(r.callbackGasLimit),
    fee: r.fee,
    deadline: Number(r.deadline),
    expired: state === "Open" && now > Number(r.deadline),
    callback: nameIn(CallbackStatus, r.callbackStatus, "callback status"),
    claim,
  };
}
