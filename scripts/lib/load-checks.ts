// The load test's checks after the run (scripts/load.ts), read from the chain and from this
// process's own re-run of every request: the protocol-specific half of the load test, kept
// apart so that a change of the claim flow changes this file only.
import { ZeroAddress, keccak256 } from "ethers";
import type { FlakyConsumer } from "../../typechain-types";
import type { ModelRun, Run } from "../../node/agents/model-run";
import type { Deployment } from "../../node/chain/deploy";
import { CallbackStatus, ClaimStatus, GameStatus, RequestStatus, statusName } from "../../node/chain/status";
import type { LogEvent } from "./processes";

export interface LoadCheckInput {
  d: Deployment;
  fromBlock: number;
  model: ModelRun;
  /** The requests sent, by id, with their input bytes. */
  inputs: Map<bigint, string>;
  consumer: FlakyConsumer;
  /** Every externally owned account that took part. */
  participants: string[];
  /** The cheating operator's --json log: its claims with cheatAt are its planned cheats. */
  cheaterLog: LogEvent[];
  /** How long to wait for the agents to end their games and withdraw what they are owed. */
  waitForPayouts: number;
}

export interface LoadChecks {
  /** One line per failed check; empty when all passed. */
  problems: string[];
  finalized: number;
  refunded: number;
  claims: number;
  wrongClaims: number;
  wrongRejected: number;
  cheaterClaims: { total: number; wrong: number };
  games: Record<string, number>;
  callbacks: { delivered: number; failed: number; failedAsPredicted: number };
  minted: bigint;
  burned: bigint;
  /** Σ token balances of the participants + what the contracts' books hold. */
  accounted: bigint;
  /** Seconds of chain time from Requested to Finalized: median, 90th percentile, max (and which). */
  latency: { p50: number; p90: number; max: number; slowest: string };
}

export async function checkLoad(x: LoadCheckInput): Promise<LoadChecks> {
  const { d, model, inputs } = x;
  const problems: string[] = [];
  const honest = new Map<bigint, Run>();
  const honestOf = (requestId: bigint): Run => {
    let run = honest.get(requestId);
    if (!run) {
      const input = inputs.get(requestId);
      if (input === undefined) throw new Error(`load: request #${requestId} was not sent by the load test`);
      run = model.run(input);
      honest.set(requestId, run);
    }
    return run;
  };

  // Games end and payouts get withdrawn by the agents' loops: give them time.
  const t0 = Date.now();
  for (;;) {
    let busy = false;
    for (let g = 1n; g <= (await d.game.gameCount()); g++)
      if ((await d.game.getGame(g)).status < GameStatus.ChallengerWon) busy = true;
    for (const a of x.participants.slice(4))
      if ((await d.coordinator.payoutOf(a)) > 0n || (await d.game.payoutOf(a)) > 0n) busy = true;
    if (!busy || Date.now() - t0 > x.waitForPayouts) break;
    await new Promise((r) => setTimeout(r, 1000));
  }

  // Claims: wrong = differs from our own run of the request; wrong ones rejected, honest ones final.
  const operatorOf = new Map<bigint, string>();
  const cheater = x.cheaterLog.find((e) => e.event === "started")?.address as string | undefined;
  const planned = new Set(
    x.cheaterLog.filter((e) => e.event === "claimed" && e.cheatAt !== undefined).map((e) => String(e.claimId)),
  );
  let wrongClaims = 0;
  let wrongRejected = 0;
  const cheaterClaims = { total: 0, wrong: 0 };
  const claimCount = await d.coordinator.claimCount();
  for (let id = 1n; id <= claimCount; id++) {
    const c = await d.coordinator.getClaim(id);
    operatorOf.set(id, c.operator);
    // A claim is its output (protocol v3): wrong = other bytes than our run's.
    const wrong = c.outputHash.toLowerCase() !== keccak256(honestOf(c.requestId).output);
    const byCheater = cheater !== undefined && c.operator.toLowerCase() === cheater.toLowerCase();
    if (byCheater) {
      cheaterClaims.total++;
      if (wrong) cheaterClaims.wrong++;
      if (wrong !== planned.has(String(id)))
        problems.push(`claim #${id}: wrong = ${wrong} but the cheater's log says cheated = ${planned.has(String(id))}`);
    } else if (wrong) problems.push(`claim #${id} by honest operator ${c.operator} differs from our run`);
    if (wrong) {
      wrongClaims++;
      if (c.status === ClaimStatus.Rejected) wrongRejected++;
      else
        problems.push(
          `wrong claim #${id} (request #${c.requestId}) is ${statusName(ClaimStatus, c.status)}, not Rejected`,
        );
    } else if (c.status !== ClaimStatus.Finalized)
      problems.push(
        `honest claim #${id} (request #${c.requestId}) is ${statusName(ClaimStatus, c.status)}, not Finalized`,
      );
  }

  // Requests: finalized with the honest output, or refunded; callbacks fail where the consumer refuses.
  let finalized = 0;
  let refunded = 0;
  const callbacks = { delivered: 0, failed: 0, failedAsPredicted: 0 };
  const consumerAddress = (await x.consumer.getAddress()).toLowerCase();
  for (const id of inputs.keys()) {
    const r = await d.coordinator.getRequest(id);
    if (r.status === RequestStatus.Refunded) {
      refunded++;
      continue;
    }
    if (r.status !== RequestStatus.Finalized) {
      problems.push(`request #${id} is ${statusName(RequestStatus, r.status)}, neither Finalized nor Refunded`);
      continue;
    }
    finalized++;
    const result = await d.coordinator.resultOf(id);
    if (result.toLowerCase() !== keccak256(honestOf(id).output))
      problems.push(`request #${id} finalized with an output that differs from our run`);
    if (r.consumer.toLowerCase() !== consumerAddress) continue;
    const refuses = await x.consumer.refuses(id);
    if (r.callbackStatus === CallbackStatus.Delivered) callbacks.delivered++;
    if (r.callbackStatus === CallbackStatus.Failed) callbacks.failed++;
    const expected = refuses ? CallbackStatus.Failed : CallbackStatus.Delivered;
    if (r.callbackStatus === expected) {
      if (refuses) callbacks.failedAsPredicted++;
    } else
      problems.push(
        `request #${id}: callback ${statusName(CallbackStatus, r.callbackStatus)}, expected ${statusName(CallbackStatus, expected)}`,
      );
  }

  // Games: none left running; no honest challenger lost one.
  const games: Record<string, number> = {};
  for (let g = 1n; g <= (await d.game.gameCount()); g++) {
    const game = await d.game.getGame(g);
    const name = statusName(GameStatus, game.status);
    games[name] = (games[name] ?? 0) + 1;
    if (game.status < GameStatus.ChallengerWon) problems.push(`game #${g} is still ${name}`);
    if (game.status === GameStatus.ClaimerWon)
      problems.push(`game #${g}: an honest challenger lost (claim #${game.claimId}, wrong claims only are challenged)`);
  }

  // Value: every token ever minted is in an account or in a contract's books, to the wei.
  const { token, staking, coordinator, game } = d;
  const transfers = await token.queryFilter(token.filters.Transfer(), x.fromBlock);
  let minted = 0n;
  let burned = 0n;
  const holders = new Set<string>();
  for (const t of transfers) {
    if (t.args.from === ZeroAddress) minted += t.args.value;
    if (t.args.to === ZeroAddress) burned += t.args.value;
    else holders.add(t.args.to.toLowerCase());
  }
  const contracts = new Map<string, string>();
  for (const [name, c] of Object.entries({ staking, coordinator, game, consumer: x.consumer }))
    contracts.set((await c.getAddress()).toLowerCase(), name);
  const known = new Set([...x.participants.map((a) => a.toLowerCase()), ...contracts.keys()]);
  for (const h of holders)
    if (!known.has(h) && (await token.balanceOf(h)) > 0n) problems.push(`tokens held by an unknown account ${h}`);
  let balances = 0n;
  for (const h of holders) if (!contracts.has(h)) balances += await token.balanceOf(h);
  const consumerBalance = await token.balanceOf(x.consumer);
  // Each contract's balance equals its books, recomputed from the public state of its entries.
  let stakes = 0n;
  for (const a of x.participants) stakes += (await staking.bondedOf(a)) + (await staking.unbondingOf(a))[0];
  const staked = await staking.totalStaked();
  let escrow = 0n;
  for (let id = 1n; id <= (await coordinator.requestCount()); id++) {
    const q = await coordinator.getRequest(id);
    if (q.status === RequestStatus.Open || q.status === RequestStatus.Claimed) escrow += q.fee;
  }
  let feeCredits = 0n;
  let gameCredits = 0n;
  for (const a of [...x.participants, await x.consumer.getAddress()]) {
    feeCredits += await coordinator.payoutOf(a);
    gameCredits += await game.payoutOf(a);
  }
  let bonds = 0n;
  for (let g = 1n; g <= (await game.gameCount()); g++) {
    const gm = await game.getGame(g);
    if (gm.status < GameStatus.ChallengerWon) bonds += gm.bond;
  }
  // Slashed claim bonds stay in Staking, credited to DisputeGame, until a payout of the game
  // needs them (PROTOCOL §7.7): tokens of Staking's, owed to the game.
  const slashed = await staking.slashedOf(game);
  const books: [string, bigint, bigint, bigint][] = [
    // [contract, its token balance, its aggregate views, recomputed from entries]
    ["Staking", await token.balanceOf(staking), staked + (await staking.totalSlashed()), stakes + slashed],
    [
      "Coordinator",
      await token.balanceOf(coordinator),
      (await coordinator.totalEscrowedFees()) + (await coordinator.totalPayouts()),
      escrow + feeCredits,
    ],
    [
      "DisputeGame (with its credit in Staking)",
      (await token.balanceOf(game)) + slashed,
      (await game.totalBonds()) + (await game.totalPayouts()),
      bonds + gameCredits,
    ],
  ];
  // The game's credit in Staking is counted once, in Staking's entries.
  let held = -slashed;
  for (const [name, balance, views, entries] of books) {
    held += entries;
    if (balance !== views || balance !== entries)
      problems.push(`${name} holds ${balance} tokens; its totals say ${views}; its entries add up to ${entries}`);
  }
  const accounted = balances + consumerBalance + held;
  const supply = await token.totalSupply();
  if (accounted !== minted - burned || supply !== minted - burned)
    problems.push(`value: minted ${minted} − burned ${burned} ≠ accounted ${accounted} (totalSupply ${supply})`);

  // Latency, request to finalization, in chain time (the dev chain follows the wall clock).
  const blockTime = new Map<number, number>();
  const timeOf = async (block: number) => {
    if (!blockTime.has(block)) blockTime.set(block, (await coordinator.runner!.provider!.getBlock(block))!.timestamp);
    return blockTime.get(block)!;
  };
  const requestedAt = new Map<bigint, number>();
  for (const e of await coordinator.queryFilter(coordinator.filters.Requested(), x.fromBlock))
    requestedAt.set(e.args.requestId, await timeOf(e.blockNumber));
  const waits: [number, bigint][] = [];
  for (const e of await coordinator.queryFilter(coordinator.filters.Finalized(), x.fromBlock))
    waits.push([(await timeOf(e.blockNumber)) - requestedAt.get(e.args.requestId)!, e.args.requestId]);
  waits.sort((a, b) => a[0] - b[0]);
  const at = (q: number) => (waits.length ? waits[Math.min(waits.length - 1, Math.floor(q * waits.length))][0] : 0);
  const latency = {
    p50: at(0.5),
    p90: at(0.9),
    max: at(1),
    slowest: waits.length ? `request #${waits[waits.length - 1][1]}` : "none",
  };

  return {
    latency,
    problems,
    finalized,
    refunded,
    claims: Number(claimCount),
    wrongClaims,
    wrongRejected,
    cheaterClaims,
    games,
    callbacks,
    minted,
    burned,
    accounted,
  };
}
