// The protocol's status enums as the contracts number them (ICoordinator.RequestStatus,
// ClaimStatus, CallbackStatus; IDisputeGame.GameStatus), with their names for display.
export const RequestStatus = { None: 0n, Open: 1n, Claimed: 2n, Finalized: 3n, Refunded: 4n } as const;
export const ClaimStatus = { None: 0n, Pending: 1n, Rejected: 2n, Finalized: 3n } as const;
export const CallbackStatus = { None: 0n, NotRequested: 1n, Delivered: 2n, Failed: 3n } as const;
export const GameStatus = {
  None: 0n,
  AwaitingDissection: 1n,
  AwaitingChoice: 2n,
  AwaitingStep: 3n,
  ChallengerWon: 4n,
  ClaimerWon: 5n,
  Aborted: 6n,
} as const;

/** The name of `value` in one of the enums above ("Unknown(n)" for a value it lacks). */
export function statusName(e: Readonly<Record<string, bigint>>, value: bigint | number): string {
  const v = BigInt(value);
  return Object.keys(e).find((k) => e[k] === v) ?? `Unknown(${v})`;
}
