// The challenger: watches claims, re-executes them, opens a game on a mismatch, plays the
// dissection and the one-step proof from its own run, withdraws its reward.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Deployment } from "../chain/deploy";
import { Agent, Log } from "./agent";
import { ModelRun, Run } from "./model-run";
import type { Action } from "./solver";

export class Challenger extends Agent {
  readonly runs = new Map<bigint, Run>();
  /** Claims already re-executed (a restarted challenger re-checks pending ones: idempotent). */
  private readonly checked = new Set<bigint>();
  constructor(name: string, d: Deployment, signer: HardhatEthersSigner, readonly model: ModelRun, log: Log) {
    super(name, d, signer, log);
  }

  /** Re-executes claim `claimId`; opens a game when its final state differs from ours. */
  async check(claimId: bigint): Promise<bigint | null> {
    const c = await this.d.coordinator.getClaim(claimId);
    const ev = await this.d.coordinator.queryFilter(this.d.coordinator.filters.Requested(c.requestId));
    const run = this.model.run(ev[0].args.input);
    this.runs.set(claimId, run);
    if (run.claim.finalStateHash.toLowerCase() === c.finalStateHash.toLowerCase()) {
      this.log(`${this.name} re-executed claim #${claimId}: final state ${c.finalStateHash.slice(0, 10)}… matches`);
      return null;
    }
    this.log(
      `${this.name} re-executed claim #${claimId}: claimed final state ${c.finalStateHash.slice(0, 10)}…, ours ${run.claim.finalStateHash.slice(0, 10)}… — mismatch`,
    );
    const existing = await this.d.game.gameOf(claimId, this.address);
    if (existing !== 0n) return existing;
    await this.send(() => this.d.game.connect(this.signer).challenge(claimId));
    const gameId = await this.d.game.gameOf(claimId, this.address);
    this.log(`${this.name} opens game #${gameId} over steps [0, ${run.steps}], bond ${this.d.options.challengerBond}`);
    return gameId;
  }

  /** One move in `gameId`. */
  async move(gameId: bigint): Promise<Action> {
    const g = await this.d.game.getGame(gameId);
    let run = this.runs.get(g.claimId);
    if (!run) {
      // Restarted: re-derive the run from the chain.
      const c = await this.d.coordinator.getClaim(g.claimId);
      const ev = await this.d.coordinator.queryFilter(this.d.coordinator.filters.Requested(c.requestId));
      run = this.model.run(ev[0].args.input);
      this.runs.set(g.claimId, run);
    }
    return this.play("challenger", gameId, run);
  }

  /** One pass of the loop: check claims not seen yet (pending only), move in our open games. */
  async tick(): Promise<void> {
    for (const e of await this.d.coordinator.queryFilter(this.d.coordinator.filters.Claimed())) {
      const id = e.args.claimId;
      if (this.checked.has(id)) continue;
      this.checked.add(id);
      if ((await this.d.coordinator.getClaim(id)).status === 1n) await this.check(id);
    }
    const n = await this.d.game.gameCount();
    for (let id = 1n; id <= n; id++) {
      const g = await this.d.game.getGame(id);
      if (g.challenger === this.address && g.status >= 1n && g.status <= 3n) await this.move(id);
    }
  }

  async withdraw(): Promise<bigint> {
    const owed = await this.d.game.payoutOf(this.address);
    if (owed > 0n) await this.send(() => this.d.game.connect(this.signer).withdraw());
    return owed;
  }
}
