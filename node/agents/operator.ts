// The operator: stakes, serves requests for its model (run, claim), defends games against
// its claims from the run's memory, finalizes and withdraws.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Deployment } from "../chain/deploy";
import { Agent, Log } from "./agent";
import { ModelRun, Run } from "./model-run";
import type { Action } from "./solver";

export interface OperatorOptions {
  /** Corrupt the run from this step on (one value written there changed): for demos and tests. */
  cheatAt?: number;
  /** Claim this value as the first output: for demos and tests. */
  cheatOutput?: number;
}

export class Operator extends Agent {
  /** The run behind each of our claims, by claim id. */
  readonly runs = new Map<bigint, Run>();
  constructor(
    name: string,
    d: Deployment,
    signer: HardhatEthersSigner,
    readonly model: ModelRun,
    log: Log,
    readonly options: OperatorOptions = {},
  ) {
    super(name, d, signer, log);
  }

  async stake(amount: bigint): Promise<void> {
    await this.send(() => this.d.staking.connect(this.signer).stake(amount));
    this.log(`${this.name} stakes ${amount}`);
  }

  /** Requests for our model that are open now. */
  async openRequests(): Promise<bigint[]> {
    const ev = await this.d.coordinator.queryFilter(this.d.coordinator.filters.Requested(undefined, this.model.modelId));
    const open: bigint[] = [];
    for (const e of ev) {
      const id = e.args.requestId;
      if ((await this.d.coordinator.getRequest(id)).status === 1n && !open.includes(id)) open.push(id);
    }
    return open;
  }

  /** Runs request `requestId` from its logged input and claims the result. */
  async serve(requestId: bigint): Promise<bigint> {
    const ev = await this.d.coordinator.queryFilter(this.d.coordinator.filters.Requested(requestId));
    const input = ev[0].args.input;
    const t0 = Date.now();
    const run = this.runOf(input);
    const c = run.claim;
    await this.send(() => this.d.coordinator.connect(this.signer).claim(requestId, c.output, c.finalStateHash, c.final, c.proofs));
    const claimId = await this.d.coordinator.claimCount();
    this.runs.set(claimId, run);
    this.log(`${this.name} ran request #${requestId} (${run.steps} steps, ${Date.now() - t0} ms) and claims output ${c.output.slice(0, 10)}… (claim #${claimId})`);
    return claimId;
  }

  /** Games against our claims that are still running. */
  async openGames(): Promise<bigint[]> {
    const ids: bigint[] = [];
    const n = await this.d.game.gameCount();
    for (let id = 1n; id <= n; id++) {
      const g = await this.d.game.getGame(id);
      if (g.claimer === this.address && g.status >= 1n && g.status <= 3n) ids.push(id);
    }
    return ids;
  }

  /** One defending move in `gameId`. */
  async defend(gameId: bigint): Promise<Action> {
    const g = await this.d.game.getGame(gameId);
    let run = this.runs.get(g.claimId);
    if (!run) {
      // Restarted: redo the run behind our claim from the request's logged input.
      const c = await this.d.coordinator.getClaim(g.claimId);
      run = this.runOf((await this.d.coordinator.queryFilter(this.d.coordinator.filters.Requested(c.requestId)))[0].args.input);
      this.runs.set(g.claimId, run);
    }
    return this.play("claimer", gameId, run);
  }

  private runOf(input: string): Run {
    const run = this.model.run(input);
    const { cheatAt, cheatOutput } = this.options;
    return cheatAt !== undefined || cheatOutput !== undefined ? this.model.corrupted(run, { cheatAt, output: cheatOutput }) : run;
  }

  /** Our pending claims whose window closed with no game open: finalize them. */
  async finalizable(): Promise<bigint[]> {
    const now = BigInt((await this.signer.provider.getBlock("latest"))!.timestamp);
    const ev = await this.d.coordinator.queryFilter(this.d.coordinator.filters.Claimed(undefined, undefined, this.address));
    const ids: bigint[] = [];
    for (const e of ev) {
      const c = await this.d.coordinator.getClaim(e.args.claimId);
      if (c.status === 1n && c.openGames === 0n && now >= c.challengeDeadline) ids.push(c.requestId);
    }
    return ids;
  }

  /** One pass of the loop: serve open requests, defend our games, finalize what is due. */
  async tick(): Promise<void> {
    for (const id of await this.openRequests()) await this.serve(id);
    for (const id of await this.openGames()) await this.defend(id);
    for (const id of await this.finalizable()) {
      await this.finalize(id);
      this.log(`${this.name} finalizes request #${id}`);
    }
  }

  async finalize(requestId: bigint): Promise<void> {
    await this.send(() => this.d.coordinator.connect(this.signer).finalize(requestId));
  }

  async withdraw(): Promise<bigint> {
    const owed = await this.d.coordinator.payoutOf(this.address);
    if (owed > 0n) await this.send(() => this.d.coordinator.connect(this.signer).withdraw());
    return owed;
  }
}
