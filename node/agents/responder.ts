// The responder (op-challenger's): performs the solver's action in a game as the transaction
// it stands for, and logs what was done. The solver decides without a chain; the agent reads
// the game and hands both to the responder, so each of the three does one job.
import { ZeroHash, type TransactionRequest } from "ethers";
import type { Deployment } from "../chain/deploy";
import type { ClaimData } from "../chain/encoding";
import type { RangeQuery } from "../chain/logs";
import { withRetry } from "../chain/retry";
import type { Log } from "./log";
import type { Action, GameState, Trace } from "./solver";

/**
 * One party's run as a game is played from it (op-challenger's TraceProvider): the solver
 * reads state hashes, the responder submits the reveal and one-step proofs. The real run
 * (model-run.ts) and the tests' toy traces implement it.
 */
export interface GameTrace extends Trace {
  /** The one-step proof of step `s` (docs/PROTOCOL.md §6), as DisputeGame.step takes it. */
  proofAt(s: number): string;
  /** The halted state the claimer reveals when its claim is disputed (§5.2): output, roots, output proofs. */
  readonly claim: ClaimData;
}

/** What the responder needs of its agent: the game contract, a sender, the logs, the log. */
export interface ResponderContext {
  readonly name: string;
  readonly game: Deployment["game"];
  /** Sends a transaction and waits for it; resolves to its gas (a revert throws a ChainError). */
  send(populate: () => Promise<TransactionRequest>): Promise<bigint>;
  /** The logs of `query` in the latest block range that has any. */
  latest<T>(query: RangeQuery<T>): Promise<T[]>;
  readonly log: Log;
}

/** A move the solver chose, with what the responder reports about it. */
export interface Move {
  gameId: bigint;
  action: Action;
  /** The game as the solver saw it. */
  state: GameState;
  /** The round this move belongs to (1 for the first dissection). */
  round: number;
  /** How long the solver took to decide, in ms. */
  answerMs: number;
}

/** The empty FinalState a reveal carries when the claim's halted state is already stored. */
const NO_FINAL_STATE = { weightsRoot: ZeroHash, inputsRoot: ZeroHash, activationsRoot: ZeroHash };

export class Responder {
  constructor(private readonly ctx: ResponderContext) {}

  /** Sends the transaction `move.action` stands for ("wait" and "done" send nothing). */
  async respond(move: Move, trace: GameTrace): Promise<void> {
    const { name, game, log } = this.ctx;
    const { gameId, action, state, round } = move;
    const ev = { agent: name, gameId: String(gameId), round };
    switch (action.kind) {
      case "reveal": {
        const c = trace.claim;
        // Stored once per claim: a later game's reveal only points at it, so it sends no data.
        const gas = await this.ctx.send(() =>
          state.claimRevealed
            ? game.reveal.populateTransaction(gameId, "0x", NO_FINAL_STATE, [])
            : game.reveal.populateTransaction(gameId, c.output, c.final, c.proofs),
        );
        log(`${name}: game #${gameId}: reveals the claim's halted state ${c.finalStateHash.slice(0, 10)}…`, {
          event: "revealed",
          ...ev,
          finalStateHash: c.finalStateHash,
          stored: state.claimRevealed === true,
          gas: Number(gas),
        });
        return;
      }
      case "dissect": {
        const gas = await this.ctx.send(() => game.dissect.populateTransaction(gameId, action.hashes));
        const n = action.hashes.length;
        log(
          `round ${round}: ${name} posts ${n} state hash${n === 1 ? "" : "es"} splitting [${state.lo}, ${state.hi}]`,
          {
            event: "dissected",
            ...ev,
            lo: state.lo,
            hi: state.hi,
            hashes: n,
            answerMs: Math.round(move.answerMs * 10) / 10,
            gas: Number(gas),
          },
        );
        return;
      }
      case "choose": {
        const gas = await this.ctx.send(() => game.choose.populateTransaction(gameId, action.index, [...state.hashes]));
        const g = await withRetry(() => game.getGame(gameId));
        log(`round ${round}: ${name} disputes sub-range ${action.index} → [${g.lo}, ${g.hi}]`, {
          event: "chose",
          ...ev,
          index: action.index,
          lo: Number(g.lo),
          hi: Number(g.hi),
          gas: Number(gas),
        });
        return;
      }
      case "resolve": {
        const gas = await this.ctx.send(() => game.resolve.populateTransaction(gameId));
        const why = state.claimSettled
          ? "the claim was settled by another game; aborted"
          : "the opponent's clock ran out; resolved";
        log(`${name}: game #${gameId}: ${why}`, {
          event: "resolved",
          ...ev,
          aborted: state.claimSettled === true,
          gas: Number(gas),
        });
        return;
      }
      case "step": {
        const gas = await this.ctx.send(() => game.step.populateTransaction(gameId, trace.proofAt(action.at)));
        const proven = await this.ctx.latest((a, b) => game.queryFilter(game.filters.StepProven(gameId), a, b));
        const e = proven[proven.length - 1].args;
        log(
          `${name}: one-step proof at step ${action.at}: on-chain step gives ${e.postStateHash.slice(0, 10)}…, claimer said ${e.claimedHash.slice(0, 10)}…`,
          {
            event: "stepped",
            ...ev,
            at: action.at,
            postStateHash: e.postStateHash,
            claimedHash: e.claimedHash,
            gas: Number(gas),
          },
        );
        return;
      }
      case "wait":
      case "done":
        return;
    }
  }
}
