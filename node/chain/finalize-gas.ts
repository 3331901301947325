// The gas limit to send `finalize` (and `retryCallback`) with, from the request's callback gas
// limit: a fixed formula instead of eth_estimateGas. Estimating the outer transaction is
// unreliable when the consumer's callback reverts or burns its gas (Hardhat's estimator answers
// above the 2^24 transaction gas cap, a geth-style node "missing revert data"), and a limit too
// tight for the callback is a named revert (Coordinator_InsufficientGasForCallback), never a
// silently short callback, so a fixed upper bound is both safe and exact enough.

/**
 * Gas `finalize` spends outside the callback, bounded from above: measured 99,197 (no consumer,
 * first finalize of a deployment: cold Staking and escrow slots) and 79,146 + the callback's
 * gas (a consumer that burns all of it), hello_deepa's 4-byte output, on the in-process
 * Hardhat chain (test/agents-finalize.test.ts asserts the bound holds). The rest is headroom
 * for a colder Staking or a token hook that costs more.
 */
export const FINALIZE_OVERHEAD_GAS = 150_000n;

/**
 * Per 32-byte word of claimed output: finalize takes it as calldata (at most 40 gas per byte
 * under EIP-7623's floor, 1,280), hashes it against the claim and copies it into the
 * callback's calldata (memory and copy costs, < 500); the rest is headroom.
 */
export const FINALIZE_GAS_PER_OUTPUT_WORD = 2_600n;

/**
 * The Coordinator's CALLBACK_GAS_MARGIN (contracts/Coordinator.sol): what `_deliver` keeps on
 * top of the callback's share for the CALL itself and the bookkeeping after it. A test reads
 * the contract's constant and compares.
 */
export const CALLBACK_GAS_MARGIN = 30_000n;

/**
 * limit = FINALIZE_OVERHEAD_GAS + words(output) × FINALIZE_GAS_PER_OUTPUT_WORD
 *       + callbackGasLimit + ⌈callbackGasLimit / 63⌉ + CALLBACK_GAS_MARGIN
 *
 * Why each term: `_deliver` refuses to call unless gasleft() ≥ callbackGasLimit +
 * callbackGasLimit/63 + CALLBACK_GAS_MARGIN, because EIP-150 lets a CALL forward at most 63/64
 * of the gas left (the "1/64 rule"): to hand the consumer its whole limit, the caller must hold
 * 64/63 of it, plus what the CALL and the status write after it cost. Everything finalize spends
 * before that check (intrinsic gas, calldata, the status writes, Staking.unlock, reading the
 * output) is the overhead terms. Gas not used is not paid for: an over-estimate costs nothing.
 * A finalize that first settles timed-out games (the claim has open games) costs ~30k more per
 * game (test/protocol-exploits-settle.test.ts); the operator finalizes only claims with none.
 */
export function finalizeGasLimit(callbackGasLimit: bigint, outputBytes: number): bigint {
  if (callbackGasLimit < 0n || outputBytes < 0) throw new RangeError("finalizeGasLimit: negative input");
  const words = BigInt(Math.ceil(outputBytes / 32));
  const forwarded = callbackGasLimit + (callbackGasLimit + 62n) / 63n + CALLBACK_GAS_MARGIN;
  return FINALIZE_OVERHEAD_GAS + words * FINALIZE_GAS_PER_OUTPUT_WORD + forwarded;
}
