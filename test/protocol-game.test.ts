// DisputeGame mechanics on the toy trace: every move and transition (the claimer's reveal of
// its halted state first), every revert, clocks, resolution, payouts, and what the
// coordinator does with the outcome.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { initHasher } from "../node/commit";
import {
  ClaimStatus,
  DEFAULTS,
  GameStatus,
  RequestStatus,
  dissectionOf,
  expectBooksBalanced,
  honestChooser,
  makeClaim,
  makeRequest,
  now,
  openGame,
  openRevealedGame,
  playToStep,
  revealArgs,
  revealGame,
  randomChooser,
  registerScenario,
  stakeAll,
  deployProtocol,
} from "./helpers/protocol-fixture";
import { ToyModel, ToyScenario, TraceProvider } from "./helpers/toy-trace";

const N = 1000;
const K = DEFAULTS.degree;
const CLOCK = DEFAULTS.clockSeconds;
const BOND = DEFAULTS.challengerBond;
const CLAIM_BOND = DEFAULTS.claimBond;
const REWARD = DEFAULTS.challengerReward;

describe("DisputeGame", function () {
  let s: ToyScenario;
  let liar: TraceProvider;

  before(async () => {
    await initHasher();
    s = new ToyModel({ steps: N }).scenario(2);
    liar = s.lie("output");
  });

  async function base() {
    const p = await deployProtocol();
    await registerScenario(p, s);
    await stakeAll(p);
    const [claimer] = p.actors.operators;
    const [challenger, second] = p.actors.challengers;
    return { p, claimer, challenger, second };
  }

  /** A lying claim (output) on request 1 and an honest claim on request 2. */
  async function claimed() {
    const f = await base();
    const badRequest = await makeRequest(f.p, s);
    const goodRequest = await makeRequest(f.p, s);
    const bad = await makeClaim(f.p, f.claimer, badRequest, liar);
    const good = await makeClaim(f.p, f.claimer, goodRequest, s.honest);
    return { ...f, badRequest, goodRequest, bad, good };
  }

  /** A game against the lying claim, awaiting the claimer's reveal. */
  async function awaitingReveal() {
    const f = await claimed();
    const gameId = await openGame(f.p, f.challenger, f.bad);
    return { ...f, gameId };
  }

  /** That game once the claimer revealed: awaiting its first dissection. */
  async function challenged() {
    const f = await awaitingReveal();
    await revealGame(f.p, f.gameId, f.claimer, liar);
    return f;
  }

  async function dissected() {
    const f = await challenged();
    const hashes = await dissectionOf(f.p, f.gameId, liar);
    await f.p.game.connect(f.claimer).dissect(f.gameId, hashes);
    return { ...f, hashes };
  }

  async function atStep() {
    const f = await challenged();
    await playToStep(f.p, f.gameId, f.claimer, liar, f.challenger, honestChooser(s.honest));
    return f;
  }

  /** The honest claim challenged by a challenger who picks sub-ranges at random, at its last step. */
  async function honestClaimAtStep() {
    const f = await claimed();
    const gameId = await openGame(f.p, f.challenger, f.good);
    await playToStep(f.p, gameId, f.claimer, s.honest, f.challenger, randomChooser(3)); // reveals first
    return { ...f, gameId };
  }

  async function challengerWon() {
    const f = await atStep();
    const g = await f.p.game.getGame(f.gameId);
    await f.p.game.connect(f.challenger).step(f.gameId, s.prover.proofAt(Number(g.lo)));
    return f;
  }

  describe("constructor", () => {
    it("reverts on bad parameters", async () => {
      const { p } = await loadFixture(base);
      const factory = await ethers.getContractFactory("DisputeGame");
      const ok = {
        coordinator: await p.coordinator.getAddress(),
        registry: await p.registry.getAddress(),
        verifier: p.verifier,
        staking: await p.staking.getAddress(),
        token: await p.token.getAddress(),
        degree: 8,
        clockSeconds: 10,
        challengerBond: 1,
        challengerReward: 100,
        treasury: p.actors.treasury.address,
      };
      await expect(factory.deploy({ ...ok, treasury: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        p.game,
        "DisputeGame_ZeroAddress",
      );
      await expect(factory.deploy({ ...ok, verifier: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        p.game,
        "DisputeGame_ZeroAddress",
      );
      await expect(factory.deploy({ ...ok, staking: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        p.game,
        "DisputeGame_ZeroAddress",
      );
      for (const degree of [0, 1, 1025]) {
        await expect(factory.deploy({ ...ok, degree }))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_InvalidDegree")
          .withArgs(degree);
      }
      // A reward above 10% of the coordinator's claim bond would let a cheater winning against
      // itself recover more than that: the cap is read from the coordinator, not passed.
      const maxReward = (CLAIM_BOND * 1_000n) / 10_000n;
      await expect(factory.deploy({ ...ok, challengerReward: maxReward + 1n }))
        .to.be.revertedWithCustomError(p.game, "DisputeGame_RewardTooHigh")
        .withArgs(maxReward + 1n, maxReward);
      await expect(factory.deploy({ ...ok, challengerReward: maxReward })).not.to.be.reverted;
      await expect(factory.deploy({ ...ok, clockSeconds: 0 }))
        .to.be.revertedWithCustomError(p.game, "DisputeGame_InvalidClock")
        .withArgs(0);
      await expect(factory.deploy({ ...ok, challengerBond: 0 })).to.be.revertedWithCustomError(
        p.game,
        "DisputeGame_ZeroBond",
      );
    });
  });

  describe("challenge", () => {
    it("opens a game over [0, N]: S_0 computed on-chain, awaiting S_N on the claimer's running clock", async () => {
      const { p, claimer, challenger, bad } = await loadFixture(claimed);
      const t = (await now()) + 1;
      await time.setNextBlockTimestamp(t);
      const tx = p.game.connect(challenger).challenge(bad, s.input);
      await expect(tx)
        .to.emit(p.game, "GameCreated")
        .withArgs(1n, bad, challenger.address, claimer.address, N, s.honest.stateAt(0), ethers.ZeroHash);
      await expect(tx).to.emit(p.coordinator, "ClaimChallenged").withArgs(bad, 1);
      await expect(tx).to.changeTokenBalances(p.token, [challenger, p.game], [-BOND, BOND]);
      let g = await p.game.getGame(1n);
      expect(g.status).to.equal(GameStatus.AwaitingReveal);
      expect([g.lo, g.hi, g.round]).to.deep.equal([0n, BigInt(N), 0n]);
      expect(g.loHash).to.equal(s.honest.stateAt(0));
      expect(g.hiHash).to.equal(ethers.ZeroHash);
      expect(g.bond).to.equal(BOND);
      expect(await p.game.gameOf(bad, challenger)).to.equal(1n);
      expect(await p.game.totalBonds()).to.equal(BOND);
      await time.increase(100);
      expect(await p.game.secondsLeft(1n)).to.deep.equal([BigInt(CLOCK - 100), BigInt(CLOCK)]);
      expect((await p.coordinator.getClaim(bad)).openGames).to.equal(1n);
      // The reveal makes S_N the claim's and leaves the claimer's clock running (it dissects next).
      await time.setNextBlockTimestamp(t + 150);
      await expect(p.game.connect(claimer).reveal(1n, ...revealArgs(liar.claim)))
        .to.emit(p.game, "Revealed")
        .withArgs(1n, liar.claim.finalStateHash);
      g = await p.game.getGame(1n);
      expect(g.status).to.equal(GameStatus.AwaitingDissection);
      expect(g.hiHash).to.equal(liar.claim.finalStateHash);
      await time.increase(50);
      expect(await p.game.secondsLeft(1n)).to.deep.equal([BigInt(CLOCK - 200), BigInt(CLOCK)]);
    });

    it("a one-step program goes from the reveal to the step, on the challenger's clock", async () => {
      const { p, challenger } = await loadFixture(base);
      const one = new ToyModel({ steps: 1, seed: 9 }).scenario(1);
      await registerScenario(p, one);
      const req = await makeRequest(p, one);
      const claimer = p.actors.operators[1];
      const claimId = await makeClaim(p, claimer, req, one.lie("output"));
      const gameId = await openGame(p, challenger, claimId);
      expect((await p.game.getGame(gameId)).status).to.equal(GameStatus.AwaitingReveal);
      await time.increase(4);
      await revealGame(p, gameId, claimer, one.lie("output")); // 5 s after the challenge
      const g = await p.game.getGame(gameId);
      expect(g.status).to.equal(GameStatus.AwaitingStep);
      await time.increase(10);
      expect(await p.game.secondsLeft(gameId)).to.deep.equal([BigInt(CLOCK - 5), BigInt(CLOCK - 10)]);
      await expect(p.game.connect(challenger).step(gameId, one.prover.proofAt(0)))
        .to.emit(p.game, "GameResolved")
        .withArgs(gameId, GameStatus.ChallengerWon);
    });

    it("many challengers may open games against one claim; on a revealed claim a game starts at dissection", async () => {
      const { p, bad, claimer, second, gameId } = await loadFixture(challenged);
      await expect(p.game.connect(second).challenge(bad, "0x"))
        .to.emit(p.coordinator, "ClaimChallenged")
        .withArgs(bad, 2)
        .and.to.emit(p.game, "GameCreated")
        .withArgs(gameId + 1n, bad, second.address, claimer.address, N, s.honest.stateAt(0), liar.claim.finalStateHash);
      expect(await p.game.gameOf(bad, second)).to.equal(gameId + 1n);
      const g = await p.game.getGame(gameId + 1n);
      expect(g.status).to.equal(GameStatus.AwaitingDissection);
      expect(g.hiHash).to.equal(liar.claim.finalStateHash);
    });

    it("reverts for a second game of the same challenger against the claim", async () => {
      const { p, bad, challenger, gameId } = await loadFixture(challenged);
      await expect(p.game.connect(challenger).challenge(bad, s.input))
        .to.be.revertedWithCustomError(p.game, "DisputeGame_AlreadyChallenged")
        .withArgs(bad, challenger.address, gameId);
    });

    it("reverts without the bond's allowance", async () => {
      const { p, bad } = await loadFixture(claimed);
      const who = p.actors.stranger;
      await p.token.connect(who).approve(p.game, 0);
      await expect(p.game.connect(who).challenge(bad, s.input))
        .to.be.revertedWithCustomError(p.token, "ERC20InsufficientAllowance")
        .withArgs(await p.game.getAddress(), 0, BOND);
    });
  });

  describe("reveal", () => {
    it("anyone may send the claimer's reveal: it only proves", async () => {
      const { p, gameId } = await loadFixture(awaitingReveal);
      await expect(p.game.connect(p.actors.stranger).reveal(gameId, ...revealArgs(liar.claim)))
        .to.emit(p.game, "Revealed")
        .withArgs(gameId, liar.claim.finalStateHash);
      expect((await p.game.getGame(gameId)).status).to.equal(GameStatus.AwaitingDissection);
    });

    it("a game still awaiting the reveal of a claim revealed in another game takes the stored state", async () => {
      const { p, bad, claimer, second, gameId } = await loadFixture(awaitingReveal);
      const other = await openGame(p, second, bad); // also AwaitingReveal
      expect((await p.game.getGame(other)).status).to.equal(GameStatus.AwaitingReveal);
      await revealGame(p, gameId, claimer, liar);
      // The stored hash is used; the arguments are ignored.
      await expect(p.game.connect(claimer).reveal(other, "0x", revealArgs(liar.claim)[1], []))
        .to.emit(p.game, "Revealed")
        .withArgs(other, liar.claim.finalStateHash)
        .and.not.to.emit(p.coordinator, "ClaimRevealed");
      expect((await p.game.getGame(other)).hiHash).to.equal(liar.claim.finalStateHash);
    });

    it("the claimer silent while the game awaits its reveal loses on time", async () => {
      const { p, gameId, bad, badRequest, claimer, challenger } = await loadFixture(awaitingReveal);
      await time.increase(CLOCK - 2);
      await expect(p.game.resolve(gameId))
        .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockRunning")
        .withArgs(gameId, claimer.address, 1);
      await time.increase(1);
      await expect(p.game.connect(p.actors.stranger).resolve(gameId))
        .to.emit(p.game, "GameResolved")
        .withArgs(gameId, GameStatus.ChallengerWon)
        .and.to.emit(p.coordinator, "ClaimRejected")
        .withArgs(badRequest, bad, claimer.address, CLAIM_BOND);
      expect(await p.game.payoutOf(challenger)).to.equal(BOND + REWARD);
      await expectBooksBalanced(p);
    });

    describe("reverts", () => {
      it("when the game does not await it", async () => {
        const { p, claimer, gameId } = await loadFixture(challenged);
        await expect(p.game.connect(claimer).reveal(gameId, ...revealArgs(liar.claim)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongMove")
          .withArgs(gameId, GameStatus.AwaitingDissection);
      });

      it("once the claimer's clock ran out", async () => {
        const { p, claimer, gameId } = await loadFixture(awaitingReveal);
        await time.increase(CLOCK);
        await expect(p.game.connect(claimer).reveal(gameId, ...revealArgs(liar.claim)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockExpired")
          .withArgs(gameId, claimer.address);
      });

      it("for another claim's state (the coordinator's checks, §5.2)", async () => {
        const { p, claimer, gameId, bad } = await loadFixture(awaitingReveal);
        const c = s.honest.claim; // right roots, but not the claimed output
        await expect(p.game.connect(claimer).reveal(gameId, ...revealArgs(c)))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_OutputHashMismatch")
          .withArgs(bad, ethers.keccak256(liar.claim.output), ethers.keccak256(c.output));
      });

      it("a dissection before the reveal", async () => {
        const { p, claimer, gameId } = await loadFixture(awaitingReveal);
        await expect(p.game.connect(claimer).dissect(gameId, await dissectionOf(p, gameId, liar)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongMove")
          .withArgs(gameId, GameStatus.AwaitingReveal);
      });
    });
  });

  describe("dissect", () => {
    it("records the split hashes and hands the move to the challenger", async () => {
      const { p, claimer, gameId } = await loadFixture(challenged);
      const points = await p.game.splitPoints(gameId);
      expect(points.length).to.equal(K + 1);
      expect(points.map(Number)).to.deep.equal([0, 125, 250, 375, 500, 625, 750, 875, 1000]);
      const hashes = await dissectionOf(p, gameId, liar);
      await time.increase(98); // the reveal took 1 s of the claimer's clock
      await expect(p.game.connect(claimer).dissect(gameId, hashes))
        .to.emit(p.game, "Dissected")
        .withArgs(gameId, 0, 0, N, hashes);
      const g = await p.game.getGame(gameId);
      expect(g.status).to.equal(GameStatus.AwaitingChoice);
      expect(g.splitsHash).to.equal(ethers.keccak256(ethers.concat(hashes)));
      await time.increase(50);
      expect(await p.game.secondsLeft(gameId)).to.deep.equal([BigInt(CLOCK - 100), BigInt(CLOCK - 50)]);
    });

    it("posts L − 1 hashes once the range is shorter than k", async () => {
      const { p, claimer, challenger } = await loadFixture(claimed);
      const short = new ToyModel({ steps: 5, seed: 4 }).scenario(1);
      await registerScenario(p, short);
      const claimId = await makeClaim(p, claimer, await makeRequest(p, short), short.lie("output"));
      const gameId = await openRevealedGame(p, challenger, claimId, claimer, short.lie("output"));
      const hashes = await dissectionOf(p, gameId, short.lie("output"));
      expect(hashes.length).to.equal(4);
      await expect(p.game.connect(claimer).dissect(gameId, hashes.slice(1)))
        .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongHashCount")
        .withArgs(gameId, 4, 3);
      await p.game.connect(claimer).dissect(gameId, hashes);
    });

    describe("reverts", () => {
      it("for an unknown game", async () => {
        const { p, claimer } = await loadFixture(challenged);
        await expect(p.game.connect(claimer).dissect(9n, []))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_UnknownGame")
          .withArgs(9n);
      });

      it("for anyone but the claimer", async () => {
        const { p, challenger, gameId } = await loadFixture(challenged);
        await expect(p.game.connect(challenger).dissect(gameId, []))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_NotClaimer")
          .withArgs(gameId, challenger.address);
      });

      it("when it is not the claimer's move", async () => {
        const { p, claimer, gameId, hashes } = await loadFixture(dissected);
        await expect(p.game.connect(claimer).dissect(gameId, hashes))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongMove")
          .withArgs(gameId, GameStatus.AwaitingChoice);
      });

      it("with the wrong number of hashes", async () => {
        const { p, claimer, gameId } = await loadFixture(challenged);
        const hashes = await dissectionOf(p, gameId, liar);
        await expect(p.game.connect(claimer).dissect(gameId, [...hashes, ethers.ZeroHash]))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongHashCount")
          .withArgs(gameId, K - 1, K);
      });

      it("once the claimer's clock ran out", async () => {
        const { p, claimer, gameId } = await loadFixture(challenged);
        const g = await p.game.getGame(gameId);
        const started = BigInt(g.claimerClock) & ((1n << 64n) - 1n);
        await time.setNextBlockTimestamp(started + BigInt(CLOCK));
        await expect(p.game.connect(claimer).dissect(gameId, await dissectionOf(p, gameId, liar)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockExpired")
          .withArgs(gameId, claimer.address);
      });
    });
  });

  describe("choose", () => {
    it("narrows the range to the chosen sub-range and hands the move back", async () => {
      const { p, challenger, gameId, hashes } = await loadFixture(dissected);
      // The liar is honest before N: the challenger disputes the last sub-range.
      const index = K - 1;
      await expect(p.game.connect(challenger).choose(gameId, index, hashes))
        .to.emit(p.game, "SubrangeChosen")
        .withArgs(gameId, 0, index, 875, 1000);
      const g = await p.game.getGame(gameId);
      expect(g.status).to.equal(GameStatus.AwaitingDissection);
      expect([g.lo, g.hi, g.round]).to.deep.equal([875n, 1000n, 1n]);
      expect(g.loHash).to.equal(hashes[index - 1]);
      expect(g.hiHash).to.equal(liar.claim.finalStateHash);
    });

    it("the first sub-range keeps S_lo; an inner one takes both ends from the hashes", async () => {
      const { p, challenger, gameId, hashes } = await loadFixture(dissected);
      await p.game.connect(challenger).choose(gameId, 0, hashes);
      let g = await p.game.getGame(gameId);
      expect([g.lo, g.hi, g.loHash, g.hiHash]).to.deep.equal([0n, 125n, s.honest.stateAt(0), hashes[0]]);
      const f = await loadFixture(dissected);
      await f.p.game.connect(f.challenger).choose(f.gameId, 3, f.hashes);
      g = await f.p.game.getGame(f.gameId);
      expect([g.lo, g.hi, g.loHash, g.hiHash]).to.deep.equal([375n, 500n, f.hashes[2], f.hashes[3]]);
    });

    it("at one step the challenger keeps the move, its clock running", async () => {
      const { p, gameId } = await loadFixture(atStep);
      const g = await p.game.getGame(gameId);
      expect(g.status).to.equal(GameStatus.AwaitingStep);
      expect(g.hi - g.lo).to.equal(1n);
      expect(g.lo).to.equal(BigInt(N - 1));
      expect(g.round).to.equal(4n); // 1000 → 125 → 16 → 2 → 1
      const [, before] = await p.game.secondsLeft(gameId);
      await time.increase(7);
      const [, after] = await p.game.secondsLeft(gameId);
      expect(before - after).to.equal(7n);
    });

    describe("reverts", () => {
      it("for anyone but the challenger", async () => {
        const { p, claimer, gameId, hashes } = await loadFixture(dissected);
        await expect(p.game.connect(claimer).choose(gameId, 0, hashes))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_NotChallenger")
          .withArgs(gameId, claimer.address);
      });

      it("when it is not the challenger's move", async () => {
        const { p, challenger, gameId } = await loadFixture(challenged);
        await expect(p.game.connect(challenger).choose(gameId, 0, []))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongMove")
          .withArgs(gameId, GameStatus.AwaitingDissection);
      });

      it("with other hashes than the claimer posted", async () => {
        const { p, challenger, gameId, hashes } = await loadFixture(dissected);
        const other = [...hashes];
        other[2] = ethers.ZeroHash;
        await expect(p.game.connect(challenger).choose(gameId, 0, other))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_SplitsMismatch")
          .withArgs(gameId, ethers.keccak256(ethers.concat(hashes)), ethers.keccak256(ethers.concat(other)));
      });

      it("for an index past the last sub-range", async () => {
        const { p, challenger, gameId, hashes } = await loadFixture(dissected);
        await expect(p.game.connect(challenger).choose(gameId, K, hashes))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_IndexOutOfRange")
          .withArgs(gameId, K, K);
      });

      it("once the challenger's clock ran out", async () => {
        const { p, challenger, gameId, hashes } = await loadFixture(dissected);
        await time.increase(CLOCK);
        await expect(p.game.connect(challenger).choose(gameId, 0, hashes))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockExpired")
          .withArgs(gameId, challenger.address);
      });
    });
  });

  describe("step", () => {
    describe("the claimer's S_hi differs from step(S_lo)", () => {
      it("the challenger wins: claim rejected, bond slashed, request reopened", async () => {
        const { p, claimer, challenger, gameId, bad, badRequest } = await loadFixture(atStep);
        const g = await p.game.getGame(gameId);
        const claimedAt = (await p.coordinator.getClaim(bad)).claimedAt;
        const deadline = (await p.coordinator.getRequest(badRequest)).deadline;
        const tx = p.game.connect(challenger).step(gameId, s.prover.proofAt(Number(g.lo)));
        await expect(tx)
          .to.emit(p.game, "StepProven")
          .withArgs(gameId, g.lo, s.honest.stateAt(N), liar.claim.finalStateHash);
        await expect(tx).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ChallengerWon);
        await expect(tx).to.emit(p.coordinator, "ClaimRejected").withArgs(badRequest, bad, claimer.address, CLAIM_BOND);
        await expect(tx).to.emit(p.coordinator, "RequestReopened").withArgs(badRequest, anyValue);
        await expect(tx)
          .to.emit(p.staking, "StakeSlashed")
          .withArgs(claimer.address, CLAIM_BOND, await p.game.getAddress());
        await expect(tx)
          .to.emit(p.game, "PayoutCredited")
          .withArgs(challenger.address, BOND + REWARD);
        await expect(tx)
          .to.emit(p.game, "PayoutCredited")
          .withArgs(p.actors.treasury.address, CLAIM_BOND - REWARD);
        expect(await p.game.payoutOf(challenger)).to.equal(BOND + REWARD);
        expect(await p.game.payoutOf(p.actors.treasury)).to.equal(CLAIM_BOND - REWARD);
        expect(await p.game.totalBonds()).to.equal(0n);
        expect((await p.coordinator.getClaim(bad)).status).to.equal(ClaimStatus.Rejected);
        const r = await p.coordinator.getRequest(badRequest);
        expect([r.status, r.claimId]).to.deep.equal([RequestStatus.Open, 0n]);
        // The deadline moved by the time the rejected claim held the request (exploit 4).
        const stepAt = BigInt((await ethers.provider.getBlock((await (await tx).wait())!.blockNumber))!.timestamp);
        expect(r.deadline).to.equal(deadline + (stepAt - claimedAt));
        expect(await p.staking.lockedOf(claimer)).to.equal(CLAIM_BOND); // the honest claim's
        expect(await p.staking.bondedOf(claimer)).to.equal(CLAIM_BOND * 2n);
        await expectBooksBalanced(p);
      });

      it("the reopened request takes an honest claim that finalizes", async () => {
        const { p, badRequest } = await loadFixture(challengerWon);
        const op = p.actors.operators[1];
        await makeClaim(p, op, badRequest, s.honest);
        await time.increase(DEFAULTS.challengeWindow);
        await expect(p.coordinator.finalize(badRequest, s.honest.claim.output)).to.emit(p.coordinator, "Finalized");
        expect(await p.coordinator.resultOf(badRequest)).to.equal(ethers.keccak256(s.honest.claim.output));
      });

      it("a claim rejected after the request's deadline reopens it until deadline + the time the claim held it", async () => {
        const { p, challenger, gameId, bad, badRequest } = await loadFixture(atStep);
        const r = await p.coordinator.getRequest(badRequest);
        const claimedAt = (await p.coordinator.getClaim(bad)).claimedAt;
        await time.increaseTo(r.deadline + 1n);
        const g = await p.game.getGame(gameId);
        // The challenger's clock outlives the request's deadline here.
        expect((await p.game.secondsLeft(gameId))[1] > 0n).to.equal(true);
        const t = r.deadline + 2n;
        await time.setNextBlockTimestamp(t);
        const tx = p.game.connect(challenger).step(gameId, s.prover.proofAt(Number(g.lo)));
        const deadline = r.deadline + (t - claimedAt);
        await expect(tx).to.emit(p.coordinator, "RequestReopened").withArgs(badRequest, deadline);
        await expect(tx).to.not.emit(p.coordinator, "Refunded");
        const after = await p.coordinator.getRequest(badRequest);
        expect([after.status, after.deadline]).to.deep.equal([RequestStatus.Open, deadline]);
        expect((await p.coordinator.getClaim(bad)).status).to.equal(ClaimStatus.Rejected);
        // Refundable only after the new deadline.
        await expect(p.coordinator.refund(badRequest))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_DeadlineNotPassed")
          .withArgs(badRequest, deadline);
        await time.increaseTo(deadline + 1n);
        await expect(p.coordinator.refund(badRequest))
          .to.emit(p.coordinator, "Refunded")
          .withArgs(badRequest, p.actors.requester.address, r.fee);
      });
    });

    describe("the claimer's S_hi is step(S_lo)", () => {
      it("the claimer wins the challenger's bond and the claim can finalize", async () => {
        const { p, claimer, challenger, gameId, good, goodRequest } = await loadFixture(honestClaimAtStep);
        const g = await p.game.getGame(gameId);
        const tx = p.game.connect(challenger).step(gameId, s.prover.proofAt(Number(g.lo)));
        await expect(tx).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ClaimerWon);
        await expect(tx).to.emit(p.coordinator, "ClaimDefended").withArgs(good, 0);
        await expect(tx).to.emit(p.game, "PayoutCredited").withArgs(claimer.address, BOND);
        await time.increase(DEFAULTS.challengeWindow);
        await expect(p.coordinator.finalize(goodRequest, s.honest.claim.output)).to.emit(p.coordinator, "Finalized");
        await expect(p.game.connect(claimer).withdraw()).to.changeTokenBalances(
          p.token,
          [claimer, p.game],
          [BOND, -BOND],
        );
        await expectBooksBalanced(p);
      });
    });

    describe("reverts", () => {
      it("before the range is one step", async () => {
        const { p, challenger, gameId } = await loadFixture(dissected);
        await expect(p.game.connect(challenger).step(gameId, s.prover.proofAt(0)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongMove")
          .withArgs(gameId, GameStatus.AwaitingChoice);
      });

      it("for anyone but the challenger", async () => {
        const { p, claimer, gameId } = await loadFixture(atStep);
        await expect(p.game.connect(claimer).step(gameId, s.prover.proofAt(N - 1)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_NotChallenger")
          .withArgs(gameId, claimer.address);
      });

      it("when the verifier refuses the witness", async () => {
        const { p, challenger, gameId } = await loadFixture(atStep);
        const alphabet = p.alphabet!;
        await expect(p.game.connect(challenger).step(gameId, s.prover.falseProofAt(N - 1)))
          .to.be.revertedWithCustomError(alphabet, "AlphabetVerifier_PreStateMismatch")
          .withArgs(N, anyValue, s.honest.stateAt(N - 1));
      });

      it("once the challenger's clock ran out", async () => {
        const { p, challenger, gameId } = await loadFixture(atStep);
        await time.increase(CLOCK);
        await expect(p.game.connect(challenger).step(gameId, s.prover.proofAt(N - 1)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockExpired")
          .withArgs(gameId, challenger.address);
      });

      it("after the game ended", async () => {
        const { p, challenger, gameId } = await loadFixture(challengerWon);
        await expect(p.game.connect(challenger).step(gameId, s.prover.proofAt(N - 1)))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_WrongMove")
          .withArgs(gameId, GameStatus.ChallengerWon);
      });
    });
  });

  describe("resolve", () => {
    it("the claimer out of time loses (anyone may call)", async () => {
      const { p, gameId, bad, challenger } = await loadFixture(challenged);
      await time.increase(CLOCK);
      await expect(p.game.connect(p.actors.stranger).resolve(gameId))
        .to.emit(p.game, "GameResolved")
        .withArgs(gameId, GameStatus.ChallengerWon);
      expect((await p.coordinator.getClaim(bad)).status).to.equal(ClaimStatus.Rejected);
      expect(await p.game.payoutOf(challenger)).to.equal(BOND + REWARD);
    });

    it("the challenger out of time at its choice loses", async () => {
      const { p, gameId, claimer } = await loadFixture(dissected);
      await time.increase(CLOCK);
      await expect(p.game.resolve(gameId)).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ClaimerWon);
      expect(await p.game.payoutOf(claimer)).to.equal(BOND);
    });

    it("the challenger out of time at the step loses", async () => {
      const { p, gameId, bad } = await loadFixture(atStep);
      const [, left] = await p.game.secondsLeft(gameId);
      await time.increase(left);
      await expect(p.game.resolve(gameId)).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ClaimerWon);
      expect((await p.coordinator.getClaim(bad)).openGames).to.equal(0n);
    });

    it("a game against a claim another game rejected is aborted, its bond returned", async () => {
      const { p, bad, second, gameId } = await loadFixture(challenged);
      const other = await openGame(p, second, bad);
      await time.increase(CLOCK); // game 1: the claimer is out of time
      await p.game.resolve(gameId);
      await expect(p.game.resolve(other)).to.emit(p.game, "GameResolved").withArgs(other, GameStatus.Aborted);
      expect(await p.game.payoutOf(second)).to.equal(BOND);
      expect(await p.game.totalBonds()).to.equal(0n);
      await expectBooksBalanced(p);
    });

    describe("reverts", () => {
      it("while the mover has time", async () => {
        const { p, gameId, claimer, challenger } = await loadFixture(challenged);
        await time.increase(10);
        // 1 s for the reveal, 10 s waited, 1 s to the resolve's block.
        await expect(p.game.resolve(gameId))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockRunning")
          .withArgs(gameId, claimer.address, CLOCK - 12);
        const f = await loadFixture(dissected);
        await expect(f.p.game.resolve(f.gameId))
          .to.be.revertedWithCustomError(f.p.game, "DisputeGame_ClockRunning")
          .withArgs(f.gameId, challenger.address, CLOCK - 1);
      });

      it("after the game ended, and for an unknown game", async () => {
        const { p, gameId } = await loadFixture(challengerWon);
        await expect(p.game.resolve(gameId))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_GameOver")
          .withArgs(gameId, GameStatus.ChallengerWon);
        await expect(p.game.resolve(77n))
          .to.be.revertedWithCustomError(p.game, "DisputeGame_UnknownGame")
          .withArgs(77n);
      });
    });
  });

  describe("withdraw", () => {
    it("pays the winner and the treasury", async () => {
      const { p, challenger } = await loadFixture(challengerWon);
      await expect(p.game.connect(challenger).withdraw())
        .to.emit(p.game, "PayoutWithdrawn")
        .withArgs(challenger.address, BOND + REWARD);
      await expect(p.game.connect(p.actors.treasury).withdraw()).to.changeTokenBalances(
        p.token,
        [p.actors.treasury, p.game],
        [CLAIM_BOND - REWARD, -(CLAIM_BOND - REWARD)],
      );
      expect(await p.token.balanceOf(p.game)).to.equal(0n);
    });

    it("reverts with nothing to withdraw", async () => {
      const { p, claimer } = await loadFixture(challengerWon);
      await expect(p.game.connect(claimer).withdraw())
        .to.be.revertedWithCustomError(p.game, "PullPayments_NothingToWithdraw")
        .withArgs(claimer.address);
    });
  });

  describe("challenging one's own claim", () => {
    it("never pays: the operator loses its claim bond less the fixed reward, ≥ 90% of it", async () => {
      const { p, claimer, bad } = await loadFixture(claimed);
      const before = (await p.token.balanceOf(claimer)) + (await p.staking.bondedOf(claimer));
      const gameId = await openGame(p, claimer, bad);
      await playToStep(p, gameId, claimer, liar, claimer, honestChooser(s.honest));
      await p.game.connect(claimer).step(gameId, s.prover.proofAt(N - 1));
      await p.game.connect(claimer).withdraw();
      const after = (await p.token.balanceOf(claimer)) + (await p.staking.bondedOf(claimer));
      expect(before - after).to.equal(CLAIM_BOND - REWARD);
      expect((before - after) * 10n).to.be.at.least(CLAIM_BOND * 9n);
    });
  });
});
