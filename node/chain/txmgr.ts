// Publishing one transaction until it is mined, as op-challenger's transaction manager
// (optimism op-service/txmgr) does: send with the node's suggested fees; when it is not mined
// within `resubmitAfterMs`, send the same nonce again with fees bumped by at least the
// replacement rule's 10% (or to what the chain now asks, if more); stop at a fee cap with a
// clear error instead of paying without bound. Every replacement is logged.
import { Provider, formatUnits } from "ethers";
import { ChainError } from "./errors";

/** EIP-7825's per-transaction gas cap (Osaka): no transaction may use more. */
export const TX_GAS_CAP = 16_777_216n;

/** A node refuses a replacement whose fees are not at least this much higher (geth, Hardhat). */
export const REPLACEMENT_BUMP_PERCENT = 10n;

/** A field set the txmgr logs through (the agents' Log, structurally). */
export type TxLog = (message: string, fields?: Record<string, string | number | boolean | null | undefined>) => void;

export interface TxManagerOptions {
  /** Send the same nonce again with bumped fees when not mined after this long (default 48 s, op-txmgr's). */
  resubmitAfterMs: number;
  /** Give up waiting for a transaction (all its replacements) after this long (default 120 s). */
  timeoutMs: number;
  /** The most maxFeePerGas (or gasPrice) any transaction may offer, in wei; null: no cap. */
  maxFeePerGas: bigint | null;
  /** Fee bump of each replacement, percent (at least REPLACEMENT_BUMP_PERCENT). */
  bumpPercent: bigint;
  /** Where replacements and fee clamps are reported; absent: nowhere. */
  log?: TxLog;
}

export const TXMGR_DEFAULTS: TxManagerOptions = {
  resubmitAfterMs: 48_000,
  timeoutMs: 120_000,
  maxFeePerGas: null,
  bumpPercent: REPLACEMENT_BUMP_PERCENT,
};

/** The fees of one transaction: EIP-1559 (both set) or legacy (gasPrice). */
export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

export function gwei(wei: bigint): string {
  return formatUnits(wei, "gwei");
}

/** The fee a transaction offers per gas at most: what the cap bounds. */
export function feeCeiling(f: Fees): bigint {
  return "gasPrice" in f ? f.gasPrice : f.maxFeePerGas;
}

/** The node's suggested fees now (ethers: 2 × base fee + tip on an EIP-1559 chain). */
export async function suggestedFees(provider: Provider): Promise<Fees> {
  const d = await provider.getFeeData();
  if (d.maxFeePerGas !== null && d.maxPriorityFeePerGas !== null)
    return { maxFeePerGas: d.maxFeePerGas, maxPriorityFeePerGas: d.maxPriorityFeePerGas };
  if (d.gasPrice !== null) return { gasPrice: d.gasPrice };
  throw new ChainError("the node suggests no fees (eth_gasPrice and the base fee both missing)", null, [], null);
}

/** `x` raised by `percent`, rounded up (so a replacement is never a wei short of the rule). */
function raise(x: bigint, percent: bigint): bigint {
  return (x * (100n + percent) + 99n) / 100n;
}

/** The first fees, clamped to the cap (a transaction at the cap is mined once the base fee allows). */
export function initialFees(suggested: Fees, cap: bigint | null): Fees {
  if (cap === null || feeCeiling(suggested) <= cap) return suggested;
  if ("gasPrice" in suggested) return { gasPrice: cap };
  return {
    maxFeePerGas: cap,
    maxPriorityFeePerGas: suggested.maxPriorityFeePerGas < cap ? suggested.maxPriorityFeePerGas : cap,
  };
}

/**
 * The fees of a replacement of a transaction sent at `old`: each field at least `percent` more
 * (the replacement rule), and at least what the node now suggests (a base fee that rose past
 * the old offer needs more than 10%). Capped at `cap`; null when even the minimal bump would
 * exceed it.
 */
export function bumpedFees(old: Fees, now: Fees, percent: bigint, cap: bigint | null): Fees | null {
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  if ("gasPrice" in old) {
    const least = raise(old.gasPrice, percent);
    if (cap !== null && least > cap) return null;
    const want = max(least, feeCeiling(now));
    return { gasPrice: cap === null ? want : min(want, cap) };
  }
  const nowTip = "gasPrice" in now ? now.gasPrice : now.maxPriorityFeePerGas;
  const nowFee = feeCeiling(now);
  const leastTip = raise(old.maxPriorityFeePerGas, percent);
  const leastFee = raise(old.maxFeePerGas, percent);
  if (cap !== null && (leastFee > cap || leastTip > cap)) return null;
  let tip = max(leastTip, nowTip);
  let fee = max(max(leastFee, nowFee), tip);
  if (cap !== null) {
    fee = min(fee, cap);
    tip = min(tip, fee);
  }
  return { maxFeePerGas: fee, maxPriorityFeePerGas: tip };
}

/** A stuck transaction whose next replacement would offer more than the fee cap. */
export class FeeCapReached extends ChainError {
  constructor(message: string) {
    super(message, null, [], null);
    this.name = "FeeCapReached";
  }
}

/** How fees read in a log line. */
export function describeFees(f: Fees): string {
  return "gasPrice" in f
    ? `gasPrice ${gwei(f.gasPrice)} gwei`
    : `maxFeePerGas ${gwei(f.maxFeePerGas)} gwei, tip ${gwei(f.maxPriorityFeePerGas)} gwei`;
}

/** Whether a node's refusal of a replacement means one of our transactions with this nonce is already mined. */
export function nonceAlreadyUsed(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  const text = `${typeof code === "string" ? code : ""} ${e instanceof Error ? e.message : String(e)}`.toLowerCase();
  return text.includes("nonce_expired") || text.includes("nonce too low") || text.includes("already been used");
}
