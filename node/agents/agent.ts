// What operator and challenger share: a signer on a deployment, gas accounting, named
// reverts, the game state the solver reads, and the responder turning actions into txs.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { Deployment } from "../chain/deploy";
import { named } from "../chain/errors";
import { withRetry } from "../chain/retry";
import { Action, GameState, Role, Trace, nextMove } from "./solver";

export type Log = (line: string) => void;

export abstract class Agent {
  /** Gas of every transaction this agent sent. */
  gasUsed = 0n;
  /** The longest time the trace took to answer one dissection (all its state hashes), in ms. */
  slowestAnswerMs = 0;
  constructor(
    readonly name: string,
    readonly d: Deployment,
    readonly signer: HardhatEthersSigner,
    protected readonly log: Log,
  ) {}

  get address(): string {
    return this.signer.address;
  }

  /** Sends a transaction, waits for it, counts its gas; reverts come back named. */
  protected async send(send: () => Promise<ContractTransactionResponse>): Promise<bigint> {
    return named(this.d.interfaces, async () => {
      const r = await (await send()).wait();
      this.gasUsed += r!.gasUsed;
      return r!.gasUsed;
    });
  }

  /** The game as the solver sees it, from chain state only (restart safe). */
  async gameState(gameId: bigint): Promise<GameState> {
    const g = await this.d.game.getGame(gameId);
    const status = Number(g.status);
    const live = status >= 1 && status <= 3;
    const points = live ? (await this.d.game.splitPoints(gameId)).map(Number) : [];
    let hashes: string[] = [];
    if (status === 2) {
      const ev = await this.d.game.queryFilter(this.d.game.filters.Dissected(gameId));
      hashes = [...ev[ev.length - 1].args.hashes];
    }
    let moverSecondsLeft: number | undefined;
    if (live) {
      const [claimer, challenger] = await this.d.game.secondsLeft(gameId);
      moverSecondsLeft = Number(status === 1 ? claimer : challenger);
    }
    return { status, lo: Number(g.lo), hi: Number(g.hi), hiHash: g.hiHash, points, hashes, moverSecondsLeft };
  }

  /** One move in game `gameId` if it is ours: the solver decides, the responder sends. */
  async play(role: Role, gameId: bigint, trace: Trace & { proofAt?(s: number): string }): Promise<Action> {
    const state = await withRetry(() => this.gameState(gameId));
    const t0 = performance.now();
    const action = nextMove(role, state, trace);
    const ms = performance.now() - t0;
    if (action.kind === "dissect" && ms > this.slowestAnswerMs) this.slowestAnswerMs = ms;
    const game = this.d.game.connect(this.signer);
    const round = (await this.d.game.getGame(gameId)).round + 1n;
    switch (action.kind) {
      case "dissect":
        await this.send(() => game.dissect(gameId, action.hashes));
        this.log(`round ${round}: ${this.name} posts ${action.hashes.length} state hash${action.hashes.length === 1 ? "" : "es"} splitting [${state.lo}, ${state.hi}]`);
        break;
      case "choose": {
        await this.send(() => game.choose(gameId, action.index, state.hashes as string[]));
        const g = await this.d.game.getGame(gameId);
        this.log(`round ${round}: ${this.name} disputes sub-range ${action.index} → [${g.lo}, ${g.hi}]`);
        break;
      }
      case "resolve":
        await this.send(() => game.resolve(gameId));
        this.log(`${this.name}: the opponent's clock ran out in game #${gameId}; resolved`);
        break;
      case "step": {
        await this.send(() => game.step(gameId, trace.proofAt!(action.at)));
        const ev = await this.d.game.queryFilter(this.d.game.filters.StepProven(gameId));
        const e = ev[ev.length - 1].args;
        this.log(`${this.name}: one-step proof at step ${action.at}: on-chain step gives ${e.postStateHash.slice(0, 10)}…, claimer said ${e.claimedHash.slice(0, 10)}…`);
        break;
      }
    }
    return action;
  }
}
