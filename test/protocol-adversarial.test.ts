// Adversarial dispute games, all won by the honest side. One shared behaviour, run on
// (verifier, trace provider) pairs: the toy AlphabetVerifier with the toy trace, and the
// real OneStepVerifier with real hello_deepa traces (TraceCommitter.stateAt, buildWitness).
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TraceCommitter, buildWitness, encodeWitness, initHasher, toHex } from "../node/commit";
import {
  ClaimStatus,
  Chooser,
  DEFAULTS,
  GameStatus,
  Protocol,
  RequestStatus,
  deployProtocol,
  expectBooksBalanced,
  honestChooser,
  makeClaim,
  makeRequest,
  openGame,
  openRevealedGame,
  playToStep,
  randomChooser,
  registerScenario,
  stakeAll,
} from "./helpers/protocol-fixture";
import { RealScenario } from "./helpers/protocol-real-trace";
import { HELLO_DEEPA, compiled, seededInputs } from "./helpers/models";
import { LieKind, Scenario, ToyModel, TraceProvider } from "./helpers/toy-trace";
import { deployVerifierAddress } from "./helpers/verifier";

const BOND = DEFAULTS.challengerBond;
const CLAIM_BOND = DEFAULTS.claimBond;
const REWARD = DEFAULTS.challengerReward;
const CLOCK = DEFAULTS.clockSeconds;

export interface AdversarialVariant {
  name: string;
  degree: number;
  /** Builds the scenario; called once, after initHasher(). */
  scenario: () => Scenario;
  /** Deploys the verifier; the AlphabetVerifier when absent. */
  deployVerifier?: () => Promise<string>;
}

const LIES: [LieKind, string][] = [
  ["output", "lies about the output only"],
  ["intermediate", "lies about an intermediate step"],
  ["dissection", "lies in its dissection hashes"],
  ["finalState", "lies about the final state while the output is right"],
];

/** A challenger that always disputes the first sub-range. */
const firstChooser: Chooser = () => 0;

export function adversarialBehaviour(v: AdversarialVariant): void {
  describe(`adversarial games: ${v.name}`, function () {
    this.timeout(600_000);
    let s: Scenario;

    before(async () => {
      await initHasher();
      s = v.scenario();
    });

    async function requested() {
      const p = await deployProtocol({ degree: v.degree, deployVerifier: v.deployVerifier });
      await registerScenario(p, s);
      await stakeAll(p);
      const requestId = await makeRequest(p, s, { ttl: 10 * CLOCK });
      const [liarOp, honestOp] = p.actors.operators;
      return { p, requestId, liarOp, honestOp };
    }

    /** Plays a game to its step and submits the honest proof of that step. */
    async function playOut(
      p: Protocol,
      gameId: bigint,
      claimer: HardhatEthersSigner,
      claimerTrace: TraceProvider,
      challenger: HardhatEthersSigner,
      chooser: Chooser,
    ) {
      await playToStep(p, gameId, claimer, claimerTrace, challenger, chooser);
      const g = await p.game.getGame(gameId);
      expect(g.hi - g.lo).to.equal(1n);
      return p.game.connect(challenger).step(gameId, s.prover.proofAt(Number(g.lo)));
    }

    /** The liar's claim is rejected, the honest challenger paid; an honest claim then stands. */
    async function expectLiarBeaten(
      p: Protocol,
      requestId: bigint,
      claimId: bigint,
      challenger: HardhatEthersSigner,
      honestOp: HardhatEthersSigner,
    ) {
      expect((await p.coordinator.getClaim(claimId)).status).to.equal(ClaimStatus.Rejected);
      expect((await p.coordinator.getRequest(requestId)).status).to.equal(RequestStatus.Open);
      expect(await p.game.payoutOf(challenger)).to.equal(BOND + REWARD);
      await makeClaim(p, honestOp, requestId, s.honest);
      await time.increase(DEFAULTS.challengeWindow);
      await p.coordinator.finalize(requestId, s.honest.claim.output);
      expect(await p.coordinator.resultOf(requestId)).to.equal(ethers.keccak256(s.honest.claim.output));
      await expectBooksBalanced(p);
    }

    for (const [kind, label] of LIES) {
      it(`claimer ${label}: the honest challenger wins the one-step proof`, async () => {
        const { p, requestId, liarOp, honestOp } = await loadFixture(requested);
        const liar = s.lie(kind);
        expect(liar.claim.finalStateHash).to.not.equal(s.honest.claim.finalStateHash);
        if (kind === "finalState") expect(liar.claim.output).to.equal(s.honest.claim.output);
        if (kind === "output") expect(liar.claim.output).to.not.equal(s.honest.claim.output);
        const claimId = await makeClaim(p, liarOp, requestId, liar);
        const [challenger] = p.actors.challengers;
        const gameId = await openGame(p, challenger, claimId);
        const tx = playOut(p, gameId, liarOp, liar, challenger, honestChooser(s.honest));
        await expect(tx).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ChallengerWon);
        await expectLiarBeaten(p, requestId, claimId, challenger, honestOp);
      });
    }

    it("challenger disputes a correct claim: the claimer's hash is step(S_lo), the claimer wins", async () => {
      const { p, requestId, honestOp } = await loadFixture(requested);
      const claimId = await makeClaim(p, honestOp, requestId, s.honest);
      const [challenger] = p.actors.challengers;
      const gameId = await openGame(p, challenger, claimId);
      const tx = playOut(p, gameId, honestOp, s.honest, challenger, randomChooser(7));
      await expect(tx).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ClaimerWon);
      expect(await p.game.payoutOf(honestOp)).to.equal(BOND);
      await time.increase(DEFAULTS.challengeWindow);
      await expect(p.coordinator.finalize(requestId, s.honest.claim.output)).to.emit(p.coordinator, "Finalized");
      await expectBooksBalanced(p);
    });

    it("challenger submits a false one-step witness: refused; out of time, it loses", async () => {
      const { p, requestId, honestOp } = await loadFixture(requested);
      const claimId = await makeClaim(p, honestOp, requestId, s.honest);
      const [challenger] = p.actors.challengers;
      const gameId = await openGame(p, challenger, claimId);
      await playToStep(p, gameId, honestOp, s.honest, challenger, randomChooser(11));
      const g = await p.game.getGame(gameId);
      await expect(p.game.connect(challenger).step(gameId, s.prover.falseProofAt(Number(g.lo)))).to.be.reverted;
      const [, left] = await p.game.secondsLeft(gameId);
      await time.increase(left);
      await expect(p.game.resolve(gameId)).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ClaimerWon);
      expect(await p.game.payoutOf(honestOp)).to.equal(BOND);
    });

    it("a lying claimer who lets its clock run out loses", async () => {
      const { p, requestId, liarOp, honestOp } = await loadFixture(requested);
      const liar = s.lie("output");
      const claimId = await makeClaim(p, liarOp, requestId, liar);
      const [challenger] = p.actors.challengers;
      const gameId = await openRevealedGame(p, challenger, claimId, liarOp, liar);
      // One round, then silence.
      const hashes = (await p.game.splitPoints(gameId)).slice(1, -1).map((x) => liar.stateAt(Number(x)));
      await p.game.connect(liarOp).dissect(gameId, hashes);
      const points = await p.game.splitPoints(gameId);
      await p.game
        .connect(challenger)
        .choose(gameId, honestChooser(s.honest)(points, hashes, liar.claim.finalStateHash), hashes);
      const clock = (await p.game.getGame(gameId)).claimerClock;
      const expiry = (clock & ((1n << 64n) - 1n)) + (clock >> 64n);
      await time.setNextBlockTimestamp(expiry - 1n);
      await expect(p.game.resolve(gameId))
        .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockRunning")
        .withArgs(gameId, liarOp.address, 1);
      await time.setNextBlockTimestamp(expiry);
      await expect(p.game.resolve(gameId)).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ChallengerWon);
      await expectLiarBeaten(p, requestId, claimId, challenger, honestOp);
    });

    it("a challenger who lets its clock run out against a correct claim loses", async () => {
      const { p, requestId, honestOp } = await loadFixture(requested);
      const claimId = await makeClaim(p, honestOp, requestId, s.honest);
      const [challenger] = p.actors.challengers;
      const gameId = await openRevealedGame(p, challenger, claimId, honestOp, s.honest);
      const hashes = (await p.game.splitPoints(gameId)).slice(1, -1).map((x) => s.honest.stateAt(Number(x)));
      await p.game.connect(honestOp).dissect(gameId, hashes);
      await time.increase(CLOCK);
      await expect(p.game.connect(challenger).choose(gameId, 0, hashes))
        .to.be.revertedWithCustomError(p.game, "DisputeGame_ClockExpired")
        .withArgs(gameId, challenger.address);
      await expect(p.game.resolve(gameId)).to.emit(p.game, "GameResolved").withArgs(gameId, GameStatus.ClaimerWon);
      await expect(p.coordinator.finalize(requestId, s.honest.claim.output)).to.emit(p.coordinator, "Finalized");
    });

    it("several challengers on a wrong claim: the dishonest one loses, the first honest one wins, the other honest one gets its bond back", async () => {
      const { p, requestId, liarOp, honestOp } = await loadFixture(requested);
      const liar = s.lie("output");
      const claimId = await makeClaim(p, liarOp, requestId, liar);
      const [honest1, dishonest, honest2] = p.actors.challengers;
      // The first game has the claim revealed; the later ones start at the dissection.
      const gHonest1 = await openRevealedGame(p, honest1, claimId, liarOp, liar);
      const gDishonest = await openGame(p, dishonest, claimId);
      const gHonest2 = await openGame(p, honest2, claimId);
      expect((await p.game.getGame(gHonest2)).status).to.equal(GameStatus.AwaitingDissection);
      // The dishonest challenger disputes the first sub-range every round: honest there.
      await expect(playOut(p, gDishonest, liarOp, liar, dishonest, firstChooser))
        .to.emit(p.game, "GameResolved")
        .withArgs(gDishonest, GameStatus.ClaimerWon);
      // The second honest challenger is half-way when the first one wins.
      const hashes = (await p.game.splitPoints(gHonest2)).slice(1, -1).map((x) => liar.stateAt(Number(x)));
      await p.game.connect(liarOp).dissect(gHonest2, hashes);
      await expect(playOut(p, gHonest1, liarOp, liar, honest1, honestChooser(s.honest)))
        .to.emit(p.game, "GameResolved")
        .withArgs(gHonest1, GameStatus.ChallengerWon);
      await expect(p.game.resolve(gHonest2)).to.emit(p.game, "GameResolved").withArgs(gHonest2, GameStatus.Aborted);
      expect(await p.game.payoutOf(honest2)).to.equal(BOND);
      expect(await p.game.payoutOf(dishonest)).to.equal(0n);
      expect(await p.game.payoutOf(liarOp)).to.equal(BOND);
      expect(await p.game.payoutOf(p.actors.treasury)).to.equal(CLAIM_BOND - REWARD);
      await expectLiarBeaten(p, requestId, claimId, honest1, honestOp);
    });

    it("several challengers on a correct claim: every one loses, then the claim finalizes", async () => {
      const { p, requestId, honestOp } = await loadFixture(requested);
      const claimId = await makeClaim(p, honestOp, requestId, s.honest);
      const [c1, c2, c3] = p.actors.challengers;
      const g1 = await openGame(p, c1, claimId);
      const g2 = await openGame(p, c2, claimId);
      const g3 = await openGame(p, c3, claimId);
      await expect(playOut(p, g1, honestOp, s.honest, c1, randomChooser(5)))
        .to.emit(p.game, "GameResolved")
        .withArgs(g1, GameStatus.ClaimerWon);
      await expect(playOut(p, g2, honestOp, s.honest, c2, firstChooser))
        .to.emit(p.game, "GameResolved")
        .withArgs(g2, GameStatus.ClaimerWon);
      await playToStep(p, g3, honestOp, s.honest, c3, randomChooser(6));
      await time.increase(DEFAULTS.challengeWindow);
      await expect(p.coordinator.finalize(requestId, s.honest.claim.output))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_GamesOpen")
        .withArgs(claimId, 1);
      await time.increase(CLOCK);
      await p.game.resolve(g3);
      await expect(p.coordinator.finalize(requestId, s.honest.claim.output)).to.emit(p.coordinator, "Finalized");
      expect(await p.game.payoutOf(honestOp)).to.equal(3n * BOND);
      await expectBooksBalanced(p);
    });
  });
}

// ---------------------------------------------------------------------------------------
// Variants

adversarialBehaviour({
  name: "toy trace, AlphabetVerifier, k = 8, N = 10^6",
  degree: 8,
  scenario: () => new ToyModel({ steps: 1_000_000 }).scenario(5),
});

adversarialBehaviour({
  name: "toy trace, AlphabetVerifier, k = 2, N = 1000",
  degree: 2,
  scenario: () => new ToyModel({ steps: 1000, seed: 2 }).scenario(6),
});

// The real verifier is always there: were it renamed, these cases must fail, not vanish.
const proof = (trace: TraceCommitter, s: number) => toHex(encodeWitness(buildWitness(trace, s)));
adversarialBehaviour({
  name: "hello_deepa, OneStepVerifier, k = 16",
  degree: 16,
  scenario: () => {
    const model = compiled(HELLO_DEEPA);
    const inputs = seededInputs(
      model.program.inputs.map((i) => i.dims),
      21,
    );
    // A false witness: the proof of the previous step, submitted for this one.
    return new RealScenario("hello_deepa", model, inputs, proof, (trace, s) => proof(trace, s === 0 ? 1 : s - 1));
  },
  deployVerifier: deployVerifierAddress,
});
