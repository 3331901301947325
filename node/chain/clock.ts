// The time a new transaction's deadline counts from. A dev chain's latest block can be
// minutes old when idle (its next block then jumps to the wall clock), and a chain moved
// forward by evm_increaseTime leads the wall clock: the later of the two is never in the past.
import type { Provider } from "ethers";
import { withRetry } from "./retry";

/** max(latest block's timestamp, wall clock), in unix seconds. */
export async function chainNow(provider: Provider): Promise<number> {
  const latest = await withRetry(() => provider.getBlock("latest"));
  return Math.max(latest?.timestamp ?? 0, Math.floor(Date.now() / 1000));
}
