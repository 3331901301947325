// The challenger: watches claims, re-executes them, compares the claimed output bytes with
// its own, opens a game on a difference, builds its commitments while the claimer reveals,
// plays the dissection and the one-step proof from its own run, withdraws its reward.
// Everything it acts on is read from the chain each pass: a restarted challenger resumes.
// A lie only in the final state, with the right output, is no lie about the result: it is
// not challenged (watching costs one execution, not a commitment).
import { ZeroHash } from "ethers";
import { claimedOutputOf } from "../chain/claims";
import type { Deployment } from "../chain/deploy";
import { EventCursor } from "../chain/logs";
import { withRetry } from "../chain/retry";
import type { TxSender } from "../chain/sender";
import { ClaimStatus } from "../chain/status";
import { Agent, LiveGame } from "./agent";
import type { Log } from "./log";
import { ModelRun, Run } from "./model-run";
import type { Action } from "./solver";

/** Refusals of a challenge that no later pass can change. */
const FINAL_REFUSALS = new Set([
  "Coordinator_ChallengeWindowClosed",
  "Coordinator_ClaimNotPending",
  "DisputeGame_AlreadyChallenged",
]);

/** The index of the first binary32 value where output bytes `a` and `b` differ (the shorter's length if one is a prefix). */
function firstDifference(a: string, b: string): number {
  const x = a.toLowerCase().slice(2);
  const y = b.toLowerCase().slice(2);
  let i = 0;
  while (8 * i < Math.min(x.length, y.length) && x.slice(8 * i, 8 * i + 8) === y.slice(8 * i, 8 * i + 8)) i++;
  return i;
}

/** Output bytes for a log line: at most 100 bytes of them. */
function shorten(output: string): string {
  return output.length > 202 ? output.slice(0, 202) + "…" : output;
}

export interface ChallengerOptions {
  /** Withdraw bonds and rewards as soon as they are credited (the CLI's loop); else call withdraw(). */
  autoWithdraw?: boolean;
}

export class Challenger extends Agent {
  readonly runs = new Map<bigint, Run>();
  /** Claims already re-executed (a restarted challenger re-checks pending ones: idempotent). */
  private readonly checked = new Set<bigint>();
  /** Claims seen in logs and not handled yet, with their request ids and claimed output bytes. */
  private readonly unchecked = new Map<bigint, { requestId: bigint; output: string }>();
  /** Model ids other than ours already reported as refused (one line each). */
  private readonly foreignModels = new Set<string>();
  /** New Claimed logs each pass (all of them on the first pass after a start). */
  private claimCursor: EventCursor<{ args: { requestId: bigint; claimId: bigint; output: string } }> | null = null;
  constructor(
    name: string,
    d: Deployment,
    sender: TxSender,
    readonly model: ModelRun,
    log: Log,
    readonly options: ChallengerOptions = {},
  ) {
    super(name, d, sender, log);
  }

  get modelId(): string {
    return this.model.modelId;
  }

  /** The Requested log of `requestId`: its model id and input bytes. */
  private async requestedOf(requestId: bigint): Promise<{ modelId: string; input: string }> {
    const ev = await this.latest((a, b) =>
      this.d.coordinator.queryFilter(this.d.coordinator.filters.Requested(requestId), a, b),
    );
    return { modelId: ev[0].args.modelId, input: ev[0].args.input };
  }

  /** Our run of the request behind claim `claimId`, from the request's logged input. */
  private async runFor(claimId: bigint, requestId: bigint, input?: string): Promise<Run> {
    input ??= (await this.requestedOf(requestId)).input;
    const run = this.progress(`re-executing claim #${claimId} (${this.model.parts.steps} steps)`, () =>
      this.model.run(input),
    );
    this.runs.set(claimId, run);
    return run;
  }

  /**
   * Re-executes claim `claimId` and compares its output bytes (`output`, from its Claimed event,
   * read here when not given) with ours; opens a game when they differ.
   */
  async check(claimId: bigint, output?: string): Promise<bigint | null> {
    const c = await withRetry(() => this.d.coordinator.getClaim(claimId));
    const { modelId, input } = await this.requestedOf(c.requestId);
    // Only claims under the id we recompute from the ONNX file are ours to judge (§5.4).
    if (this.refuseForeignModel(this.model.modelId, "challenge claim", claimId, modelId)) return null;
    output ??= await claimedOutputOf(this.d, this.provider, claimId);
    const t0 = Date.now();
    const run = await this.runFor(claimId, c.requestId, input);
    const ev = { agent: this.name, claimId: String(claimId), requestId: String(c.requestId), runMs: Date.now() - t0 };
    if (run.output.toLowerCase() === output.toLowerCase()) {
      this.runs.delete(claimId); // nothing to dispute: no need to keep the run
      this.log(`${this.name} re-executed claim #${claimId}: output ${output.slice(0, 10)}… matches`, {
        event: "checked",
        ...ev,
        match: true,
      });
      return null;
    }
    const at = firstDifference(output, run.output);
    this.log(
      `${this.name} re-executed claim #${claimId}: output value ${at} differs (claimed ${output.slice(2 + 8 * at, 10 + 8 * at)}, ours ${run.output.slice(2 + 8 * at, 10 + 8 * at)}) — mismatch`,
      {
        event: "checked",
        ...ev,
        match: false,
        valueIndex: at,
        claimed: shorten(output),
        ours: shorten(run.output),
      },
    );
    const existing = await withRetry(() => this.d.game.gameOf(claimId, this.address));
    if (existing !== 0n) {
      this.log(`${this.name} already disputes claim #${claimId} in game #${existing}: resuming it`, {
        event: "resumed",
        ...ev,
        gameId: String(existing),
      });
      return existing;
    }
    await this.ensureAllowance(await this.d.game.getAddress(), this.d.options.challengerBond);
    // The first game on a request supplies its input bytes (the coordinator checks them against
    // the request's hash and caches the inputs root); later ones need not.
    const cached = (await withRetry(() => this.d.coordinator.getRequest(c.requestId))).inputsRoot !== ZeroHash;
    const gas = await this.send(() => this.d.game.challenge.populateTransaction(claimId, cached ? "0x" : input));
    const gameId = await withRetry(() => this.d.game.gameOf(claimId, this.address));
    if (gameId === 0n) {
      // The input held a NaN (§2.4): the coordinator voided the request instead of a game.
      this.runs.delete(claimId);
      this.log(`${this.name}: request #${c.requestId} has a NaN in its input: voided, claim #${claimId} released`, {
        event: "voided",
        ...ev,
        gas: Number(gas),
      });
      return null;
    }
    this.log(
      `${this.name} opens game #${gameId} over steps [0, ${run.steps}], bond ${await this.amount(this.d.options.challengerBond)}`,
      {
        event: "game-opened",
        ...ev,
        gameId: String(gameId),
        steps: run.steps,
        inputSupplied: !cached,
        gas: Number(gas),
      },
    );
    // Built while the claimer reveals: the dissection needs them from its first round.
    this.progress(`committing our run of claim #${claimId}`, () => run.trace);
    return gameId;
  }

  /** One move in `game`. */
  async move(game: LiveGame): Promise<Action> {
    let run = this.runs.get(game.claimId);
    if (!run) {
      // Restarted: re-derive the run from the chain.
      const { requestId } = await withRetry(() => this.d.coordinator.getClaim(game.claimId));
      run = await this.runFor(game.claimId, requestId);
    }
    if (!run.committed) {
      const r = run;
      this.progress(`committing our run of claim #${game.claimId}`, () => r.trace);
    }
    return this.play("challenger", game.id, run);
  }

  /** One pass of the loop: check claims not seen yet (pending only), move in our open games, withdraw. */
  async tick(): Promise<void> {
    await this.inPass(() => this.pass());
  }

  private async pass(): Promise<void> {
    const coordinator = this.d.coordinator;
    this.claimCursor ??= new EventCursor(
      this.provider,
      (a, b) => coordinator.queryFilter(coordinator.filters.Claimed(), a, b),
      this.d.fromBlock,
    );
    for (const e of await this.claimCursor.next((await this.head()).number))
      if (!this.checked.has(e.args.claimId))
        this.unchecked.set(e.args.claimId, { requestId: e.args.requestId, output: e.args.output });
    for (const [id, { requestId, output }] of [...this.unchecked]) {
      const request = await withRetry(() => this.d.coordinator.getRequest(requestId));
      const ours = request.modelId.toLowerCase() === this.model.modelId.toLowerCase();
      // Claims on other ids are not ours to judge: said once per id, then skipped silently.
      if (!ours && !this.foreignModels.has(request.modelId.toLowerCase())) {
        this.foreignModels.add(request.modelId.toLowerCase());
        this.refuseForeignModel(this.model.modelId, "challenge claim", id, request.modelId);
      }
      if (ours && (await withRetry(() => this.d.coordinator.getClaim(id))).status === ClaimStatus.Pending) {
        const r = await this.attempt(`disputing claim #${id}`, { claimId: String(id) }, () => this.check(id, output));
        // A refusal that can pass (no bond tokens yet, say) is retried next pass; these cannot.
        if (!r.done && !FINAL_REFUSALS.has(r.error)) continue;
      }
      // Marked only once handled: a connection failure above leaves the claim for the next pass.
      this.unchecked.delete(id);
      this.checked.add(id);
    }
    const live = await this.liveGames("challenger");
    for (const g of live) await this.attempt(`playing game #${g.id}`, { gameId: String(g.id) }, () => this.move(g));
    if (this.options.autoWithdraw) await this.withdrawIfHinted(() => this.withdraw());
    // Keep only the runs behind games still being played.
    const liveClaims = new Set(live.map((g) => g.claimId));
    for (const claimId of [...this.runs.keys()]) if (!liveClaims.has(claimId)) this.runs.delete(claimId);
  }

  /** Bonds back and rewards credited by the dispute game. */
  async withdraw(): Promise<bigint> {
    return this.withdrawFrom(this.d.game, "bond and reward");
  }
}
