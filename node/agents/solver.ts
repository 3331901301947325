// The pure dispute solver: (game state, trace) → next action. No chain access, so it is
// unit-tested without one (test/agents-solver.test.ts); the agents turn actions into
// transactions.

import { GameStatus } from "../chain/status";

/** What the solver needs of a game: read from the chain by the agent. */
export interface GameState {
  /** IDisputeGame.GameStatus, as the chain returns it. */
  status: bigint;
  lo: number;
  hi: number;
  /** The claimer's hash at `hi` (disputed). */
  hiHash: string;
  /** splitPoints(game): lo = points[0] < … < points[m] = hi. */
  points: readonly number[];
  /** The claimer's last dissection (inner split hashes), when status is AwaitingChoice. */
  hashes: readonly string[];
  /** Seconds left on the clock of the party to move (DisputeGame.secondsLeft); absent: unknown. */
  moverSecondsLeft?: number;
  /** The claim is no longer pending (another game rejected it): the game can only be aborted. */
  claimSettled?: boolean;
  /** AwaitingReveal: another game already revealed the claim's halted state (a reveal needs no data). */
  claimRevealed?: boolean;
}

/** Answers "state hash at step s" (clamped to the halted state past N). */
export interface Trace {
  stateAt(s: number): string;
}

export type Role = "claimer" | "challenger";

export type Action =
  /** The claimer reveals its claim's halted state (roots, output proofs): the game then dissects. */
  | { kind: "reveal" }
  | { kind: "dissect"; hashes: string[] }
  | { kind: "choose"; index: number }
  | { kind: "step"; at: number }
  /** The opponent's clock ran out on its move, or the claim was settled elsewhere: end the game. */
  | { kind: "resolve" }
  | { kind: "wait" }
  | { kind: "done" };

/** The first sub-range whose right end the claimer got wrong; its left end is then agreed. */
export function disputedIndex(
  points: readonly number[],
  hashes: readonly string[],
  hiHash: string,
  trace: Trace,
): number {
  const m = points.length - 1;
  for (let j = 0; j < m; j++) {
    const claimed = j < m - 1 ? hashes[j] : hiHash;
    if (claimed.toLowerCase() !== trace.stateAt(points[j + 1]).toLowerCase()) return j;
  }
  return -1;
}

/** Whether the claimer is the party to move in a game of status `status`. */
export function claimerToMove(status: bigint): boolean {
  return status === GameStatus.AwaitingReveal || status === GameStatus.AwaitingDissection;
}

/** Whether a game of status `status` is still being played (somebody has to move). */
export function isLive(status: bigint): boolean {
  return claimerToMove(status) || status === GameStatus.AwaitingChoice || status === GameStatus.AwaitingStep;
}

/** The next action of `role` in `game`, playing from `trace`. */
export function nextMove(role: Role, game: GameState, trace: Trace): Action {
  if (!isLive(game.status)) return { kind: "done" };
  // Another game already rejected the claim: resolve aborts this one and returns the challenger's
  // bond, so the challenger ends it at once instead of playing on or waiting out a clock.
  if (game.claimSettled) return role === "challenger" ? { kind: "resolve" } : { kind: "wait" };
  const ourMove = (role === "claimer") === claimerToMove(game.status);
  if (!ourMove) return game.moverSecondsLeft === 0 ? { kind: "resolve" } : { kind: "wait" };
  // Disputed: the claimer proves the halted state its claim stands for, then dissects (§7.2).
  if (game.status === GameStatus.AwaitingReveal) return { kind: "reveal" };
  if (role === "claimer") {
    return { kind: "dissect", hashes: game.points.slice(1, -1).map((p) => trace.stateAt(p)) };
  }
  if (game.status === GameStatus.AwaitingStep) return { kind: "step", at: game.lo };
  const index = disputedIndex(game.points, game.hashes, game.hiHash, trace);
  // The claimer agrees with us everywhere: nothing to dispute here; let the clock decide.
  if (index < 0) return { kind: "wait" };
  return { kind: "choose", index };
}
