// Event logs read in bounded block ranges (public RPCs cap eth_getLogs ranges), and a cursor
// that returns only what is new since the last pass, so an agent's pass costs O(new events)
// instead of a scan of the whole history. A fresh cursor starts at the deployment block: an
// agent restarted with no memory rebuilds its view from the chain on its first pass.
import type { Provider } from "ethers";
import { withRetry } from "./retry";

export const LOG_RANGE_BLOCKS = 10_000;
/** Blocks re-read on every pass: an event re-mined at a height already scanned after a reorg is still seen. */
export const REORG_OVERLAP_BLOCKS = 12;

export type RangeQuery<T> = (fromBlock: number, toBlock: number) => Promise<T[]>;

/** `query` over [from, to] in ranges of at most `range` blocks, each retried on transient errors. */
export async function logsInRange<T>(
  query: RangeQuery<T>,
  from: number,
  to: number,
  range = LOG_RANGE_BLOCKS,
): Promise<T[]> {
  const out: T[] = [];
  for (let a = from; a <= to; a += range) {
    const b = Math.min(to, a + range - 1);
    out.push(...(await withRetry(() => query(a, b))));
  }
  return out;
}

/** All logs of `query` from `from` to the latest block. */
export async function logsSince<T>(provider: Provider, query: RangeQuery<T>, from: number): Promise<T[]> {
  const latest = await withRetry(() => provider.getBlockNumber());
  return logsInRange(query, from, latest);
}

/**
 * The logs of `query` in the most recent block range that has any, scanning back from the
 * latest block towards `lowest`: the latest event of a game or the one event of a request
 * costs one or two range queries, however long the chain's history.
 */
export async function latestLogs<T>(
  provider: Provider,
  query: RangeQuery<T>,
  lowest: number,
  range = LOG_RANGE_BLOCKS,
): Promise<T[]> {
  const latest = await withRetry(() => provider.getBlockNumber());
  for (let b = latest; b >= lowest; b -= range) {
    const a = Math.max(lowest, b - range + 1);
    const logs = await withRetry(() => query(a, b));
    if (logs.length > 0) return logs;
  }
  return [];
}

export class EventCursor<T> {
  /** The last block read; -1 before the first pass. */
  private scannedTo = -1;
  constructor(
    private readonly provider: Provider,
    private readonly query: RangeQuery<T>,
    private readonly fromBlock: number,
  ) {}

  /**
   * Logs in blocks not read before (plus the reorg overlap: callers deduplicate by id), up to
   * `latest` when the caller already knows the chain's head (one read per agent pass, not per cursor).
   */
  async next(latest?: number): Promise<T[]> {
    latest ??= await withRetry(() => this.provider.getBlockNumber());
    const from =
      this.scannedTo < 0 ? this.fromBlock : Math.max(this.fromBlock, this.scannedTo + 1 - REORG_OVERLAP_BLOCKS);
    if (from > latest) return [];
    const logs = await logsInRange(this.query, from, latest);
    this.scannedTo = latest;
    return logs;
  }
}
