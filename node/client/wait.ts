// Following one request to its verified result from the coordinator's logs: every event of
// the request carries its id as the first indexed topic, so one eth_getLogs per new block
// range sees all of them (the claim with its output bytes, a rejection and reopening, the
// finalization with the callback's outcome, a refund). Nothing is read from contract state:
// a request already settled long ago resolves from its logs the same way.
import {
  type Interface,
  type Log,
  type LogDescription,
  type Provider,
  ZeroAddress,
  toBeHex,
  zeroPadValue,
} from "ethers";
import type { Coordinator } from "../../typechain-types";
import { ChainError } from "../chain/errors";
import { REORG_OVERLAP_BLOCKS, latestLogs, logsInRange } from "../chain/logs";
import { withRetry } from "../chain/retry";
import { RefereeError } from "../errors";
import { callbackFailureReason } from "./callback";
import { RequestWaitError } from "./errors";
import { type OutputTensor, decodeOutputs } from "./outputs";
import type { ModelSpec } from "./spec";

/** A claim seen on the request: provisional until its window closes with no game against it. */
export interface ClaimSeen {
  requestId: bigint;
  claimId: bigint;
  operator: string;
  /** The claimed output bytes (0x-hex), checked against the claim's hash. */
  output: string;
  /** Unix time (s) the claim's challenge window closes: it becomes final then unless a game is open against it. */
  challengeDeadline: number;
}

export type CallbackOutcome =
  | { status: "NotRequested" }
  | { status: "Delivered"; consumer: string }
  | { status: "Failed"; consumer: string; reason: string };

export interface VerifiedResult {
  requestId: bigint;
  modelId: string;
  claimId: bigint;
  operator: string;
  /** The output bytes (§5.2), as the consumer received them. */
  output: string;
  /** The output decoded, one typed array per model output. */
  outputs: OutputTensor[];
  /** Unix time (s) the final claim's challenge window closed: from then on it could be finalized. */
  finalFrom: number;
  /** Unix time (s) of the block that finalized it. */
  finalizedAt: number;
  finalizeTx: string;
  /** The callback's outcome at finalization (a failed one may be retried later with retryCallback). */
  callback: CallbackOutcome;
}

export interface WaitOptions {
  /** Give up after this many milliseconds (RequestWaitError "timeout"); default: wait as long as it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Pause between reads of new blocks, ms (default 1000). */
  pollMs?: number;
  /** Called for every claim made on the request, when first seen. */
  onClaim?: (claim: ClaimSeen) => void;
}

export interface WaitContext {
  coordinator: Coordinator;
  coordinatorAddress: string;
  provider: Provider;
  fromBlock: number;
  spec(modelId: string): Promise<ModelSpec>;
  /** Decode a failed callback's custom error against these (the consumer's ABI). */
  callbackInterfaces: readonly Interface[];
}

const REQUEST_EVENTS = [
  "Requested",
  "Claimed",
  "ClaimRejected",
  "RequestReopened",
  "RequestVoided",
  "Finalized",
  "CallbackDelivered",
  "CallbackFailed",
  "Refunded",
] as const;

const iso = (t: number) => new Date(t * 1000).toISOString();

/** A pause that ends early, rejecting, when `signal` aborts (or has aborted while the last read was in flight). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // The signal's reason (an AbortError unless the caller gave one) becomes the cause.
    const reason = () => (signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
    if (signal?.aborted) return reject(reason());
    const onAbort = () => {
      clearTimeout(timer);
      reject(reason());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** What the request's logs have said so far. */
interface Seen {
  modelId: string;
  requester: string;
  consumer: string;
  inputHash: string;
  callbackGasLimit: bigint;
  deadline: number;
  claim: ClaimSeen | null;
  voidedAt: bigint | null;
  finalized: { claimId: bigint; log: Log } | null;
  callback: { delivered: boolean; log: Log } | null;
  refunded: { requester: string; fee: bigint } | null;
}

/** How long a request known to the coordinator may lack its Requested log (a node whose log index lags its state). */
const LOG_LAG_MS = 10_000;

/**
 * The request's Requested event. A provider may answer from a block number cached before the
 * request was mined, so a request the coordinator counts is looked for again for a while.
 */
async function requestedEvent(
  ctx: WaitContext,
  requestId: bigint,
  pollMs: number,
  signal: AbortSignal | undefined,
  aborted: (cause: unknown) => RequestWaitError,
) {
  const c = ctx.coordinator;
  const t0 = Date.now();
  for (;;) {
    const [ev] = await latestLogs(
      ctx.provider,
      (a, b) => c.queryFilter(c.filters.Requested(requestId), a, b),
      ctx.fromBlock,
    );
    if (ev !== undefined) return ev;
    const count = await withRetry(() => c.requestCount());
    if (requestId < 1n || requestId > count)
      throw new RefereeError("USAGE", `no request #${requestId} in this deployment (${count} requests)`);
    if (Date.now() - t0 > LOG_LAG_MS)
      throw new RefereeError(
        "CHAIN",
        `no Requested event for request #${requestId} since block ${ctx.fromBlock}: is the deployment's fromBlock right?`,
      );
    try {
      await sleep(pollMs, signal);
    } catch (e) {
      throw aborted(e);
    }
  }
}

export async function waitForResult(ctx: WaitContext, requestId: bigint, o: WaitOptions = {}): Promise<VerifiedResult> {
  const t0 = Date.now();
  const pollMs = o.pollMs ?? 1000;
  const c = ctx.coordinator;
  const aborted = (cause: unknown) =>
    new RequestWaitError(requestId, "aborted", `waiting for request #${requestId} was aborted`, cause);
  if (o.signal?.aborted) throw aborted(o.signal.reason);

  const requested = await requestedEvent(ctx, requestId, pollMs, o.signal, aborted);
  const r = requested.args;
  const seen: Seen = {
    modelId: r.modelId,
    requester: r.requester,
    consumer: r.consumer,
    inputHash: r.inputHash,
    callbackGasLimit: r.callbackGasLimit,
    deadline: Number(r.deadline),
    claim: null,
    voidedAt: null,
    finalized: null,
    callback: null,
    refunded: null,
  };
  const topics = [REQUEST_EVENTS.map((n) => c.interface.getEvent(n).topicHash), zeroPadValue(toBeHex(requestId), 32)];
  let from = requested.blockNumber + 1;
  // Each pass re-reads the last few blocks (a node's log index may lag its head; a reorg may
  // re-mine an event): events are applied once, by transaction and log index.
  const applied = new Set<string>();
  for (;;) {
    const head = await withRetry(() => ctx.provider.getBlock("latest"));
    if (head === null) throw new RefereeError("CHAIN", "the node returned no latest block");
    if (head.number >= from) {
      const logs = await logsInRange(
        (a, b) => ctx.provider.getLogs({ address: ctx.coordinatorAddress, topics, fromBlock: a, toBlock: b }),
        from,
        head.number,
      );
      for (const log of logs) {
        const key = `${log.transactionHash}:${log.index}`;
        if (applied.has(key)) continue;
        applied.add(key);
        apply(c.interface.parseLog(log), log, seen, requestId, o.onClaim);
      }
      from = Math.max(requested.blockNumber + 1, head.number + 1 - REORG_OVERLAP_BLOCKS);
    }
    if (seen.finalized && (seen.callback || seen.consumer === ZeroAddress)) return result(ctx, requestId, seen);
    if (seen.refunded) {
      if (seen.voidedAt !== null)
        throw new RequestWaitError(
          requestId,
          "voided",
          `request #${requestId} was voided: its input holds a NaN (value ${seen.voidedAt}); the fee ${seen.refunded.fee} was credited back to ${seen.refunded.requester}`,
        );
      throw new RequestWaitError(
        requestId,
        "refunded",
        `request #${requestId} was refunded: no claim stood before its deadline ${iso(seen.deadline)}; the fee ${seen.refunded.fee} was credited back to ${seen.refunded.requester} (withdraw() pulls it)`,
      );
    }
    if (seen.claim === null && head.timestamp > seen.deadline)
      throw new RequestWaitError(
        requestId,
        "expired",
        `request #${requestId} expired at ${iso(seen.deadline)} with no claim standing: refund(${requestId}) returns its fee`,
      );
    if (o.timeoutMs !== undefined && Date.now() - t0 >= o.timeoutMs) {
      const where = seen.claim
        ? `claim #${seen.claim.claimId} pending, its window closes ${iso(seen.claim.challengeDeadline)}`
        : `no claim yet, claims accepted until ${iso(seen.deadline)}`;
      throw new RequestWaitError(
        requestId,
        "timeout",
        `request #${requestId} has no verified result after ${o.timeoutMs / 1000} s (${where})`,
      );
    }
    try {
      await sleep(pollMs, o.signal);
    } catch (e) {
      throw aborted(e);
    }
  }
}

/** Folds one of the request's events into what is known (events arrive in chain order). */
function apply(
  ev: LogDescription | null,
  log: Log,
  seen: Seen,
  requestId: bigint,
  onClaim: WaitOptions["onClaim"],
): void {
  if (ev === null) return;
  const a = ev.args;
  switch (ev.name) {
    case "Claimed": {
      const claim: ClaimSeen = {
        requestId,
        claimId: a.claimId as bigint,
        operator: a.operator as string,
        output: a.output as string,
        challengeDeadline: Number(a.challengeDeadline),
      };
      seen.claim = claim;
      onClaim?.(claim);
      break;
    }
    case "ClaimRejected":
      seen.claim = null;
      break;
    case "RequestReopened":
      seen.deadline = Number(a.deadline);
      break;
    case "RequestVoided":
      seen.voidedAt = a.valueIndex as bigint;
      break;
    case "Finalized":
      seen.finalized = { claimId: a.claimId as bigint, log };
      break;
    case "CallbackDelivered":
    case "CallbackFailed":
      // The outcome at finalization (same transaction): a later retryCallback's is not it.
      if (seen.callback === null && seen.finalized?.log.transactionHash === log.transactionHash)
        seen.callback = { delivered: ev.name === "CallbackDelivered", log };
      break;
    case "Refunded":
      seen.refunded = { requester: a.requester as string, fee: a.fee as bigint };
      break;
  }
}

async function result(ctx: WaitContext, requestId: bigint, seen: Seen): Promise<VerifiedResult> {
  const fin = seen.finalized!;
  const claim = seen.claim;
  if (claim === null || claim.claimId !== fin.claimId)
    throw new ChainError(
      `request #${requestId} finalized claim #${fin.claimId}, whose Claimed event was not seen`,
      null,
      [],
      null,
    );
  const block = await withRetry(() => ctx.provider.getBlock(fin.log.blockNumber));
  const spec = await ctx.spec(seen.modelId);
  let callback: CallbackOutcome = { status: "NotRequested" };
  if (seen.callback?.delivered) callback = { status: "Delivered", consumer: seen.consumer };
  else if (seen.callback)
    callback = {
      status: "Failed",
      consumer: seen.consumer,
      reason: await callbackFailureReason(
        ctx.provider,
        {
          coordinator: ctx.coordinatorAddress,
          consumer: seen.consumer,
          requestId,
          modelId: seen.modelId,
          requester: seen.requester,
          inputHash: seen.inputHash,
          output: claim.output,
          gasLimit: seen.callbackGasLimit,
          blockNumber: seen.callback.log.blockNumber,
        },
        ctx.callbackInterfaces,
      ),
    };
  return {
    requestId,
    modelId: seen.modelId,
    claimId: claim.claimId,
    operator: claim.operator,
    output: claim.output,
    outputs: decodeOutputs(claim.output, spec.outputs),
    finalFrom: claim.challengeDeadline,
    finalizedAt: block!.timestamp,
    finalizeTx: fin.log.transactionHash,
    callback,
  };
}
