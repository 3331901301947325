// RPC calls retried with exponential backoff on transient errors (network, server, timeout).
// Only for reads and for sends that are safe to repeat: a revert is never retried.
import { isError } from "ethers";

export interface RetryOptions {
  retries: number;
  baseMs: number;
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const RETRY_DEFAULTS: RetryOptions = { retries: 5, baseMs: 200, maxMs: 5_000 };

/** A transient failure of the connection, not of the call. */
export function isTransient(e: unknown): boolean {
  if (isError(e, "NETWORK_ERROR") || isError(e, "SERVER_ERROR") || isError(e, "TIMEOUT")) return true;
  const code = (e as { code?: unknown })?.code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT";
}

export async function withRetry<T>(f: () => Promise<T>, o: Partial<RetryOptions> = {}): Promise<T> {
  const { retries, baseMs, maxMs, sleep } = { ...RETRY_DEFAULTS, ...o };
  const wait = sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (attempt >= retries || !isTransient(e)) throw e;
      await wait(Math.min(maxMs, baseMs * 2 ** attempt));
    }
  }
}
