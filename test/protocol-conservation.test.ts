// Value conservation under random play: several actors take random actions (stake, unbond,
// withdraw, request (some with a NaN in the input), commit and reveal claims honestly or not,
// challenge (voiding a NaN request), reveal and play moves well or badly, let clocks run,
// resolve, settle timed-out games, finalize, refund, retry callbacks, withdraw payouts) and
// after every action the tokens each contract holds equal what its books say it owes,
// recomputed from the public state of every stake, request, claim, game and payout account;
// and no token is created or lost (Σ balances = minted supply). At the end everything is
// drained: every game resolved, every request settled, every payout and stake withdrawn, the
// contracts hold 0.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { initHasher } from "../node/commit";
import {
  ClaimStatus,
  DEFAULTS,
  GameStatus,
  RequestStatus,
  claimArgs,
  commitClaim,
  deployProtocol,
  honestChoice,
  registerScenario,
} from "./helpers/protocol-fixture";
import { rng } from "./helpers/random";
import { ToyModel, ToyScenario, TraceProvider, f32Bytes } from "./helpers/toy-trace";

const SEEDS = [1, 2, 3, 4];
const ACTIONS = 200;

describe("value conservation under random play", function () {
  this.timeout(900_000);
  let s: ToyScenario;

  before(async () => {
    await initHasher();
    s = new ToyModel({ steps: 40 }).scenario(4);
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}: ${ACTIONS} random actions, books balanced and supply conserved after each`, async () => {
      const p = await deployProtocol({ degree: 4, clockSeconds: 300, challengeWindow: 200, unbondingDelay: 500 });
      await registerScenario(p, s);
      const consumer = await ethers.deployContract("MockConsumer");
      const r = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
      const { operators, challengers, requester, stranger, treasury } = p.actors;
      const accounts: HardhatEthersSigner[] = [requester, ...operators, ...challengers, stranger, treasury];
      const lies = (["output", "intermediate", "dissection", "finalState"] as const).map((k) => s.lie(k));
      const traceOf = new Map<bigint, TraceProvider>(); // claimId → the claimer's trace
      const inputOf = new Map<bigint, string>(); // requestId → its input bytes
      // The request input with a NaN (voided at its first game): memory is canonical (§2.4).
      const nanInput = f32Bytes([
        Float32Array.from([...s.inputs[0], ...s.inputs[1]].map((x, i) => (i === 5 ? NaN : x))),
      ]);
      /** The output bytes of a request's claim (what finalize and retryCallback must pass). */
      const outputOf = async (requestId: bigint): Promise<string> =>
        traceOf.get((await p.coordinator.getRequest(requestId)).claimId)?.claim.output ?? "0x";
      const supply = await p.token.totalSupply();
      const counts = new Map<string, number>();

      /** Ids 1..n whose entry satisfies `ok`; a random id (likely refused) 15% of the time. */
      async function among(n: bigint, ok: (id: bigint) => Promise<boolean>): Promise<bigint> {
        const ids: bigint[] = [];
        for (let id = 1n; id <= n; id++) if (await ok(id)) ids.push(id);
        if (ids.length === 0 || r() < 0.15) return BigInt(1 + Math.floor(r() * Number(n + 1n)));
        return pick(ids);
      }
      const requestWhere = async (st: bigint) =>
        among(await p.coordinator.requestCount(), async (id) => (await p.coordinator.getRequest(id)).status === st);
      const pendingClaim = async () =>
        among(
          await p.coordinator.claimCount(),
          async (id) => (await p.coordinator.claimStatus(id)) === ClaimStatus.Pending,
        );

      const actions: [string, number, () => Promise<unknown>][] = [
        ["stake", 1, async () => p.staking.connect(pick(operators)).stake(BigInt(1 + Math.floor(r() * 3000)))],
        [
          "requestUnbond",
          1,
          async () => {
            const op = pick(operators);
            const free = await p.staking.freeStakeOf(op);
            return p.staking.connect(op).requestUnbond(free === 0n ? 1n : 1n + BigInt(Math.floor(r() * Number(free))));
          },
        ],
        ["withdrawStake", 1, async () => p.staking.connect(pick(operators)).withdraw()],
        [
          "request",
          3,
          async () => {
            const withCallback = r() < 0.4;
            if (withCallback) await consumer.setMode(Math.floor(r() * 4));
            const gas = withCallback ? 100_000 : 0;
            const fee = (await p.coordinator.quoteFee(s.modelId, gas)) + BigInt(Math.floor(r() * 500));
            const deadline = (await time.latest()) + 50 + Math.floor(r() * 1500);
            const input = r() < 0.1 ? nanInput : s.input;
            await p.coordinator
              .connect(requester)
              .request(
                s.modelId,
                input,
                fee,
                withCallback ? await consumer.getAddress() : ethers.ZeroAddress,
                gas,
                deadline,
                { gasLimit: 2_000_000 },
              );
            inputOf.set(await p.coordinator.requestCount(), input);
          },
        ],
        [
          "claim",
          4,
          async () => {
            const id = await requestWhere(RequestStatus.Open);
            const trace = r() < 0.5 ? s.honest : pick(lies);
            const op = pick(operators);
            await commitClaim(p, op, id, trace.claim.output);
            await p.coordinator.connect(op).claim(...claimArgs(id, trace.claim));
            traceOf.set(await p.coordinator.claimCount(), trace);
          },
        ],
        [
          "challenge",
          6,
          async () => {
            const claimId = await pendingClaim();
            const requestId = await p.coordinator
              .getClaim(claimId)
              .then((c) => c.requestId)
              .catch(() => 0n);
            // The request's bytes (from its event, for a challenger); other bytes 10% of the time.
            const input = r() < 0.1 ? s.input.slice(0, -2) + "ff" : (inputOf.get(requestId) ?? "0x");
            return p.game.connect(pick([...challengers, operators[0]])).challenge(claimId, input);
          },
        ],
        ["move", 12, async () => move(pick(await openGames()))],
        ["resolve", 2, async () => p.game.resolve(pick(await openGames()))],
        ["settleTimedOut", 1, async () => p.game.settleTimedOut(await pendingClaim())],
        [
          "finalize",
          3,
          async () => {
            const id = await requestWhere(RequestStatus.Claimed);
            return p.coordinator.finalize(id, await outputOf(id), { gasLimit: 2_000_000 });
          },
        ],
        ["refund", 1, async () => p.coordinator.refund(await requestWhere(RequestStatus.Open))],
        [
          "retryCallback",
          1,
          async () => {
            await consumer.setMode(Math.floor(r() * 4));
            const id = await requestWhere(RequestStatus.Finalized);
            return p.coordinator.retryCallback(id, await outputOf(id), { gasLimit: 2_000_000 });
          },
        ],
        ["withdrawFees", 2, async () => p.coordinator.connect(await owed((a) => p.coordinator.payoutOf(a))).withdraw()],
        ["withdrawGame", 2, async () => p.game.connect(await owed((a) => p.game.payoutOf(a))).withdraw()],
        ["wait", 3, async () => time.increase(1 + Math.floor(r() * (r() < 0.8 ? 60 : 400)))],
      ];
      const weighted = actions.flatMap(([name, w, act]) => Array.from({ length: w }, () => [name, act] as const));

      /** An account with a payout to withdraw (any account 15% of the time). */
      async function owed(payout: (a: HardhatEthersSigner) => Promise<bigint>): Promise<HardhatEthersSigner> {
        const with_: HardhatEthersSigner[] = [];
        for (const a of accounts) if ((await payout(a)) > 0n) with_.push(a);
        return with_.length === 0 || r() < 0.15 ? pick(accounts) : pick(with_);
      }

      async function openGames(): Promise<bigint[]> {
        const out: bigint[] = [];
        const n = await p.game.gameCount();
        for (let g = 1n; g <= n; g++) if ((await p.game.getGame(g)).status < GameStatus.ChallengerWon) out.push(g);
        return out.length ? out : [1n];
      }

      /** The mover of a game plays: well (from the right trace) or badly (at random). */
      async function move(gameId: bigint) {
        const g = await p.game.getGame(gameId);
        const claimer = accounts.find((a) => a.address === g.claimer)!;
        const challenger = accounts.find((a) => a.address === g.challenger)!;
        const trace = traceOf.get(g.claimId)!;
        if (g.status === GameStatus.AwaitingReveal) {
          // The claim's own halted state (refused if the claim's output is not the trace's).
          return p.game.connect(claimer).reveal(gameId, trace.claim.output, trace.claim.final, trace.claim.proofs);
        }
        if (g.status === GameStatus.AwaitingDissection) {
          const points = await p.game.splitPoints(gameId);
          return p.game.connect(claimer).dissect(
            gameId,
            points.slice(1, -1).map((x) => trace.stateAt(Number(x))),
          );
        }
        if (g.status === GameStatus.AwaitingChoice) {
          const points = await p.game.splitPoints(gameId);
          const ev = (await p.game.queryFilter(p.game.filters.Dissected(gameId))).at(-1)!;
          const hashes = [...ev.args.hashes];
          let index = Math.floor(r() * (points.length - 1));
          if (r() < 0.7) {
            try {
              index = honestChoice(points, hashes, g.hiHash, s.honest);
            } catch {
              // Every split hash is honest: any choice loses.
            }
          }
          return p.game.connect(challenger).choose(gameId, index, hashes);
        }
        if (g.status === GameStatus.AwaitingStep) {
          const proof = r() < 0.8 ? s.prover.proofAt(Number(g.lo)) : s.prover.falseProofAt(Number(g.lo));
          return p.game.connect(challenger).step(gameId, proof);
        }
      }

      async function check(after: string) {
        const msg = `seed ${seed}, after ${after}`;
        // Staking: Σ (bonded + unbonding) over operators; Σ locked = bonds of pending claims.
        let stakes = 0n;
        let locked = 0n;
        for (const op of operators) {
          stakes += (await p.staking.bondedOf(op)) + (await p.staking.unbondingOf(op))[0];
          locked += await p.staking.lockedOf(op);
        }
        // Slashed claim bonds stay in Staking as credits until the game fetches them.
        const slashedToGame = await p.staking.slashedOf(p.game);
        expect(await p.staking.totalSlashed(), `${msg}: only the game is credited slashes`).to.equal(slashedToGame);
        expect(await p.token.balanceOf(p.staking), `${msg}: staking`).to.equal(stakes + slashedToGame);
        // Coordinator: fees of requests neither finalized nor refunded + credited payouts.
        let escrow = 0n;
        for (let id = 1n; id <= (await p.coordinator.requestCount()); id++) {
          const q = await p.coordinator.getRequest(id);
          if (q.status === RequestStatus.Open || q.status === RequestStatus.Claimed) escrow += q.fee;
        }
        let pendingBonds = 0n;
        for (let id = 1n; id <= (await p.coordinator.claimCount()); id++) {
          const c = await p.coordinator.getClaim(id);
          if (c.status === ClaimStatus.Pending) pendingBonds += c.bond;
        }
        expect(locked, `${msg}: locked stake = bonds of pending claims`).to.equal(pendingBonds);
        let feePayouts = 0n;
        let gamePayouts = 0n;
        for (const a of [...accounts, consumer]) {
          feePayouts += await p.coordinator.payoutOf(a);
          gamePayouts += await p.game.payoutOf(a);
        }
        expect(await p.token.balanceOf(p.coordinator), `${msg}: coordinator`).to.equal(escrow + feePayouts);
        // DisputeGame: bonds of games not ended + credited payouts = what it holds + its
        // slashed-bond credit in Staking.
        let bonds = 0n;
        for (let g = 1n; g <= (await p.game.gameCount()); g++) {
          const game = await p.game.getGame(g);
          if (game.status < GameStatus.ChallengerWon) bonds += game.bond;
        }
        expect((await p.token.balanceOf(p.game)) + slashedToGame, `${msg}: game`).to.equal(bonds + gamePayouts);
        // The contracts' own aggregates agree, and the supply is conserved.
        expect(await p.staking.totalStaked()).to.equal(stakes);
        expect(await p.coordinator.totalEscrowedFees()).to.equal(escrow);
        expect(await p.coordinator.totalPayouts()).to.equal(feePayouts);
        expect(await p.game.totalBonds()).to.equal(bonds);
        expect(await p.game.totalPayouts()).to.equal(gamePayouts);
        let total = 0n;
        for (const a of [...accounts, p.staking, p.coordinator, p.game, consumer, p.actors.deployer])
          total += await p.token.balanceOf(a);
        expect(total, `${msg}: supply`).to.equal(supply);
      }

      for (const op of operators) await p.staking.connect(op).stake(DEFAULTS.claimBond * 2n);
      await check("setup");
      for (let i = 0; i < ACTIONS; i++) {
        const [name, act] = pick(weighted);
        let ok = true;
        try {
          await act();
        } catch {
          ok = false; // a refused action changes nothing; the books must still balance
        }
        const key = `${name}${ok ? "" : " (refused)"}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        await check(`action ${i}: ${key}`);
      }
      // A NaN request, claimed and challenged: voided (fee refunded, claim released, no game).
      {
        const fee = await p.coordinator.quoteFee(s.modelId, 0);
        await p.coordinator
          .connect(requester)
          .request(s.modelId, nanInput, fee, ethers.ZeroAddress, 0, (await time.latest()) + 5000);
        const id = await p.coordinator.requestCount();
        const op = operators[2];
        if ((await p.staking.freeStakeOf(op)) < DEFAULTS.claimBond)
          await p.staking.connect(op).stake(DEFAULTS.claimBond);
        await commitClaim(p, op, id, s.honest.claim.output);
        await p.coordinator.connect(op).claim(...claimArgs(id, s.honest.claim));
        const claimId = await p.coordinator.claimCount();
        traceOf.set(claimId, s.honest);
        await expect(p.game.connect(challengers[0]).challenge(claimId, nanInput)).to.emit(
          p.coordinator,
          "RequestVoided",
        );
        expect((await p.coordinator.getRequest(id)).status).to.equal(RequestStatus.Refunded);
        expect(await p.coordinator.claimStatus(claimId)).to.equal(ClaimStatus.Voided);
        await check("a voided NaN request");
      }
      // Drain: let every clock, window and deadline pass, end every game, settle every
      // request, withdraw every payout and every stake: the contracts end with nothing.
      await time.increase(10_000);
      for (let g = 1n; g <= (await p.game.gameCount()); g++) {
        if ((await p.game.getGame(g)).status < GameStatus.ChallengerWon) await p.game.resolve(g);
      }
      // A claim rejected just now pushed its request's deadline back by the time it held it.
      let lastDeadline = 0n;
      for (let id = 1n; id <= (await p.coordinator.requestCount()); id++) {
        const q = await p.coordinator.getRequest(id);
        if (q.status === RequestStatus.Open && q.deadline > lastDeadline) lastDeadline = q.deadline;
      }
      if (lastDeadline >= BigInt(await time.latest())) await time.increaseTo(lastDeadline + 1n);
      for (let id = 1n; id <= (await p.coordinator.requestCount()); id++) {
        const st = (await p.coordinator.getRequest(id)).status;
        if (st === RequestStatus.Claimed) await p.coordinator.finalize(id, await outputOf(id), { gasLimit: 2_000_000 });
        if (st === RequestStatus.Open) await p.coordinator.refund(id);
      }
      for (const a of accounts) {
        if ((await p.coordinator.payoutOf(a)) > 0n) await p.coordinator.connect(a).withdraw();
        if ((await p.game.payoutOf(a)) > 0n) await p.game.connect(a).withdraw();
      }
      for (const op of operators) {
        expect(await p.staking.lockedOf(op)).to.equal(0n);
        const free = await p.staking.freeStakeOf(op);
        if (free > 0n) await p.staking.connect(op).requestUnbond(free);
      }
      await time.increase(1000);
      for (const op of operators) if ((await p.staking.unbondingOf(op))[0] > 0n) await p.staking.connect(op).withdraw();
      await check("drain");
      for (const c of [p.staking, p.coordinator, p.game]) expect(await p.token.balanceOf(c), "drained").to.equal(0n);

      // Enough happened for the run to mean something.
      const done = (k: string) => counts.get(k) ?? 0;
      const summary = JSON.stringify([...counts].sort());
      expect(done("claim"), summary).to.be.greaterThan(3);
      expect(done("challenge"), summary).to.be.greaterThan(1);
      expect(done("move"), summary).to.be.greaterThan(5);
      const ended: Record<string, number> = {};
      for (let g = 1n; g <= (await p.game.gameCount()); g++) {
        const status = (await p.game.getGame(g)).status;
        const st = Object.entries(GameStatus).find(([, v]) => v === status)![0];
        ended[st] = (ended[st] ?? 0) + 1;
      }
      console.log(`      seed ${seed}: games ${JSON.stringify(ended)}; actions ${summary}`);
    });
  }
});
