// Read-only views of a deployment for the watching tools (`referee claims`, `games`,
// `account`, `explorer`). Which requests, claims and games exist comes from event logs since
// the deployment block, read by cursors so a poll costs only the new blocks; what state each
// one is in comes from view calls, so a view is the chain's state now, not a replay of events.
// Records that reached a terminal state cannot change again and are not read twice.
import type { Provider } from "ethers";
import type { Deployment } from "./deploy";
import { EventCursor, logsSince } from "./logs";
import { withRetry } from "./retry";
import { ClaimStatus, GameStatus, RequestStatus, statusName } from "./status";

/** The head the views were read at: the chain's own clock decides windows and clocks. */
export interface ChainTime {
  block: number;
  /** The latest block's timestamp (unix seconds). */
  timestamp: number;
}

export interface RequestRow {
  requestId: bigint;
  modelId: string;
  modelName: string;
  requester: string;
  consumer: string;
  fee: bigint;
  /** Unix seconds after which no claim is accepted. */
  deadline: number;
  status: string;
  /** Every claim made on it, oldest first (a rejected claim reopens the request). */
  claimIds: bigint[];
}

export interface ClaimRow {
  claimId: bigint;
  requestId: bigint;
  modelId: string;
  modelName: string;
  operator: string;
  bond: bigint;
  status: string;
  claimedAt: number;
  /** Unix seconds until which games can open; a claim with no open game is final after it. */
  challengeDeadline: number;
  openGames: number;
  gameIds: bigint[];
}

export type Party = "claimer" | "challenger";

export interface GameRow {
  gameId: bigint;
  claimId: bigint;
  claimer: string;
  challenger: string;
  status: string;
  /** Whose move it is; null once the game ended. */
  mover: Party | null;
  /** Rounds completed: dissections the challenger answered with a choice. */
  round: number;
  /** The disputed step range [lo, hi]. */
  lo: number;
  hi: number;
  /** N: the game bisects steps [0, N]. */
  steps: number;
  bond: bigint;
  /** Seconds left on each chess clock at the latest block (0 when run out). */
  clocks: { claimer: number; challenger: number };
}

export interface DissectionRound {
  round: number;
  /** The range the claimer dissected. */
  lo: number;
  hi: number;
  /** Split points p_0 = lo < … < p_m = hi (PROTOCOL.md §7.4). */
  points: number[];
  /** The sub-range the challenger disputed (0-based), null while it has not chosen. */
  chosen: number | null;
}

export interface GameHistory {
  game: GameRow;
  rounds: DissectionRound[];
  /** The one step executed on-chain, once proven. */
  proven: { step: number; postStateHash: string; claimedHash: string } | null;
  winner: Party | null;
}

const LIVE_GAME = new Set<bigint>([
  GameStatus.AwaitingReveal,
  GameStatus.AwaitingDissection,
  GameStatus.AwaitingChoice,
  GameStatus.AwaitingStep,
]);
const CLAIMER_MOVES = new Set<bigint>([GameStatus.AwaitingReveal, GameStatus.AwaitingDissection]);

/** Whose move a game in `status` waits for; null once it ended. */
export function moverOf(status: bigint): Party | null {
  if (!LIVE_GAME.has(status)) return null;
  return CLAIMER_MOVES.has(status) ? "claimer" : "challenger";
}

/** Split points of [lo, hi] at degree k, as LibDissection computes them. */
export function splitPoints(lo: number, hi: number, degree: number): number[] {
  const length = hi - lo;
  const m = Math.min(length, degree);
  return Array.from({ length: m + 1 }, (_, i) => lo + Math.floor((length * i) / m));
}

export function winnerOf(status: string): Party | null {
  return status === "ChallengerWon" ? "challenger" : status === "ClaimerWon" ? "claimer" : null;
}

interface Requested {
  args: { requestId: bigint; modelId: string; requester: string; consumer: string };
}
interface Claimed {
  args: { requestId: bigint; claimId: bigint; operator: string };
}
interface Created {
  args: { gameId: bigint; claimId: bigint; challenger: string; claimer: string; steps: bigint };
}

/**
 * The ids of a deployment's requests, claims and games, kept current by event cursors, and
 * their state read by view calls. One instance serves a long-running explorer (each refresh
 * reads only new blocks) or one CLI command.
 */
export class DeploymentIndex {
  private readonly requested = new Map<bigint, Requested["args"]>();
  private readonly claimed = new Map<bigint, Claimed["args"]>();
  private readonly created = new Map<bigint, Created["args"]>();
  /** Rows in a terminal state: they cannot change, so they are not read again. */
  private readonly doneRequests = new Map<bigint, RequestRow>();
  private readonly doneClaims = new Map<bigint, ClaimRow>();
  private readonly doneGames = new Map<bigint, GameRow>();
  private readonly modelNames = new Map<string, string>();
  private readonly cursors: {
    requested: EventCursor<Requested>;
    claimed: EventCursor<Claimed>;
    created: EventCursor<Created>;
  };
  private inFlight: Promise<ChainTime> | null = null;

  constructor(
    readonly d: Deployment,
    readonly provider: Provider,
  ) {
    const { coordinator, game } = d;
    this.cursors = {
      requested: new EventCursor(
        provider,
        (a, b) => coordinator.queryFilter(coordinator.filters.Requested(), a, b),
        d.fromBlock,
      ),
      claimed: new EventCursor(
        provider,
        (a, b) => coordinator.queryFilter(coordinator.filters.Claimed(), a, b),
        d.fromBlock,
      ),
      created: new EventCursor(provider, (a, b) => game.queryFilter(game.filters.GameCreated(), a, b), d.fromBlock),
    };
  }

  /** Reads the logs of blocks not seen yet; concurrent callers share one pass. */
  refresh(): Promise<ChainTime> {
    this.inFlight ??= this.scan().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async scan(): Promise<ChainTime> {
    const head = await withRetry(() => this.provider.getBlock("latest"));
    if (!head) throw new Error("the node returned no latest block");
    const [requested, claimed, created] = await Promise.all([
      this.cursors.requested.next(head.number),
      this.cursors.claimed.next(head.number),
      this.cursors.created.next(head.number),
    ]);
    for (const e of requested) this.requested.set(e.args.requestId, pick(e.args, REQUESTED_KEYS));
    for (const e of claimed) this.claimed.set(e.args.claimId, pick(e.args, CLAIMED_KEYS));
    for (const e of created) this.created.set(e.args.gameId, pick(e.args, CREATED_KEYS));
    return { block: head.number, timestamp: head.timestamp };
  }

  private async modelName(modelId: string): Promise<string> {
    let name = this.modelNames.get(modelId);
    if (name === undefined) {
      [name] = await withRetry(() => this.d.registry.metadata(modelId));
      this.modelNames.set(modelId, name);
    }
    return name;
  }

  /** Every request, newest first. */
  async requests(): Promise<RequestRow[]> {
    const claimsOf = new Map<bigint, bigint[]>();
    for (const [claimId, c] of [...this.claimed].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      claimsOf.set(c.requestId, [...(claimsOf.get(c.requestId) ?? []), claimId]);
    const ids = [...this.requested.keys()].sort((a, b) => (a < b ? 1 : -1));
    return mapLimited(ids, async (id) => {
      const done = this.doneRequests.get(id);
      if (done) return done;
      const e = this.requested.get(id)!;
      const r = await withRetry(() => this.d.coordinator.getRequest(id));
      const row: RequestRow = {
        requestId: id,
        modelId: e.modelId,
        modelName: await this.modelName(e.modelId),
        requester: e.requester,
        consumer: e.consumer,
        fee: r.fee,
        deadline: Number(r.deadline),
        status: statusName(RequestStatus, r.status),
        claimIds: claimsOf.get(id) ?? [],
      };
      // A final or refunded request takes no more claims: its row is settled.
      if (r.status === RequestStatus.Finalized || r.status === RequestStatus.Refunded) this.doneRequests.set(id, row);
      return row;
    });
  }

  /** Every claim, newest first; `pendingOnly` keeps those still Pending. */
  async claims(pendingOnly = false): Promise<ClaimRow[]> {
    const gamesOf = new Map<bigint, bigint[]>();
    for (const [gameId, g] of [...this.created].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      gamesOf.set(g.claimId, [...(gamesOf.get(g.claimId) ?? []), gameId]);
    const ids = [...this.claimed.keys()].sort((a, b) => (a < b ? 1 : -1));
    const rows = await mapLimited(ids, async (id) => {
      const done = this.doneClaims.get(id);
      if (done) return done;
      const e = this.claimed.get(id)!;
      const c = await withRetry(() => this.d.coordinator.getClaim(id));
      const modelId = this.requested.get(e.requestId)?.modelId ?? "";
      const row: ClaimRow = {
        claimId: id,
        requestId: e.requestId,
        modelId,
        modelName: modelId ? await this.modelName(modelId) : "",
        operator: c.operator,
        bond: c.bond,
        status: statusName(ClaimStatus, c.status),
        claimedAt: Number(c.claimedAt),
        challengeDeadline: Number(c.challengeDeadline),
        openGames: Number(c.openGames),
        gameIds: gamesOf.get(id) ?? [],
      };
      // Games open only inside the window, so a settled claim's game list is complete too.
      if (c.status !== ClaimStatus.Pending) this.doneClaims.set(id, row);
      return row;
    });
    return pendingOnly ? rows.filter((r) => r.status === "Pending") : rows;
  }

  /** Every game, newest first; `liveOnly` keeps those not ended. */
  async games(liveOnly = false): Promise<GameRow[]> {
    const ids = [...this.created.keys()].sort((a, b) => (a < b ? 1 : -1));
    const rows = await mapLimited(ids, (id) => this.game(id));
    return liveOnly ? rows.filter((g) => g.mover !== null) : rows;
  }

  /** One game's row; a RangeError for an id no GameCreated log names. */
  async game(gameId: bigint): Promise<GameRow> {
    const done = this.doneGames.get(gameId);
    if (done) return done;
    const e = this.created.get(gameId);
    if (!e) throw new RangeError(`no game #${gameId} in this deployment`);
    const [g, [claimerLeft, challengerLeft]] = await Promise.all([
      withRetry(() => this.d.game.getGame(gameId)),
      withRetry(() => this.d.game.secondsLeft(gameId)),
    ]);
    const row: GameRow = {
      gameId,
      claimId: e.claimId,
      claimer: g.claimer,
      challenger: g.challenger,
      status: statusName(GameStatus, g.status),
      mover: moverOf(g.status),
      round: Number(g.round),
      lo: Number(g.lo),
      hi: Number(g.hi),
      steps: Number(e.steps),
      bond: g.bond,
      clocks: { claimer: Number(claimerLeft), challenger: Number(challengerLeft) },
    };
    if (row.mover === null) this.doneGames.set(gameId, row);
    return row;
  }

  hasGame(gameId: bigint): boolean {
    return this.created.has(gameId);
  }

  /** Histories of ended games: their logs are complete, so they are not scanned again. */
  private readonly doneHistories = new Map<bigint, GameHistory>();

  /** A game's dissection round by round, from its own logs, and how it ended. */
  async history(gameId: bigint): Promise<GameHistory> {
    const done = this.doneHistories.get(gameId);
    if (done) return done;
    const game = await this.game(gameId);
    const { game: c } = this.d;
    const since = <T>(q: (a: number, b: number) => Promise<T[]>) => logsSince(this.provider, q, this.d.fromBlock);
    const [dissected, chosen, proven] = await Promise.all([
      since((a, b) => c.queryFilter(c.filters.Dissected(gameId), a, b)),
      since((a, b) => c.queryFilter(c.filters.SubrangeChosen(gameId), a, b)),
      since((a, b) => c.queryFilter(c.filters.StepProven(gameId), a, b)),
    ]);
    const choice = new Map(chosen.map((e) => [Number(e.args.round), Number(e.args.index)]));
    const rounds = dissected
      .map((e) => {
        const lo = Number(e.args.lo);
        const hi = Number(e.args.hi);
        const round = Number(e.args.round);
        // The event carries the m − 1 inner hashes: m parts, whose points LibDissection fixes.
        const m = e.args.hashes.length + 1;
        return { round, lo, hi, points: splitPoints(lo, hi, m), chosen: choice.get(round) ?? null };
      })
      .sort((a, b) => a.round - b.round);
    const p = proven[0];
    const h: GameHistory = {
      game,
      rounds,
      proven: p
        ? { step: Number(p.args.lo), postStateHash: p.args.postStateHash, claimedHash: p.args.claimedHash }
        : null,
      winner: winnerOf(game.status),
    };
    // The row was read before the logs: ended then, every move of it is in them.
    if (game.mover === null) this.doneHistories.set(gameId, h);
    return h;
  }
}

/** Reads in flight at once: a deployment with thousands of records must not flood its RPC. */
const READS_IN_FLIGHT = 16;

/** `f` over `items`, in order, with at most READS_IN_FLIGHT calls pending. */
async function mapLimited<T, R>(items: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, items.length) }, worker));
  return out;
}

const REQUESTED_KEYS = ["requestId", "modelId", "requester", "consumer"] as const;
const CLAIMED_KEYS = ["requestId", "claimId", "operator"] as const;
const CREATED_KEYS = ["gameId", "claimId", "challenger", "claimer", "steps"] as const;

/** The named fields of an event's args (ethers' Result is array-like; keep plain values). */
function pick<T extends object, K extends keyof T>(args: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = args[k];
  return out;
}

export interface StakeView {
  /** The staking contract's address. */
  contract: string;
  bonded: bigint;
  locked: bigint;
  free: bigint;
  unbonding: bigint;
  /** Unix seconds from which the unbonding stake can be withdrawn; 0 when none. */
  readyAt: number;
  /** Slashed stake credited to this account (a treasury's share), not withdrawn. */
  slashedCredit: bigint;
}

export interface TokenInfo {
  address: string;
  /** "" when the token has no symbol(); then amounts show in raw units. */
  symbol: string;
  decimals: number;
}

/** The deployment's token: its symbol and decimals, for showing amounts. */
export async function tokenInfo(d: Deployment): Promise<TokenInfo> {
  // Both are optional in ERC20: without them amounts are shown in raw units.
  const [symbol, decimals] = await Promise.all([d.token.symbol().catch(() => ""), d.token.decimals().catch(() => 0n)]);
  return { address: await d.token.getAddress(), symbol, decimals: Number(decimals) };
}

export interface AccountView {
  address: string;
  eth: bigint;
  token: TokenInfo & { balance: bigint };
  /** One entry per staking contract of the deployment. */
  stakes: StakeView[];
  /** Pull payments credited and not withdrawn, per contract. */
  payouts: { coordinator: bigint; game: bigint };
}

/** Balances, stake and pending payouts of `address` in deployment `d`. */
export async function accountView(d: Deployment, provider: Provider, address: string): Promise<AccountView> {
  const r = <T>(f: () => Promise<T>) => withRetry(f);
  const [eth, balance, token, bonded, locked, free, [unbonding, readyAt], slashed, fees, bonds] = await Promise.all([
    r(() => provider.getBalance(address)),
    r(() => d.token.balanceOf(address)),
    tokenInfo(d),
    r(() => d.staking.bondedOf(address)),
    r(() => d.staking.lockedOf(address)),
    r(() => d.staking.freeStakeOf(address)),
    r(() => d.staking.unbondingOf(address)),
    r(() => d.staking.slashedOf(address)),
    r(() => d.coordinator.payoutOf(address)),
    r(() => d.game.payoutOf(address)),
  ]);
  return {
    address,
    eth,
    token: { ...token, balance },
    stakes: [
      {
        contract: await d.staking.getAddress(),
        bonded,
        locked,
        free,
        unbonding,
        readyAt: Number(readyAt),
        slashedCredit: slashed,
      },
    ],
    payouts: { coordinator: fees, game: bonds },
  };
}

/** A view as JSON-safe data: bigints become decimal strings (amounts can exceed 2^53). */
export function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));
}
