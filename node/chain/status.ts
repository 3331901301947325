// The protocol's status enums (ICoordinator.RequestStatus, ClaimStatus, CallbackStatus;
// IDisputeGame.GameStatus), with their names for display. This file is their source: the
// Solidity enums are generated from it (scripts/gen-solidity.ts, `npm run gen:sol`), so a
// value is numbered here once. A trailing `//` comment on a member is copied to Solidity.
// Ended game statuses are numbered after every live one (`status >= ChallengerWon` = ended),
// which is why protocol v3 put AwaitingReveal at 4 and moved the ends up by one.
export const RequestStatus = {
  None: 0n,
  Open: 1n, // waiting for a claim
  Claimed: 2n, // a claim is pending (in its window or disputed)
  Finalized: 3n, // the claim stood; the operator is paid and the result stored
  Refunded: 4n, // no claim stood before the deadline, or the input held a NaN: the fee went back to the requester
} as const;

export const ClaimStatus = {
  None: 0n,
  Pending: 1n,
  Rejected: 2n,
  Finalized: 3n,
  Voided: 4n, // its request's input held a NaN (found at the first challenge): released, not slashed
} as const;

export const CallbackStatus = {
  None: 0n, // not finalized yet
  NotRequested: 1n, // no consumer
  Delivered: 2n,
  Failed: 3n, // reverted or ran out of gas; retryable
} as const;

export const GameStatus = {
  None: 0n,
  AwaitingDissection: 1n, // the claimer's move: post the split hashes of [lo, hi]
  AwaitingChoice: 2n, // the challenger's move: name a sub-range
  AwaitingStep: 3n, // the challenger's move: prove step lo → hi (hi = lo + 1)
  AwaitingReveal: 4n, // the claimer's move: reveal the claim's halted state (roots, output proofs)
  ChallengerWon: 5n,
  ClaimerWon: 6n,
  Aborted: 7n, // the claim was rejected by another game: the bond went back to the challenger
} as const;

/** The name of `value` in one of the enums above ("Unknown(n)" for a value it lacks). */
export function statusName(e: Readonly<Record<string, bigint>>, value: bigint | number): string {
  const v = BigInt(value);
  return Object.keys(e).find((k) => e[k] === v) ?? `Unknown(${v})`;
}
