// What operator and challenger share: an account's transaction sender on a deployment, gas
// accounting, the game state the solver reads (from the chain only, so a restarted agent
// resumes where the chain says); the responder (responder.ts) turns the solver's actions into txs.
import { ZeroHash, type Provider, type TransactionRequest } from "ethers";
import { ensureAllowance } from "../chain/allowance";
import { type TokenInfo, formatAmount, tokenInfo } from "../chain/amounts";
import type { Deployment } from "../chain/deploy";
import { EventCursor, RangeQuery, latestLogs, logsSince } from "../chain/logs";
import { isTransient, withRetry } from "../chain/retry";
import { RevertedOnChain, type TxSender } from "../chain/sender";
import { ChainError, shortMessageOf } from "../chain/errors";
import { ClaimStatus, GameStatus as ChainGameStatus, statusName } from "../chain/status";
import type { Log, LogFields } from "./log";
import { GameTrace, Responder } from "./responder";
import { Action, GameState, Role, claimerToMove, isLive, nextMove } from "./solver";

export type { Log } from "./log";
export type { GameTrace } from "./responder";

/** Mined reverts (each paid gas) one item may cost before the agent gives it up. */
export const MAX_RACES_PER_ITEM = 3;

/** Passes between two reads of what is owed when nothing of ours was seen settling. */
export const WITHDRAW_CHECK_PASSES = 20;

/** A game of ours still being played, and the claim it disputes. */
export interface LiveGame {
  id: bigint;
  claimId: bigint;
}

export { isLive } from "./solver";

/** Shows a label while synchronous work runs (the CLI's TTY status line); absent: nothing shown. */
export type ShowProgress = <T>(label: string, work: () => T) => T;

export abstract class Agent {
  /** The longest time the trace took to answer one dissection (all its state hashes), in ms. */
  slowestAnswerMs = 0;
  /** Long work (model runs, state queries) is shown through this when set. */
  progress: ShowProgress = (_label, work) => work();
  /** Games this process has played in, so their end is reported once. */
  private readonly playing = new Set<bigint>();
  /** Our games not seen finished yet (fed by the GameCreated cursor). */
  private readonly games = new Set<bigint>();
  private gameCursor: EventCursor<{
    args: { gameId: bigint; claimId: bigint; claimer: string; challenger: string };
  }> | null = null;
  /** Our side in `games` (set by the first liveGames call). */
  private side: "claimer" | "challenger" | null = null;
  /**
   * Set when other agents in this process serve other models from the same account: games
   * and claims are then filtered to this agent's model (see ownClaim), else every game of the
   * account is this agent's (no extra reads).
   */
  sharedAccount = false;
  /** Whether each claim seen is on this agent's model (sharedAccount only). */
  private readonly claimOnModel = new Map<bigint, boolean>();
  /** Turns the solver's actions into transactions. */
  private readonly responder: Responder;
  /** The deployment token's symbol and decimals, read on first use. */
  private token: Promise<TokenInfo> | null = null;
  constructor(
    readonly name: string,
    readonly d: Deployment,
    readonly sender: TxSender,
    protected readonly log: Log,
  ) {
    this.responder = new Responder({
      name,
      game: d.game,
      send: (populate) => this.send(populate),
      latest: (query) => this.latest(query),
      log,
    });
  }

  /**
   * Whether to refuse `what` #`id`, which names model `modelId`: yes, with a one-line log,
   * unless it is `ours`, the commitment recomputed from the agent's ONNX file. Another
   * commitment of the same program (a wrong N, say) would make honest claims slashable
   * (PROTOCOL.md §5.4).
   */
  protected refuseForeignModel(ours: string, what: string, id: bigint, modelId: string): boolean {
    if (modelId.toLowerCase() === ours.toLowerCase()) return false;
    this.log(
      `${this.name} refuses to ${what} #${id}: model id ${modelId} is not the commitment it reproduces from its ONNX file (${ours})`,
      { event: "foreign-model", agent: this.name, what, id: String(id), modelId, ours },
    );
    return true;
  }

  /** Failures already logged (item and error), so a persistent one is reported once. */
  private readonly refusalsLogged = new Set<string>();
  /** Transactions per item that reverted on-chain: each costs gas, so an item has a budget. */
  private readonly racesLost = new Map<string, number>();

  /**
   * One item of a pass (a request, a claim, a game). Whatever goes wrong with one item is
   * logged once (item and error) and the pass goes on with the others:
   * - a contract's refusal (a named revert before sending): event "refused";
   * - a transaction that passed its dry run but reverted when mined, because another account
   *   got there first (a claim or a finalize race): event "race"; after MAX_RACES_PER_ITEM such
   *   reverts (each paid gas) the item is abandoned (event "abandoned");
   * - any other failure of the item (an unnamed revert, a node refusing the transaction):
   *   event "item-failed".
   * Only a connection failure (after its retries) propagates, so the loop backs off.
   * Resolves to whether the work was done.
   */
  protected async attempt(
    what: string,
    fields: LogFields,
    work: () => Promise<unknown>,
  ): Promise<{ done: true } | { done: false; error: string }> {
    if ((this.racesLost.get(what) ?? 0) >= MAX_RACES_PER_ITEM) return { done: false, error: "abandoned" };
    try {
      await work();
      return { done: true };
    } catch (e) {
      if (isTransient(e) || (e instanceof ChainError && isTransient(e.cause))) throw e;
      const err = e instanceof ChainError ? e : new ChainError(shortMessageOf(e), null, [], e);
      const error = err.errorName ?? "unnamed";
      let event = err.errorName === null ? "item-failed" : "refused";
      let line = `${this.name}: ${what}: ${err.errorName === null ? "failed" : "the contract refused"}: ${err.shortMessage}`;
      if (err instanceof RevertedOnChain) {
        const lost = (this.racesLost.get(what) ?? 0) + 1;
        this.racesLost.set(what, lost);
        event = lost >= MAX_RACES_PER_ITEM ? "abandoned" : "race";
        line =
          lost >= MAX_RACES_PER_ITEM
            ? `${this.name}: ${what}: abandoned after ${lost} transactions reverted on-chain: ${err.shortMessage}`
            : `${this.name}: ${what}: lost a race: ${err.shortMessage}`;
      }
      const key = `${what}|${event}|${error}`;
      if (!this.refusalsLogged.has(key)) {
        this.refusalsLogged.add(key);
        this.log(line, { event, agent: this.name, ...fields, error, detail: err.shortMessage });
      }
      return { done: false, error };
    }
  }

  /**
   * Whether something of ours settled (a game ended, a claim finalized) since what is owed was
   * last read: a payout may have been credited.
   */
  protected payoutHint = true;
  private passesSinceOwedRead = 0;

  /**
   * The auto-withdraw step of a pass: reads what is owed (and pulls it) only after a hint, or
   * every WITHDRAW_CHECK_PASSES passes for credits no event of ours announced, instead of one
   * read every pass.
   */
  protected async withdrawIfHinted(withdraw: () => Promise<bigint>): Promise<void> {
    if (!this.payoutHint && ++this.passesSinceOwedRead < WITHDRAW_CHECK_PASSES) return;
    await withdraw();
    this.payoutHint = false;
    this.passesSinceOwedRead = 0;
  }

  /** The chain's head as read once for the current pass (see inPass); null outside a pass. */
  private passHead: Promise<{ number: number; timestamp: number }> | null = null;

  /**
   * Runs one pass of the agent's loop with the chain's head read once: the event cursors and
   * the clock of every step of the pass share it (one RPC call instead of one per step). Events
   * mined during the pass are read by the next one.
   */
  protected async inPass(pass: () => Promise<void>): Promise<void> {
    this.passHead = this.readHead();
    // A failed read is not cached: the pass fails and the next one reads again.
    this.passHead.catch(() => (this.passHead = null));
    try {
      await pass();
    } finally {
      this.passHead = null;
    }
  }

  private async readHead(): Promise<{ number: number; timestamp: number }> {
    const latest = await withRetry(() => this.provider.getBlock("latest"));
    if (latest === null) throw new ChainError("the node has no latest block", null, [], null);
    return { number: latest.number, timestamp: latest.timestamp };
  }

  /** The chain's head: the pass's when inside one, else read now. */
  protected head(): Promise<{ number: number; timestamp: number }> {
    return this.passHead ?? this.readHead();
  }

  /** The time the next block will have, at least: an idle dev chain's latest block can be old. */
  protected async chainNow(): Promise<bigint> {
    const latest = await this.head();
    return BigInt(Math.max(latest.timestamp, Math.floor(Date.now() / 1000)));
  }

  protected get provider(): Provider {
    const provider = this.sender.signer.provider;
    // The CLI and the tests always connect the signer: a bare one is a wiring bug.
    if (provider === null) throw new RangeError(`${this.name}: the agent's signer has no provider`);
    return provider;
  }

  /** Every log `query` matches since the deployment block, read in bounded ranges. */
  protected logs<T>(query: RangeQuery<T>): Promise<T[]> {
    return logsSince(this.provider, query, this.d.fromBlock);
  }

  /** The logs of `query` in the latest block range that has any (a game's last move, a request's one event). */
  protected latest<T>(query: RangeQuery<T>): Promise<T[]> {
    return latestLogs(this.provider, query, this.d.fromBlock);
  }

  get address(): string {
    return this.sender.address;
  }

  /** Gas of every transaction this agent sent. */
  get gasUsed(): bigint {
    return this.sender.gasUsed;
  }

  /** Sends a transaction and waits for it; a revert comes back as a ChainError named after its error. */
  protected async send(populate: () => Promise<TransactionRequest>): Promise<bigint> {
    return (await this.sender.send(populate)).gasUsed;
  }

  /** Approves `spender` for the token once (max allowance) if its allowance is below `need`. */
  protected async ensureAllowance(spender: string, need: bigint): Promise<void> {
    if (!(await ensureAllowance(this.sender, this.d.token, spender, need))) return;
    this.log(`${this.name} approves ${spender} to move its tokens`, { event: "approved", agent: this.name, spender });
  }

  /** The game as the solver sees it, and its round, from chain state only (restart safe). */
  private async readGame(gameId: bigint): Promise<{ state: GameState; round: number }> {
    const g = await this.d.game.getGame(gameId);
    const live = isLive(g.status);
    const points = live ? (await this.d.game.splitPoints(gameId)).map(Number) : [];
    let hashes: string[] = [];
    if (g.status === ChainGameStatus.AwaitingChoice) {
      const ev = await this.latest((a, b) => this.d.game.queryFilter(this.d.game.filters.Dissected(gameId), a, b));
      hashes = [...ev[ev.length - 1].args.hashes];
    }
    let moverSecondsLeft: number | undefined;
    if (live) {
      const [claimer, challenger] = await this.d.game.secondsLeft(gameId);
      moverSecondsLeft = Number(claimerToMove(g.status) ? claimer : challenger);
    }
    const claimSettled = live && (await this.d.coordinator.claimStatus(g.claimId)) !== ClaimStatus.Pending;
    const claimRevealed =
      g.status === ChainGameStatus.AwaitingReveal &&
      (await this.d.coordinator.getClaim(g.claimId)).finalStateHash !== ZeroHash;
    const state = {
      status: g.status,
      lo: Number(g.lo),
      hi: Number(g.hi),
      hiHash: g.hiHash,
      points,
      hashes,
      moverSecondsLeft,
      claimSettled,
      claimRevealed,
    };
    return { state, round: Number(g.round) };
  }

  /** The model id this agent serves. */
  abstract get modelId(): string;

  /**
   * Whether claim `claimId` is on this agent's model: always when the account is not shared
   * with agents of other models; else read once (claim, then its request) and remembered.
   */
  protected async ownClaim(claimId: bigint, requestId?: bigint): Promise<boolean> {
    if (!this.sharedAccount) return true;
    const known = this.claimOnModel.get(claimId);
    if (known !== undefined) return known;
    requestId ??= (await withRetry(() => this.d.coordinator.getClaim(claimId))).requestId;
    const r = await withRetry(() => this.d.coordinator.getRequest(requestId));
    const ours = r.modelId.toLowerCase() === this.modelId.toLowerCase();
    this.claimOnModel.set(claimId, ours);
    return ours;
  }

  /** Games of ours not seen finished, as of the last pass. */
  get openGameCount(): number {
    return this.games.size;
  }

  /**
   * The chess clocks of our open games (seconds left, ours and the other party's, and whose
   * move it is), read now: what --metrics-port exposes.
   */
  async gameClocks(): Promise<{ gameId: bigint; ours: number; theirs: number; ourMove: boolean }[]> {
    const clocks: { gameId: bigint; ours: number; theirs: number; ourMove: boolean }[] = [];
    for (const id of this.games) {
      const g = await withRetry(() => this.d.game.getGame(id));
      if (!isLive(g.status)) continue;
      const [claimer, challenger] = await withRetry(() => this.d.game.secondsLeft(id));
      const claimerSide = this.side === "claimer";
      clocks.push({
        gameId: id,
        ours: Number(claimerSide ? claimer : challenger),
        theirs: Number(claimerSide ? challenger : claimer),
        ourMove: claimerToMove(g.status) === claimerSide,
      });
    }
    return clocks;
  }

  /**
   * Live games (status 1–3) where `side` is this agent. New games come from GameCreated logs
   * since the last pass (all of them on the first pass after a start); finished ones are dropped.
   */
  protected async liveGames(side: "claimer" | "challenger"): Promise<LiveGame[]> {
    this.side = side;
    if (!this.gameCursor) {
      const game = this.d.game;
      const filter =
        side === "challenger"
          ? game.filters.GameCreated(undefined, undefined, this.address)
          : game.filters.GameCreated();
      this.gameCursor = new EventCursor(this.provider, (a, b) => game.queryFilter(filter, a, b), this.d.fromBlock);
    }
    for (const e of await this.gameCursor.next((await this.head()).number))
      if (e.args[side] === this.address && (await this.ownClaim(e.args.claimId))) this.games.add(e.args.gameId);
    const live: LiveGame[] = [];
    for (const id of [...this.games].sort((x, y) => (x < y ? -1 : 1))) {
      const g = await withRetry(() => this.d.game.getGame(id));
      if (isLive(g.status)) {
        live.push({ id, claimId: g.claimId });
        continue;
      }
      this.games.delete(id);
      this.payoutHint = true; // a bond back, a reward
      if (this.playing.delete(id)) {
        const status = statusName(ChainGameStatus, g.status);
        this.log(`${this.name}: game #${id} is over: ${status} after ${g.round} rounds`, {
          event: "game-over",
          agent: this.name,
          gameId: String(id),
          status,
          rounds: Number(g.round),
        });
      }
    }
    return live;
  }

  /** One move in game `gameId` if it is ours: the solver decides, the responder sends. */
  async play(role: Role, gameId: bigint, trace: GameTrace): Promise<Action> {
    this.playing.add(gameId);
    const { state, round: done } = await withRetry(() => this.readGame(gameId));
    const t0 = performance.now();
    const action = this.progress(`game #${gameId}: computing the ${role}'s move`, () => nextMove(role, state, trace));
    const answerMs = performance.now() - t0;
    if (action.kind === "dissect" && answerMs > this.slowestAnswerMs) this.slowestAnswerMs = answerMs;
    await this.responder.respond({ gameId, action, state, round: done + 1, answerMs }, trace);
    return action;
  }

  /**
   * `units` of the deployment's token as it names them ("1.5 REFT", with the units when the
   * decimal form is long) for log lines; their JSON fields keep base units as strings.
   */
  protected async amount(units: bigint): Promise<string> {
    return formatAmount(units, await this.tokenInfo());
  }

  /** The deployment token's symbol and decimals, read once per agent. */
  tokenInfo(): Promise<TokenInfo> {
    this.token ??= tokenInfo(this.d.token).catch((e: unknown) => {
      // A transient RPC failure is not remembered: the next call tries again.
      this.token = null;
      throw e;
    });
    return this.token;
  }

  /** Payouts credited to us by `contract` (fees, bonds, rewards), pulled to our account. */
  protected async withdrawFrom(
    contract: Deployment["coordinator"] | Deployment["game"],
    what: string,
  ): Promise<bigint> {
    const owed = await withRetry(() => contract.payoutOf(this.address));
    if (owed === 0n) return 0n;
    await this.send(() => contract.withdraw.populateTransaction());
    this.log(`${this.name} withdraws ${await this.amount(owed)} (${what})`, {
      event: "withdrew",
      agent: this.name,
      amount: String(owed),
      from: what,
    });
    return owed;
  }
}
