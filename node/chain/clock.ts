// The time a new transaction's deadline counts from. An idle dev chain's latest block can be
// minutes old, and Hardhat stamps its next block ahead of the wall clock once it has mined
// faster than a block a second (each block a second after the last; the offset stays), so
// neither the latest block nor the wall clock alone says when the next block will be.
import type { JsonRpcProvider } from "ethers";
import { withRetry } from "./retry";

/** A block's timestamp as the node reports it raw (ethers refuses "pending" blocks: no number). */
async function timestampOf(provider: JsonRpcProvider, tag: "latest" | "pending"): Promise<number | null> {
  const b = (await withRetry(() => provider.send("eth_getBlockByNumber", [tag, false]))) as {
    timestamp?: string;
  } | null;
  return typeof b?.timestamp === "string" ? Number(BigInt(b.timestamp)) : null;
}

/**
 * max(latest block's timestamp, the pending block's, wall clock), in unix seconds: a deadline
 * `chainNow() + ttl` is ttl seconds after the block that will include it, not before.
 */
export async function chainNow(provider: JsonRpcProvider): Promise<number> {
  const [latest, pending] = await Promise.all([
    timestampOf(provider, "latest"),
    // Not every node builds a pending block: then the other two bound it.
    timestampOf(provider, "pending").catch(() => null),
  ]);
  return Math.max(latest ?? 0, pending ?? 0, Math.floor(Date.now() / 1000));
}
