// Reentrancy: through the consumer callback, and through a malicious token whose transfers
// hand control to a contract account that re-enters the protocol as itself. Every re-entry
// is refused, every payment is made once, and the books still balance.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { initHasher } from "../node/commit";
import type { ProtocolActor, ReentrantToken } from "../typechain-types";
import {
  CallbackStatus,
  DEFAULTS,
  GameStatus,
  Protocol,
  deployProtocol,
  expectBooksBalanced,
  honestChooser,
  makeClaim,
  makeRequest,
  now,
  openGame,
  playToStep,
  revealGame,
  registerScenario,
  stakeAll,
} from "./helpers/protocol-fixture";
import { ToyModel, ToyScenario } from "./helpers/toy-trace";

const REENTRANT = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);
const GAS = 300_000;

describe("reentrancy", function () {
  let s: ToyScenario;

  before(async () => {
    await initHasher();
    s = new ToyModel({ steps: 500 }).scenario(3);
  });

  describe("through the consumer callback", () => {
    async function windowClosed() {
      const p = await deployProtocol();
      await registerScenario(p, s);
      await stakeAll(p);
      const consumer = await ethers.deployContract("MockConsumer");
      await consumer.setMode(4); // Reenter
      const requestId = await makeRequest(p, s, { consumer: await consumer.getAddress(), gasLimit: GAS });
      const other = await makeRequest(p, s);
      const op = p.actors.operators[0];
      const claimId = await makeClaim(p, op, requestId, s.honest);
      const otherClaim = await makeClaim(p, op, other, s.honest);
      await time.increase(DEFAULTS.challengeWindow - 5);
      return { p, consumer, requestId, claimId, other, otherClaim, op };
    }

    async function reenterWith(data: string) {
      const f = await loadFixture(windowClosed);
      await f.consumer.setReentry(await f.p.coordinator.getAddress(), data);
      return f;
    }

    const cases: [string, (f: Awaited<ReturnType<typeof windowClosed>>) => string][] = [
      [
        "finalize of the same request",
        (f) => f.p.coordinator.interface.encodeFunctionData("finalize", [f.requestId, s.honest.claim.output]),
      ],
      [
        "retryCallback",
        (f) => f.p.coordinator.interface.encodeFunctionData("retryCallback", [f.requestId, s.honest.claim.output]),
      ],
      ["withdraw", (f) => f.p.coordinator.interface.encodeFunctionData("withdraw")],
      ["refund", (f) => f.p.coordinator.interface.encodeFunctionData("refund", [f.requestId])],
      [
        "a new request",
        (f) =>
          f.p.coordinator.interface.encodeFunctionData("request", [
            s.modelId,
            s.input,
            1000n,
            ethers.ZeroAddress,
            0,
            2n ** 40n,
          ]),
      ],
    ];

    for (const [label, data] of cases) {
      it(`a consumer calling ${label} from its callback is refused; the request finalizes once`, async () => {
        const f0 = await loadFixture(windowClosed);
        const f = await reenterWith(data(f0));
        await time.increase(5);
        const fee = (await f.p.coordinator.getRequest(f.requestId)).fee;
        await expect(f.p.coordinator.finalize(f.requestId, s.honest.claim.output)).to.emit(
          f.p.coordinator,
          "CallbackDelivered",
        );
        expect(await f.consumer.reenterSucceeded()).to.equal(false);
        expect((await f.consumer.reenterRevert()).slice(0, 10)).to.equal(REENTRANT);
        expect(await f.consumer.calls()).to.equal(1n);
        expect(await f.p.coordinator.payoutOf(f.op)).to.equal(fee);
        expect((await f.p.coordinator.getRequest(f.requestId)).callbackStatus).to.equal(CallbackStatus.Delivered);
        await expectBooksBalanced(f.p);
      });
    }

    it("a consumer opening a game from its callback is refused", async () => {
      const f = await loadFixture(windowClosed);
      // The other claim's window is still open: only the coordinator's guard stops the game.
      await f.consumer.setReentry(
        await f.p.game.getAddress(),
        f.p.game.interface.encodeFunctionData("challenge", [f.otherClaim, s.input]),
      );
      await time.increase(4);
      await f.p.coordinator.finalize(f.requestId, s.honest.claim.output);
      expect(await f.consumer.reenterSucceeded()).to.equal(false);
      expect((await f.consumer.reenterRevert()).slice(0, 10)).to.equal(REENTRANT);
      expect(await f.p.game.gameCount()).to.equal(0n);
    });
  });

  describe("through the token", () => {
    async function deployed() {
      const p = await deployProtocol({ token: "reentrant" });
      const token = p.token as ReentrantToken;
      await registerScenario(p, s);
      await stakeAll(p);
      const actor = await ethers.deployContract("ProtocolActor");
      await token.mint(actor, 1_000_000n);
      for (const spender of [p.staking, p.coordinator, p.game]) {
        await actor.exec(
          token,
          token.interface.encodeFunctionData("approve", [await spender.getAddress(), ethers.MaxUint256]),
        );
      }
      return { p, token, actor };
    }

    /** Arms the token: its next transfer calls actor.attack(), which calls `target` with `data`. */
    async function arm(token: ReentrantToken, actor: ProtocolActor, target: string, data: string) {
      await actor.setAttack(target, data);
      await token.arm(actor, actor.interface.encodeFunctionData("attack"), 1);
    }

    async function expectRefused(actor: ProtocolActor) {
      expect(await actor.attacks()).to.equal(1n);
      expect(await actor.lastAttackSucceeded()).to.equal(false);
      expect((await actor.lastAttackRevert()).slice(0, 10)).to.equal(REENTRANT);
    }

    it("Staking: a second withdraw during the payout is refused", async () => {
      const { p, token, actor } = await loadFixture(deployed);
      const st = p.staking.interface;
      await actor.exec(p.staking, st.encodeFunctionData("stake", [500n]));
      await actor.exec(p.staking, st.encodeFunctionData("requestUnbond", [500n]));
      await time.increase(DEFAULTS.unbondingDelay);
      await arm(token, actor, await p.staking.getAddress(), st.encodeFunctionData("withdraw"));
      await expect(actor.exec(p.staking, st.encodeFunctionData("withdraw"))).to.changeTokenBalances(
        token,
        [actor, p.staking],
        [500n, -500n],
      );
      await expectRefused(actor);
      await expectBooksBalanced(p);
    });

    it("Staking: re-entering stake while the stake is pulled is refused", async () => {
      const { p, token, actor } = await loadFixture(deployed);
      const st = p.staking.interface;
      await arm(token, actor, await p.staking.getAddress(), st.encodeFunctionData("stake", [100n]));
      await actor.exec(p.staking, st.encodeFunctionData("stake", [500n]));
      await expectRefused(actor);
      expect(await p.staking.bondedOf(actor)).to.equal(500n);
      await expectBooksBalanced(p);
    });

    it("Coordinator: re-entering request while the fee is pulled is refused; a second withdraw during a refund payout too", async () => {
      const { p, token, actor } = await loadFixture(deployed);
      const co = p.coordinator.interface;
      const deadline = (await now()) + 100;
      const args: [string, string, bigint, string, number, number] = [
        s.modelId,
        s.input,
        1000n,
        ethers.ZeroAddress,
        0,
        deadline,
      ];
      await arm(token, actor, await p.coordinator.getAddress(), co.encodeFunctionData("request", args));
      await actor.exec(p.coordinator, co.encodeFunctionData("request", args));
      await expectRefused(actor);
      expect(await p.coordinator.requestCount()).to.equal(1n);
      await time.increase(200);
      await p.coordinator.refund(1n);
      await arm(token, actor, await p.coordinator.getAddress(), co.encodeFunctionData("withdraw"));
      await expect(actor.exec(p.coordinator, co.encodeFunctionData("withdraw"))).to.changeTokenBalances(
        token,
        [actor, p.coordinator],
        [1000n, -1000n],
      );
      expect(await actor.attacks()).to.equal(2n);
      expect(await actor.lastAttackSucceeded()).to.equal(false);
      await expectBooksBalanced(p);
    });

    async function lyingClaimAtStep(p: Protocol, challengerActor: ProtocolActor) {
      const requestId = await makeRequest(p, s);
      const liar = s.lie("output");
      const op = p.actors.operators[0];
      const claimId = await makeClaim(p, op, requestId, liar);
      await challengerActor.exec(p.game, p.game.interface.encodeFunctionData("challenge", [claimId, s.input]));
      const gameId = await p.game.gameCount();
      // The actor chooses through exec: play the game with a signer-shaped wrapper.
      for (;;) {
        const g = await p.game.getGame(gameId);
        if (g.status === GameStatus.AwaitingReveal) {
          await revealGame(p, gameId, op, liar);
          continue;
        }
        if (g.status === GameStatus.AwaitingStep) break;
        const points = await p.game.splitPoints(gameId);
        const hashes = points.slice(1, -1).map((x) => liar.stateAt(Number(x)));
        await p.game.connect(op).dissect(gameId, hashes);
        const index = honestChooser(s.honest)(
          await p.game.splitPoints(gameId),
          hashes,
          (await p.game.getGame(gameId)).hiHash,
        );
        await challengerActor.exec(p.game, p.game.interface.encodeFunctionData("choose", [gameId, index, hashes]));
      }
      return { requestId, claimId, gameId };
    }

    async function atStepWithActor() {
      const f = await deployed();
      return { ...f, ...(await lyingClaimAtStep(f.p, f.actor)) };
    }

    for (const [label, call] of [
      [
        "DisputeGame.resolve",
        (p: Protocol, gameId: bigint) => [p.game, p.game.interface.encodeFunctionData("resolve", [gameId])],
      ],
      [
        "Coordinator.withdraw",
        (p: Protocol) => [p.coordinator, p.coordinator.interface.encodeFunctionData("withdraw")],
      ],
      ["Staking.withdraw", (p: Protocol) => [p.staking, p.staking.interface.encodeFunctionData("withdraw")]],
    ] as const) {
      // Slashing is accounting only (issue 10, exploit 1): step → rejectClaim → slash moves
      // no token, so the armed token never gets a transfer to re-enter from.
      it(`DisputeGame.step: the slash moves no token, so nothing re-enters ${label} through it`, async () => {
        const { p, token, actor, gameId } = await loadFixture(atStepWithActor);
        const g = await p.game.getGame(gameId);
        const [target, data] = call(p, gameId);
        await arm(token, actor, await (target as { getAddress(): Promise<string> }).getAddress(), data as string);
        await expect(
          actor.exec(p.game, p.game.interface.encodeFunctionData("step", [gameId, s.prover.proofAt(Number(g.lo))])),
        )
          .to.emit(p.game, "GameResolved")
          .withArgs(gameId, GameStatus.ChallengerWon);
        expect(await actor.attacks()).to.equal(0n);
        expect(await token.armed()).to.equal(1n);
        await expectBooksBalanced(p);
      });
    }

    // Where the slashed bond does move now: the game fetching its credit from Staking
    // inside a payout (DisputeGame.withdraw → Staking.withdrawSlashed → transfer).
    for (const [label, call] of [
      [
        "Staking.withdrawSlashed",
        (p: Protocol) => [p.staking, p.staking.interface.encodeFunctionData("withdrawSlashed")],
      ],
      ["Staking.withdraw", (p: Protocol) => [p.staking, p.staking.interface.encodeFunctionData("withdraw")]],
      ["DisputeGame.withdraw", (p: Protocol) => [p.game, p.game.interface.encodeFunctionData("withdraw")]],
    ] as const) {
      it(`DisputeGame.withdraw: re-entering ${label} while the slashed bond is fetched from Staking is refused`, async () => {
        const { p, token, actor, gameId } = await loadFixture(atStepWithActor);
        const g = await p.game.getGame(gameId);
        await actor.exec(p.game, p.game.interface.encodeFunctionData("step", [gameId, s.prover.proofAt(Number(g.lo))]));
        const [target, data] = call(p);
        await arm(token, actor, await (target as { getAddress(): Promise<string> }).getAddress(), data as string);
        await expect(actor.exec(p.game, p.game.interface.encodeFunctionData("withdraw")))
          .to.emit(p.staking, "SlashedWithdrawn")
          .withArgs(await p.game.getAddress(), DEFAULTS.claimBond);
        await expectRefused(actor);
        await expectBooksBalanced(p);
      });
    }

    it("DisputeGame: a second withdraw during the winner's payout is refused", async () => {
      const { p, token, actor, gameId } = await loadFixture(atStepWithActor);
      const g = await p.game.getGame(gameId);
      await actor.exec(p.game, p.game.interface.encodeFunctionData("step", [gameId, s.prover.proofAt(Number(g.lo))]));
      const owed = await p.game.payoutOf(actor);
      expect(owed).to.equal(DEFAULTS.challengerBond + DEFAULTS.challengerReward);
      await arm(token, actor, await p.game.getAddress(), p.game.interface.encodeFunctionData("withdraw"));
      // The game holds only the challenger's bond: it fetches the slashed claim bond from
      // Staking first (that transfer is the one the token re-enters from), then pays.
      await expect(actor.exec(p.game, p.game.interface.encodeFunctionData("withdraw"))).to.changeTokenBalances(
        token,
        [actor, p.game, p.staking],
        [owed, DEFAULTS.claimBond - owed, -DEFAULTS.claimBond],
      );
      await expectRefused(actor);
      await expectBooksBalanced(p);
    });

    it("DisputeGame: re-entering challenge while the bond is pulled is refused", async () => {
      const { p, token, actor } = await loadFixture(deployed);
      const r1 = await makeRequest(p, s);
      const r2 = await makeRequest(p, s);
      const c1 = await makeClaim(p, p.actors.operators[0], r1, s.honest);
      const c2 = await makeClaim(p, p.actors.operators[1], r2, s.honest);
      await arm(
        token,
        actor,
        await p.game.getAddress(),
        p.game.interface.encodeFunctionData("challenge", [c2, s.input]),
      );
      await actor.exec(p.game, p.game.interface.encodeFunctionData("challenge", [c1, s.input]));
      await expectRefused(actor);
      expect(await p.game.gameCount()).to.equal(1n);
      expect((await p.coordinator.getClaim(c2)).openGames).to.equal(0n);
      await expectBooksBalanced(p);
    });

    it("an honest flow with the malicious token disarmed still balances", async () => {
      const { p } = await loadFixture(deployed);
      const r = await makeRequest(p, s);
      await makeClaim(p, p.actors.operators[0], r, s.honest);
      const gameId = await openGame(p, p.actors.challengers[0], 1n);
      await playToStep(
        p,
        gameId,
        p.actors.operators[0],
        s.honest,
        p.actors.challengers[0],
        honestChooser(s.lie("output")),
      );
      await time.increase(DEFAULTS.clockSeconds);
      await p.game.resolve(gameId);
      await p.coordinator.finalize(r, s.honest.claim.output);
      await expectBooksBalanced(p);
    });
  });
});
