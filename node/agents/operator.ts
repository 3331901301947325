// The operator: stakes, serves requests for its model (run, commit to the output, reveal it),
// defends games against its claims from the run's memory (its trees built only then),
// finalizes and withdraws. Everything it acts on is read from the chain each pass, so a
// restarted operator picks up where the chain is.
import { keccak256 } from "ethers";
import { claimCommitment, claimedOutputOf, firstNaN, randomSalt } from "../chain/claims";
import type { Deployment } from "../chain/deploy";
import { ChainError } from "../chain/errors";
import { REVEAL_GAS_PER_OUTPUT_WORD, claimGasBound } from "../chain/claim-gas";
import { TX_GAS_CAP } from "../chain/txmgr";
import { RefereeError } from "../errors";
import { finalizeGasLimit } from "../chain/finalize-gas";
import { EventCursor } from "../chain/logs";
import { withRetry } from "../chain/retry";
import { RevertedOnChain, type TxSender } from "../chain/sender";
import { ClaimStatus, GameStatus, RequestStatus } from "../chain/status";
import { mulberry32 } from "../fo32/mulberry32";
import { product } from "../program/isa";
import { Agent, LiveGame } from "./agent";
import type { Log } from "./log";
import { ModelRun, Run } from "./model-run";
import type { Action } from "./solver";

export interface OperatorOptions {
  /** Corrupt the run from this step on (one value written there changed): for demos and tests. */
  cheatAt?: number;
  /** Claim this value as the first output (or as output element `cheatOutputIndex`): for demos and tests. */
  cheatOutput?: number;
  /** Which element of the first output cheatOutput replaces (default 0). */
  cheatOutputIndex?: number;
  /** What cheatAt adds to the value written there (default 0.5; 1 changes a token id by one). */
  cheatDelta?: number;
  /**
   * LOAD TESTS: cheat on about this fraction of requests (0..1), each at a random step, with
   * the first output claimed as 1.0; which requests and steps follow from `cheatSeed` (see
   * cheatPlan). Exclusive with cheatAt.
   */
  cheatRate?: number;
  /** The seed of cheatRate's choices (default 1). */
  cheatSeed?: number;
  /** Withdraw fees and bonds as soon as they are credited (the CLI's loop); else call withdraw(). */
  autoWithdraw?: boolean;
  /**
   * What one unit of gas costs this operator, in token units (a fraction: the token and the
   * chain's gas are priced apart). When set, a request whose escrowed fee is below the gas of
   * claiming and finalizing it (the callback's limit included) at this price is declined
   * (event "unprofitable"); absent: every request is served.
   */
  minFeePerGas?: TokenPerGas;
  /**
   * The least fee (token units) a request must escrow to be served; a request below it is
   * ignored, logged once (event "below-min-fee"). Absent: no floor.
   */
  minFee?: bigint;
  /** How the model is named in messages (the CLI: its file name); default its id. */
  modelLabel?: string;
}

/**
 * Refuses a model whose results no claim can carry: a claim's gas (claimGasBound of its output
 * bytes) over the per-transaction gas cap would fail at every reveal, so an operator that
 * started would silently never claim (PROTOCOL.md §5.1, size bounds).
 */
export function refuseUnclaimable(label: string, outputBytes: number): void {
  const gas = claimGasBound(outputBytes);
  if (gas <= TX_GAS_CAP) return;
  const fits = 32 * Number((TX_GAS_CAP - claimGasBound(0)) / REVEAL_GAS_PER_OUTPUT_WORD);
  throw new RefereeError(
    "USAGE",
    `model ${label} cannot be served: its output is ${outputBytes} bytes, a claim of it needs up to ${gas} gas, over the ${TX_GAS_CAP} gas cap of one transaction (EIP-7825); outputs up to ${fits} bytes fit`,
  );
}

/** A price of gas in token units: numerator / denominator token units per unit of gas. */
export interface TokenPerGas {
  numerator: bigint;
  denominator: bigint;
}

/** Parses a decimal price ("2", "0.0005") into a TokenPerGas; null when it is not one. */
export function parseTokenPerGas(text: string): TokenPerGas | null {
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text);
  if (!m) return null;
  const decimals = m[2] ?? "";
  return { numerator: BigInt(m[1] + decimals), denominator: 10n ** BigInt(decimals.length) };
}

/** The token units `gas` costs at `price`, rounded up (a cost is never under-stated). */
export function gasCost(gas: bigint, price: TokenPerGas): bigint {
  return (gas * price.numerator + price.denominator - 1n) / price.denominator;
}

/**
 * The step a cheatRate operator corrupts on request `requestId`, or null when it serves it
 * honestly. A function of (seed, request id) alone, not of the order requests arrive in: a
 * restarted operator re-derives the same cheat to defend it, and a rerun of a load test with
 * the same seed cheats on the same requests.
 */
export function cheatPlan(seed: number, rate: number, requestId: bigint, steps: number): number | null {
  // One generator per (seed, request): its first draws decide whether and where.
  const next = mulberry32(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Number(BigInt.asUintN(32, requestId)));
  next(); // the first draw of neighbouring seeds is the least mixed
  if (next() / 2 ** 32 >= rate) return null;
  return Math.floor((next() / 2 ** 32) * steps);
}

export class Operator extends Agent {
  /** The run behind each of our claims, by claim id. */
  readonly runs = new Map<bigint, Run>();
  /**
   * Runs of open requests not claimed yet, with the salt of their commitment and whether it
   * was sent (a refused reveal is retried without re-running or recommitting). The salt lives
   * in memory only: after a restart the operator commits again (a commit replaces its own).
   */
  private readonly unclaimed = new Map<bigint, { run: Run; salt: string; committed: boolean; commitGas: bigint }>();
  /** Requests for our model that may be open (fed by the Requested cursor). */
  private readonly watched = new Set<bigint>();
  private requestCursor: EventCursor<{ args: { requestId: bigint } }> | null = null;
  /** Requests seen claimed: read again only once a RequestReopened log names them. */
  private readonly claimedElsewhere = new Set<bigint>();
  private reopenCursor: EventCursor<{ args: { requestId: bigint } }> | null = null;
  /**
   * Our claims not seen settled yet, with their challenge deadlines (fed by the Claimed
   * cursor): a claim is read from the chain only once its window has closed, not every pass.
   */
  private readonly pendingClaims = new Map<bigint, bigint>();
  private claimCursor: EventCursor<{ args: { requestId: bigint; claimId: bigint; challengeDeadline: bigint } }> | null =
    null;
  /** Our pending claims seen with a game against them (see finalizable). */
  private readonly disputed = new Set<bigint>();
  /** Whether each request's fee covers our gas at minFeePerGas (decided once per request). */
  private readonly covered = new Map<bigint, boolean>();
  /**
   * The most gas one of our claims (commit + reveal) on this model used; null before our first
   * claim, when the cost check uses claimGasBound instead.
   */
  private claimGasUsed: bigint | null = null;
  /** Requests whose result a one-step proof already refuted (see serve). */
  private readonly declined = new Set<bigint>();
  /** The bonded stake last reported as enough (reported again only when it changes). */
  private stakeReported: bigint | null = null;
  /** Whether new requests are served (a stake policy clears it after a slash); games and finalizes go on. */
  acceptingRequests = true;
  constructor(
    name: string,
    d: Deployment,
    sender: TxSender,
    readonly model: ModelRun,
    log: Log,
    readonly options: OperatorOptions = {},
  ) {
    super(name, d, sender, log);
    refuseUnclaimable(options.modelLabel ?? model.modelId, this.outputBytes);
  }

  get modelId(): string {
    return this.model.modelId;
  }

  /** Claims of ours not seen settled and games not seen over: work a stopping operator still owes. */
  get pendingWork(): number {
    return this.pendingClaims.size + this.openGameCount;
  }

  /** The bytes of every result of `model` (4 per output value, §5.2): what finalize delivers. */
  static outputBytesOf(model: ModelRun): number {
    return model.model.program.outputs.reduce((n, o) => n + 4 * product(o.dims), 0);
  }

  /** The bytes of every result of our model. */
  get outputBytes(): number {
    return Operator.outputBytesOf(this.model);
  }

  /** Stakes `amount` more. */
  async stake(amount: bigint): Promise<void> {
    await this.ensureAllowance(await this.d.staking.getAddress(), amount);
    await this.send(() => this.d.staking.stake.populateTransaction(amount));
    this.log(`${this.name} stakes ${await this.amount(amount)}`, {
      event: "staked",
      agent: this.name,
      amount: String(amount),
    });
  }

  /**
   * Tops the stake up so that `claims` claims can be open at once (idempotent across restarts).
   * Resolves to the amount staked now (0 when there was enough).
   */
  async ensureStake(claims: number): Promise<bigint> {
    const need = this.d.options.claimBond * BigInt(claims);
    const bonded = await withRetry(() => this.d.staking.bondedOf(this.address));
    if (bonded >= need) {
      if (this.stakeReported === bonded) return 0n;
      this.stakeReported = bonded;
      const [has, needs] = await Promise.all([this.amount(bonded), this.amount(need)]);
      this.log(`${this.name} has ${has} staked (needs ${needs} for ${claims} open claim${claims === 1 ? "" : "s"})`, {
        event: "stake-ok",
        agent: this.name,
        bonded: String(bonded),
      });
      return 0n;
    }
    await this.stake(need - bonded);
    this.stakeReported = need;
    return need - bonded;
  }

  /** Requests for our model that are open now. */
  async openRequests(): Promise<bigint[]> {
    const coordinator = this.d.coordinator;
    this.requestCursor ??= new EventCursor(
      this.provider,
      (a, b) => coordinator.queryFilter(coordinator.filters.Requested(undefined, this.model.modelId), a, b),
      this.d.fromBlock,
    );
    this.reopenCursor ??= new EventCursor(
      this.provider,
      (a, b) => coordinator.queryFilter(coordinator.filters.RequestReopened(), a, b),
      this.d.fromBlock,
    );
    const head = (await this.head()).number;
    for (const e of await this.requestCursor.next(head)) this.watched.add(e.args.requestId);
    // A claimed request is not read again until a rejection reopens it (its event says so).
    for (const e of await this.reopenCursor.next(head))
      if (this.claimedElsewhere.delete(e.args.requestId)) this.watched.add(e.args.requestId);
    const now = await this.chainNow();
    const open: bigint[] = [];
    for (const id of [...this.watched].sort((x, y) => (x < y ? -1 : 1))) {
      const r = await withRetry(() => coordinator.getRequest(id));
      if (r.status === RequestStatus.Open && r.deadline > now) {
        open.push(id);
        continue;
      }
      this.unclaimed.delete(id); // claimed by someone, final, refunded or expired
      // Final or refunded requests never open again; an expired one only awaits its refund;
      // a claimed one waits for a RequestReopened.
      if (r.status === RequestStatus.Claimed) this.claimedElsewhere.add(id);
      this.watched.delete(id);
    }
    return open;
  }

  /** The model id and input bytes of request `requestId`, from its Requested event. */
  private async requestedOf(requestId: bigint): Promise<{ modelId: string; input: string }> {
    const ev = await this.latest((a, b) =>
      this.d.coordinator.queryFilter(this.d.coordinator.filters.Requested(requestId), a, b),
    );
    return { modelId: ev[0].args.modelId, input: ev[0].args.input };
  }

  /** The input bytes of request `requestId`, from its Requested event. */
  private async inputOf(requestId: bigint): Promise<string> {
    return (await this.requestedOf(requestId)).input;
  }

  /**
   * Our claims on `requestId` that a one-step proof refuted, by output hash. A claim lost on
   * time (we were offline) was not refuted: its result may be claimed again.
   */
  private async refutedOutputs(requestId: bigint): Promise<Map<string, bigint>> {
    const { coordinator, game } = this.d;
    const refuted = new Map<string, bigint>();
    for (const e of await this.latest((a, b) =>
      coordinator.queryFilter(coordinator.filters.Claimed(requestId, undefined, this.address), a, b),
    )) {
      const claimId = e.args.claimId;
      const c = await withRetry(() => coordinator.getClaim(claimId));
      if (c.status !== ClaimStatus.Rejected) continue;
      for (const g of await this.latest((a, b) =>
        game.queryFilter(game.filters.GameCreated(undefined, claimId), a, b),
      )) {
        if ((await withRetry(() => game.getGame(g.args.gameId))).status !== GameStatus.ChallengerWon) continue;
        // Won by a proof, not on time.
        const proven = await this.latest((a, b) => game.queryFilter(game.filters.StepProven(g.args.gameId), a, b));
        if (proven.length > 0) refuted.set(c.outputHash.toLowerCase(), claimId);
      }
    }
    return refuted;
  }

  /**
   * Runs request `requestId` from its logged input and claims the result: a commitment to the
   * output first, the output itself (the reveal) in a later block (§5.2). Returns the claim id,
   * or null when the request is declined: a one-step proof already refuted this very result
   * (claiming it again could only lose another bond), or its input holds a NaN.
   */
  async serve(requestId: bigint): Promise<bigint | null> {
    if (this.declined.has(requestId)) return null;
    const t0 = Date.now();
    // A run whose reveal was refused last pass (no free stake, say) is not computed again.
    let pending = this.unclaimed.get(requestId);
    if (!pending) {
      const { modelId, input } = await this.requestedOf(requestId);
      // Only the id we recompute from the ONNX file: under another commitment of the same
      // program (a wrong N, say) an honest claim is slashable (PROTOCOL.md §5.4).
      if (this.refuseForeignModel(this.model.modelId, "serve request", requestId, modelId)) {
        this.declined.add(requestId);
        return null;
      }
      // Memory must be canonical (§2.4): a NaN input voids the request when a game opens, so
      // serving it could earn nothing.
      const nan = firstNaN(input);
      if (nan >= 0) {
        this.declined.add(requestId);
        this.log(`${this.name} declines request #${requestId}: input value ${nan} is a NaN`, {
          event: "nan-input",
          agent: this.name,
          requestId: String(requestId),
          valueIndex: nan,
        });
        return null;
      }
      pending = {
        run: this.runOf(requestId, input, `request #${requestId}`),
        salt: randomSalt(),
        committed: false,
        commitGas: 0n,
      };
    }
    this.unclaimed.set(requestId, pending);
    const { run, salt } = pending;
    const runMs = Date.now() - t0;
    const outputHash = keccak256(run.output);
    const rejectedClaim = (await this.refutedOutputs(requestId)).get(outputHash);
    if (rejectedClaim !== undefined) {
      this.declined.add(requestId);
      this.unclaimed.delete(requestId);
      this.log(
        `${this.name} does not claim request #${requestId} again: a one-step proof refuted the same result (claim #${rejectedClaim})`,
        {
          event: "declined",
          agent: this.name,
          requestId: String(requestId),
          rejectedClaimId: String(rejectedClaim),
        },
      );
      return null;
    }
    let commitGas = 0n;
    if (!pending.committed) {
      // Binds the output to this address before the output is public: a copier of the reveal
      // would need a commitment of its own made in an earlier block.
      const commitment = claimCommitment(requestId, this.address, run.output, salt);
      commitGas = await this.send(() => this.d.coordinator.commitClaim.populateTransaction(requestId, commitment));
      pending.committed = true;
      pending.commitGas = commitGas;
    }
    // Sent once the commit's receipt is in, so it lands in a later block; a node that simulates
    // it in the commit's block still (eth_call on "latest") refuses it: the next pass reveals.
    let gas: bigint;
    try {
      gas = await this.send(() => this.d.coordinator.claim.populateTransaction(requestId, run.output, salt));
    } catch (e) {
      if (e instanceof ChainError && e.errorName === "Coordinator_RevealTooEarly") return null;
      // Another operator's reveal landed between our estimate and our transaction: the race
      // commit–reveal makes expected, not a failure of the pass.
      // (Refused at the dry run once the rival's reveal is in, mined and reverted when it
      // landed in between, or unnamed on a node that gives no revert data.)
      const lost =
        e instanceof RevertedOnChain ||
        (e instanceof ChainError && (e.errorName === null || e.errorName === "Coordinator_RequestNotOpen"));
      if (lost) {
        const r = await withRetry(() => this.d.coordinator.getRequest(requestId));
        if (r.status !== RequestStatus.Open) {
          this.unclaimed.delete(requestId);
          this.log(`${this.name}: request #${requestId} was claimed by another operator (claim #${r.claimId}) first`, {
            event: "outraced",
            agent: this.name,
            requestId: String(requestId),
            claimId: String(r.claimId),
          });
          return null;
        }
      }
      throw e;
    }
    const claimId = (await withRetry(() => this.d.coordinator.getRequest(requestId))).claimId;
    this.unclaimed.delete(requestId);
    // What our claims really cost (the commit may have been sent a pass earlier) replaces the
    // bound the cost check started from.
    const spent = pending.commitGas + gas;
    if (this.claimGasUsed === null || spent > this.claimGasUsed) this.claimGasUsed = spent;
    this.runs.set(claimId, run);
    const { cheatAt } = this.cheatOn(requestId);
    this.log(
      `${this.name} ran request #${requestId} (${run.steps} steps, ${runMs} ms) and claims output ${run.output.slice(0, 10)}… (claim #${claimId})`,
      {
        event: "claimed",
        agent: this.name,
        requestId: String(requestId),
        claimId: String(claimId),
        steps: run.steps,
        runMs,
        output: run.output.length > 200 ? run.output.slice(0, 200) + "…" : run.output,
        outputHash,
        commitGas: Number(commitGas),
        gas: Number(gas),
        // A test's ground truth: whether (and where) this claim was made wrong on purpose.
        ...(cheatAt === undefined ? {} : { cheatAt }),
      },
    );
    return claimId;
  }

  /** Games against our claims that are still running. */
  async openGames(): Promise<LiveGame[]> {
    return this.liveGames("claimer");
  }

  /** One defending move in `game`. */
  async defend(game: LiveGame): Promise<Action> {
    let run = this.runs.get(game.claimId);
    if (!run) {
      // Restarted: redo the run behind our claim from the request's logged input.
      const c = await withRetry(() => this.d.coordinator.getClaim(game.claimId));
      run = this.runOf(c.requestId, await this.inputOf(c.requestId), `request #${c.requestId} again`);
      this.runs.set(game.claimId, run);
      this.log(`${this.name} re-ran the run behind claim #${game.claimId} to defend game #${game.id}`, {
        event: "resumed",
        agent: this.name,
        gameId: String(game.id),
        claimId: String(game.claimId),
      });
    }
    // Disputed: now the commitments are worth building (the reveal and every dissection need them).
    if (!run.committed) {
      const r = run;
      this.progress(`committing the run behind claim #${game.claimId}`, () => r.trace);
    }
    return this.play("claimer", game.id, run);
  }

  private runOf(requestId: bigint, input: string, what: string): Run {
    const run = this.progress(`running ${what} (${this.model.parts.steps} steps)`, () => this.model.run(input));
    const { cheatAt, cheatOutput } = this.cheatOn(requestId);
    return cheatAt !== undefined || cheatOutput !== undefined
      ? this.model.corrupted(run, {
          cheatAt,
          output: cheatOutput,
          outputIndex: this.options.cheatOutputIndex,
          delta: this.options.cheatDelta,
        })
      : run;
  }

  /** How (if at all) our run of `requestId` is corrupted. */
  cheatOn(requestId: bigint): { cheatAt?: number; cheatOutput?: number } {
    const { cheatAt, cheatOutput, cheatRate, cheatSeed } = this.options;
    if (cheatRate === undefined) return { cheatAt, cheatOutput };
    const at = cheatPlan(cheatSeed ?? 1, cheatRate, requestId, Number(this.model.parts.steps));
    return at === null ? {} : { cheatAt: at, cheatOutput: 1 };
  }

  /** Requests behind our pending claims whose window closed with no game open: finalize them. */
  async finalizable(): Promise<bigint[]> {
    const now = await this.chainNow();
    const coordinator = this.d.coordinator;
    this.claimCursor ??= new EventCursor(
      this.provider,
      (a, b) => coordinator.queryFilter(coordinator.filters.Claimed(undefined, undefined, this.address), a, b),
      this.d.fromBlock,
    );
    for (const e of await this.claimCursor.next((await this.head()).number))
      if (await this.ownClaim(e.args.claimId, e.args.requestId))
        this.pendingClaims.set(e.args.claimId, e.args.challengeDeadline);
    const due: bigint[] = [];
    for (const [id, deadline] of [...this.pendingClaims].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      // Before its window closes a claim can only settle through a game: only a disputed one
      // is read (to drop the run behind a rejected claim at once); the others wait for their deadline.
      if (now < deadline && !this.disputed.has(id)) continue;
      const c = await withRetry(() => coordinator.getClaim(id));
      if (c.status !== ClaimStatus.Pending) {
        // Settled: its run, if we hold it, is of no further use; finalized by anyone, its fee is ours.
        if (c.status === ClaimStatus.Finalized) this.payoutHint = true;
        this.pendingClaims.delete(id);
        this.disputed.delete(id);
        this.runs.delete(id);
      } else if (c.openGames === 0n && now >= deadline) due.push(c.requestId);
    }
    return due;
  }

  /**
   * Whether request `requestId`'s fee reaches minFee and pays for our gas at minFeePerGas
   * (always, without either):
   * claim (commit + reveal: a bound, then the most any of our claims used) + finalize
   * (its gas limit, the callback's whole limit included). Decided once per request; a decline
   * is logged once (event "unprofitable").
   */
  async covers(requestId: bigint): Promise<boolean> {
    const { minFeePerGas: price, minFee } = this.options;
    if (price === undefined && minFee === undefined) return true;
    const known = this.covered.get(requestId);
    if (known !== undefined) return known;
    const r = await withRetry(() => this.d.coordinator.getRequest(requestId));
    if (minFee !== undefined && r.fee < minFee) {
      this.covered.set(requestId, false);
      const [fee, min] = await Promise.all([this.amount(r.fee), this.amount(minFee)]);
      this.log(`${this.name} ignores request #${requestId}: fee ${fee} < --min-fee ${min}`, {
        event: "below-min-fee",
        agent: this.name,
        requestId: String(requestId),
        fee: String(r.fee),
        minFee: String(minFee),
      });
      return false;
    }
    if (price === undefined) {
      this.covered.set(requestId, true);
      return true;
    }
    const claimGas = this.claimGasUsed ?? claimGasBound(this.outputBytes);
    const gas = claimGas + finalizeGasLimit(r.callbackGasLimit, this.outputBytes);
    const cost = gasCost(gas, price);
    const ok = r.fee >= cost;
    this.covered.set(requestId, ok);
    if (!ok)
      this.log(
        `${this.name} declines request #${requestId}: fee ${await this.amount(r.fee)} < cost ${await this.amount(cost)} (${gas} gas for claim and finalize, callback limit ${r.callbackGasLimit} included)`,
        {
          event: "unprofitable",
          agent: this.name,
          requestId: String(requestId),
          fee: String(r.fee),
          cost: String(cost),
          gas: Number(gas),
          callbackGasLimit: Number(r.callbackGasLimit),
        },
      );
    return ok;
  }

  /** One pass of the loop: serve open requests, defend our games, finalize what is due, withdraw. */
  async tick(): Promise<void> {
    await this.inPass(() => this.pass());
  }

  private async pass(): Promise<void> {
    // One failing item (a request that expired in between, a claim race, a finalize that
    // cannot be estimated) never blocks the others: attempt logs it and the pass goes on.
    for (const id of this.acceptingRequests ? await this.openRequests() : []) {
      const priced = await this.attempt(`pricing request #${id}`, { requestId: String(id) }, () => this.covers(id));
      if (!priced.done || this.covered.get(id) === false) continue;
      await this.attempt(`serving request #${id}`, { requestId: String(id) }, () => this.serve(id));
    }
    for (const g of await this.openGames()) {
      this.disputed.add(g.claimId);
      await this.attempt(`defending game #${g.id}`, { gameId: String(g.id) }, () => this.defend(g));
    }
    for (const id of await this.finalizable()) {
      await this.attempt(`finalizing request #${id}`, { requestId: String(id) }, async () => {
        try {
          await this.finalize(id);
        } catch (e) {
          // The chain's clock is behind ours: the window is still open there. Next pass.
          if (e instanceof ChainError && e.errorName === "Coordinator_ChallengeWindowOpen") return;
          throw e;
        }
      });
    }
    if (this.options.autoWithdraw) await this.withdrawIfHinted(() => this.withdraw());
  }

  /**
   * Finalizes request `requestId` with an explicit gas
   * limit from its callback gas limit (node/chain/finalize-gas.ts): estimating a finalize whose
   * callback reverts is unreliable, and a limit too low is a named revert, never a short callback.
   */
  async finalize(requestId: bigint): Promise<void> {
    const r = await withRetry(() => this.d.coordinator.getRequest(requestId));
    const output = this.runs.get(r.claimId)?.output ?? (await claimedOutputOf(this.d, this.provider, r.claimId));
    const gasLimit = finalizeGasLimit(r.callbackGasLimit, (output.length - 2) / 2);
    const gas = await this.send(() => this.d.coordinator.finalize.populateTransaction(requestId, output, { gasLimit }));
    this.payoutHint = true; // the fee
    this.log(`${this.name} finalizes request #${requestId}`, {
      event: "finalized",
      agent: this.name,
      requestId: String(requestId),
      gas: Number(gas),
      gasLimit: Number(gasLimit),
    });
  }

  /** Fees and unlocked claim bonds credited by the coordinator. */
  async withdraw(): Promise<bigint> {
    return this.withdrawFrom(this.d.coordinator, "fees");
  }
}
