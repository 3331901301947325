// An upper bound on the gas of one claim (commitClaim, then claim: §5.2), for an operator
// pricing a request before it sends anything. The reveal cannot be dry-run before its
// commitment is mined a block earlier, so it is bounded by formula and the operator replaces
// the bound by what its claims really used once it has made one.

/**
 * commitClaim: one commitment written (two fresh slots) plus intrinsic gas; measured 70,825 on
 * the in-process Hardhat chain (test/agents-finalize.test.ts asserts the bound holds).
 */
export const COMMIT_GAS_BOUND = 90_000n;

/**
 * claim (the reveal) outside its output: the commitment opened and deleted, the claim record
 * written, the request marked claimed, Staking.lock (a cold external call); measured 137,953
 * with hello_deepa's 4-byte output. The rest is headroom for colder Staking slots.
 */
export const REVEAL_OVERHEAD_GAS = 180_000n;

/**
 * Per 32-byte word of output: calldata at EIP-7623's floor (40 per byte, 1,280), the Claimed
 * event's data (8 per byte, 256), hashing and copying (< 64).
 */
export const REVEAL_GAS_PER_OUTPUT_WORD = 1_600n;

/** COMMIT_GAS_BOUND + REVEAL_OVERHEAD_GAS + words(output) × REVEAL_GAS_PER_OUTPUT_WORD. */
export function claimGasBound(outputBytes: number): bigint {
  if (outputBytes < 0) throw new RangeError("claimGasBound: negative output size");
  const words = BigInt(Math.ceil(outputBytes / 32));
  return COMMIT_GAS_BOUND + REVEAL_OVERHEAD_GAS + words * REVEAL_GAS_PER_OUTPUT_WORD;
}
