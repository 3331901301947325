// Coordinator: requests (input hash stored; the inputs root computed by the first game, a NaN
// voiding the request then), claims (commit, then reveal the output; bond locked), the halted
// state's checks at its reveal (§5.2), finalization with the consumer callback and the output
// bytes, refunds, payouts, game hooks.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { initHasher, inputsRoot, toHex } from "../node/commit";
import {
  CallbackStatus,
  ClaimStatus,
  DEFAULTS,
  GameStatus,
  RequestStatus,
  SALT,
  claimArgs,
  claimCommitment,
  commitClaim,
  deployProtocol,
  makeClaim,
  makeRequest,
  now,
  openGame,
  registerScenario,
  revealArgs,
  stakeAll,
} from "./helpers/protocol-fixture";
import { ToyModel, ToyScenario, f32Bytes } from "./helpers/toy-trace";

const GAS = 200_000;

describe("Coordinator", function () {
  let s: ToyScenario;

  before(async () => {
    await initHasher();
    s = new ToyModel({ steps: 1000 }).scenario(1);
  });

  async function deployed() {
    const p = await deployProtocol();
    await registerScenario(p, s);
    await stakeAll(p);
    const consumer = await ethers.deployContract("MockConsumer");
    return { p, consumer };
  }

  /** Request 1 without a consumer, request 2 with the mock consumer. */
  async function requested() {
    const f = await deployed();
    const plain = await makeRequest(f.p, s);
    const withCallback = await makeRequest(f.p, s, { consumer: await f.consumer.getAddress(), gasLimit: GAS });
    return { ...f, plain, withCallback };
  }

  async function claimed() {
    const f = await requested();
    const [op] = f.p.actors.operators;
    const claimPlain = await makeClaim(f.p, op, f.plain, s.honest);
    const claimCallback = await makeClaim(f.p, op, f.withCallback, s.honest);
    return { ...f, op, claimPlain, claimCallback };
  }

  async function windowClosed() {
    const f = await claimed();
    await time.increase(DEFAULTS.challengeWindow);
    return f;
  }

  async function finalized() {
    const f = await windowClosed();
    await f.p.coordinator.finalize(f.plain, s.honest.claim.output);
    return f;
  }

  async function callbackFailed() {
    const f = await windowClosed();
    await f.consumer.setMode(1); // Revert
    await f.p.coordinator.finalize(f.withCallback, s.honest.claim.output);
    return f;
  }

  describe("constructor and administration", () => {
    it("reverts on zero addresses, a zero claim bond and a zero challenge window", async () => {
      const { p } = await loadFixture(deployed);
      const factory = await ethers.getContractFactory("Coordinator");
      await expect(
        factory.deploy(ethers.ZeroAddress, p.registry, p.staking, 1, 1, 1, DEFAULTS.fees, p.actors.deployer),
      ).to.be.revertedWithCustomError(p.coordinator, "Coordinator_ZeroAddress");
      await expect(
        factory.deploy(p.token, p.registry, p.staking, 1, 0, 1, DEFAULTS.fees, p.actors.deployer),
      ).to.be.revertedWithCustomError(p.coordinator, "Coordinator_ZeroBond");
      await expect(
        factory.deploy(p.token, p.registry, p.staking, 0, 1, 1, DEFAULTS.fees, p.actors.deployer),
      ).to.be.revertedWithCustomError(p.coordinator, "Coordinator_ZeroChallengeWindow");
    });

    it("sets the dispute game once, owner only", async () => {
      const { p } = await loadFixture(deployed);
      await expect(p.coordinator.setDisputeGame(p.actors.stranger))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_DisputeGameAlreadySet")
        .withArgs(await p.game.getAddress());
      await expect(p.coordinator.connect(p.actors.stranger).setDisputeGame(p.actors.stranger))
        .to.be.revertedWithCustomError(p.coordinator, "OwnableUnauthorizedAccount")
        .withArgs(p.actors.stranger.address);
      const fresh = await ethers.deployContract("Coordinator", [
        p.token,
        p.registry,
        p.staking,
        1,
        1,
        1,
        DEFAULTS.fees,
        p.actors.deployer,
      ]);
      await expect(fresh.setDisputeGame(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        fresh,
        "Coordinator_ZeroAddress",
      );
      await expect(fresh.setDisputeGame(p.game))
        .to.emit(fresh, "DisputeGameSet")
        .withArgs(await p.game.getAddress());
    });

    it("changes the fee schedule, owner only", async () => {
      const { p } = await loadFixture(deployed);
      const fees = { base: 1n, perMillionSteps: 2_000_000n, perCallbackGas: 3n };
      await expect(p.coordinator.setFeeSchedule(fees))
        .to.emit(p.coordinator, "FeeScheduleUpdated")
        .withArgs(1n, 2_000_000n, 3n);
      // 1 + 1000 steps · 2e6 / 1e6 + 10 gas · 3
      expect(await p.coordinator.quoteFee(s.modelId, 10)).to.equal(1n + 2_000n + 30n);
      await expect(p.coordinator.connect(p.actors.stranger).setFeeSchedule(fees)).to.be.revertedWithCustomError(
        p.coordinator,
        "OwnableUnauthorizedAccount",
      );
    });
  });

  describe("request", () => {
    it("escrows the fee and stores the request with its input hash, no inputs root yet", async () => {
      const { p } = await loadFixture(deployed);
      const fee = await p.coordinator.quoteFee(s.modelId, 0);
      expect(fee).to.equal(DEFAULTS.fees.base + (1000n * DEFAULTS.fees.perMillionSteps) / 1_000_000n);
      const deadline = (await now()) + 100;
      const inputHash = ethers.keccak256(s.input);
      await expect(
        p.coordinator.connect(p.actors.requester).request(s.modelId, s.input, fee, ethers.ZeroAddress, 0, deadline),
      )
        .to.emit(p.coordinator, "Requested")
        .withArgs(1n, s.modelId, p.actors.requester.address, ethers.ZeroAddress, fee, deadline, 0, inputHash, s.input);
      const r = await p.coordinator.getRequest(1n);
      expect(r.inputHash).to.equal(inputHash);
      expect(r.inputsRoot).to.equal(ethers.ZeroHash);
      expect(r.status).to.equal(RequestStatus.Open);
      expect(r.fee).to.equal(fee);
      expect(await p.coordinator.totalEscrowedFees()).to.equal(fee);
      expect(await p.token.balanceOf(p.coordinator)).to.equal(fee);
    });

    it("accepts a fee above the quote", async () => {
      const { p } = await loadFixture(deployed);
      const fee = 10_000n;
      const tx = p.coordinator
        .connect(p.actors.requester)
        .request(s.modelId, s.input, fee, ethers.ZeroAddress, 0, (await now()) + 100);
      await expect(tx).to.changeTokenBalances(p.token, [p.actors.requester, p.coordinator], [-fee, fee]);
    });

    describe("reverts", () => {
      it("for an unknown model", async () => {
        const { p } = await loadFixture(deployed);
        const id = ethers.id("unknown");
        await expect(p.coordinator.request(id, s.input, 1000, ethers.ZeroAddress, 0, (await now()) + 100))
          .to.be.revertedWithCustomError(p.registry, "ModelRegistry_UnknownModel")
          .withArgs(id);
      });

      it("for a deadline not in the future", async () => {
        const { p } = await loadFixture(deployed);
        const t = (await now()) + 1;
        await time.setNextBlockTimestamp(t);
        await expect(p.coordinator.request(s.modelId, s.input, 1000, ethers.ZeroAddress, 0, t))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_DeadlineInPast")
          .withArgs(t, t);
      });

      it("for a callback gas limit above the maximum", async () => {
        const { p } = await loadFixture(deployed);
        const max = DEFAULTS.maxCallbackGas;
        await expect(p.coordinator.request(s.modelId, s.input, 1000, ethers.ZeroAddress, max + 1, (await now()) + 100))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_CallbackGasTooHigh")
          .withArgs(max + 1, max);
      });

      it("for a fee below the quote, or above 2^96", async () => {
        const { p } = await loadFixture(deployed);
        const quote = await p.coordinator.quoteFee(s.modelId, 0);
        await expect(p.coordinator.request(s.modelId, s.input, quote - 1n, ethers.ZeroAddress, 0, (await now()) + 100))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_FeeTooLow")
          .withArgs(quote - 1n, quote);
        await expect(p.coordinator.request(s.modelId, s.input, 2n ** 96n, ethers.ZeroAddress, 0, (await now()) + 100))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_FeeTooHigh")
          .withArgs(2n ** 96n);
      });

      it("for input bytes of another length than the model's inputs", async () => {
        const { p } = await loadFixture(deployed);
        for (const input of [s.input.slice(0, -8), s.input + "00000000", "0x"]) {
          await expect(p.coordinator.request(s.modelId, input, 1000, ethers.ZeroAddress, 0, (await now()) + 100))
            .to.be.revertedWithCustomError(p.coordinator, "Coordinator_InputLengthMismatch")
            .withArgs(s.modelId, 52, (input.length - 2) / 2);
        }
      });
    });
  });

  describe("the inputs root, computed by the first game on a request", () => {
    it("is computed from the request's bytes, cached, and not recomputed by later games", async () => {
      const { p, plain, claimPlain } = await loadFixture(claimed);
      const root = toHex(inputsRoot(s.inputs));
      await expect(p.game.connect(p.actors.challengers[0]).challenge(claimPlain, s.input))
        .to.emit(p.coordinator, "InputsRootComputed")
        .withArgs(plain, root);
      expect((await p.coordinator.getRequest(plain)).inputsRoot).to.equal(root);
      // A later game passes no bytes: the cached root is used.
      await expect(p.game.connect(p.actors.challengers[1]).challenge(claimPlain, "0x")).not.to.emit(
        p.coordinator,
        "InputsRootComputed",
      );
      const [g1, g2] = [await p.game.getGame(1n), await p.game.getGame(2n)];
      expect(g1.loHash).to.equal(s.honest.stateAt(0));
      expect(g2.loHash).to.equal(g1.loHash);
    });

    it("refuses bytes other than the request's, naming both hashes", async () => {
      const { p, plain, claimPlain } = await loadFixture(claimed);
      const other = s.input.slice(0, -2) + (s.input.endsWith("00") ? "01" : "00");
      for (const input of [other, "0x"]) {
        await expect(p.game.connect(p.actors.challengers[0]).challenge(claimPlain, input))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_InputHashMismatch")
          .withArgs(plain, ethers.keccak256(s.input), ethers.keccak256(input));
      }
    });

    it("a NaN voids the request at its first game, naming its index: fee refunded, claim released, no bond", async () => {
      const { p } = await loadFixture(deployed);
      const [op] = p.actors.operators;
      const challenger = p.actors.challengers[0];
      for (const at of [0, 2, 3, 12]) {
        const flat = [...s.inputs[0], ...s.inputs[1]];
        flat[at] = NaN;
        const input = f32Bytes([Float32Array.from(flat)]);
        const fee = await p.coordinator.quoteFee(s.modelId, 0);
        // Accepted at request time: no value scan on-chain.
        await p.coordinator
          .connect(p.actors.requester)
          .request(s.modelId, input, fee, ethers.ZeroAddress, 0, (await now()) + 3600);
        const requestId = await p.coordinator.requestCount();
        const claimId = await makeClaim(p, op, requestId, s.honest);
        const payoutBefore = await p.coordinator.payoutOf(p.actors.requester);
        const tx = p.game.connect(challenger).challenge(claimId, input);
        await expect(tx)
          .to.emit(p.coordinator, "RequestVoided")
          .withArgs(requestId, claimId, at)
          .and.to.emit(p.coordinator, "Refunded")
          .withArgs(requestId, p.actors.requester.address, fee)
          .and.to.emit(p.staking, "StakeUnlocked")
          .and.not.to.emit(p.game, "GameCreated");
        await expect(tx).to.changeTokenBalances(p.token, [challenger, p.game], [0, 0]);
        expect((await p.coordinator.getRequest(requestId)).status).to.equal(RequestStatus.Refunded);
        expect((await p.coordinator.getClaim(claimId)).status).to.equal(ClaimStatus.Voided);
        expect(await p.coordinator.payoutOf(p.actors.requester)).to.equal(payoutBefore + fee);
        expect(await p.staking.lockedOf(op)).to.equal(0n);
        expect(await p.game.gameOf(claimId, challenger)).to.equal(0n);
      }
      expect(await p.game.gameCount()).to.equal(0n);
      expect(await p.game.totalBonds()).to.equal(0n);
    });
  });

  describe("claim: commit, then reveal the output", () => {
    describe("on an open request", () => {
      it("records the commitment, locking nothing and taking no slot", async () => {
        const { p, plain } = await loadFixture(requested);
        const [op] = p.actors.operators;
        const commitment = claimCommitment(plain, op.address, s.honest.claim.output);
        const tx = p.coordinator.connect(op).commitClaim(plain, commitment);
        await expect(tx).to.emit(p.coordinator, "ClaimCommitted").withArgs(plain, op.address, commitment);
        const k = await p.coordinator.commitmentOf(plain, op);
        expect(k.commitment).to.equal(commitment);
        expect(k.blockNumber).to.equal((await (await tx).wait())!.blockNumber);
        expect((await p.coordinator.getRequest(plain)).status).to.equal(RequestStatus.Open);
        expect(await p.staking.lockedOf(op)).to.equal(0n);
      });

      it("records the provisional result at the reveal, locks the bond and starts the window", async () => {
        const { p, plain } = await loadFixture(requested);
        const [op] = p.actors.operators;
        const c = s.honest.claim;
        await commitClaim(p, op, plain, c.output);
        const t = (await now()) + 1;
        await time.setNextBlockTimestamp(t);
        const outputHash = ethers.keccak256(c.output);
        await expect(p.coordinator.connect(op).claim(...claimArgs(plain, c)))
          .to.emit(p.coordinator, "Claimed")
          .withArgs(plain, 1n, op.address, outputHash, t + DEFAULTS.challengeWindow, c.output)
          .and.to.emit(p.staking, "StakeLocked")
          .withArgs(op.address, DEFAULTS.claimBond, DEFAULTS.claimBond);
        const r = await p.coordinator.getRequest(plain);
        expect(r.status).to.equal(RequestStatus.Claimed);
        expect(r.claimId).to.equal(1n);
        const cl = await p.coordinator.getClaim(1n);
        expect(cl.operator).to.equal(op.address);
        expect(cl.status).to.equal(ClaimStatus.Pending);
        expect(cl.outputHash).to.equal(outputHash);
        expect(cl.finalStateHash, "the halted state is revealed only in a game").to.equal(ethers.ZeroHash);
        expect(cl.bond).to.equal(DEFAULTS.claimBond);
        expect(await p.staking.lockedOf(op)).to.equal(DEFAULTS.claimBond);
        // The commitment is spent.
        expect((await p.coordinator.commitmentOf(plain, op)).blockNumber).to.equal(0n);
      });

      it("lets an operator replace its commitment, and commit while another claim is pending", async () => {
        const { p, plain } = await loadFixture(claimed);
        const op1 = p.actors.operators[1];
        const c = s.honest.claim;
        await commitClaim(p, op1, plain, c.output, ethers.id("first"));
        await commitClaim(p, op1, plain, c.output, ethers.id("second"));
        expect((await p.coordinator.commitmentOf(plain, op1)).commitment).to.equal(
          claimCommitment(plain, op1.address, c.output, ethers.id("second")),
        );
      });
    });

    describe("reverts", () => {
      it("for an unknown request", async () => {
        const { p } = await loadFixture(requested);
        const op = p.actors.operators[0];
        await expect(p.coordinator.connect(op).commitClaim(99n, ethers.ZeroHash))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_UnknownRequest")
          .withArgs(99n);
        await expect(p.coordinator.connect(op).claim(...claimArgs(99n, s.honest.claim)))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_UnknownRequest")
          .withArgs(99n);
      });

      it("for a request already claimed", async () => {
        const { p, plain } = await loadFixture(claimed);
        const op1 = p.actors.operators[1];
        await commitClaim(p, op1, plain, s.honest.claim.output);
        await expect(p.coordinator.connect(op1).claim(...claimArgs(plain, s.honest.claim)))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_RequestNotOpen")
          .withArgs(plain, RequestStatus.Claimed);
      });

      it("a commitment on a request already final", async () => {
        const { p, plain } = await loadFixture(finalized);
        await expect(p.coordinator.connect(p.actors.operators[1]).commitClaim(plain, ethers.ZeroHash))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_RequestEnded")
          .withArgs(plain, RequestStatus.Finalized);
      });

      it("after the deadline", async () => {
        const { p, plain } = await loadFixture(requested);
        const op = p.actors.operators[0];
        await commitClaim(p, op, plain, s.honest.claim.output);
        const r = await p.coordinator.getRequest(plain);
        await time.increaseTo(r.deadline + 1n);
        await expect(p.coordinator.connect(op).claim(...claimArgs(plain, s.honest.claim)))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_DeadlinePassed")
          .withArgs(plain, r.deadline);
      });

      it("without a commitment by the caller", async () => {
        const { p, plain } = await loadFixture(requested);
        const [op0, op1] = p.actors.operators;
        await commitClaim(p, op0, plain, s.honest.claim.output);
        await expect(p.coordinator.connect(op1).claim(...claimArgs(plain, s.honest.claim)))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_NoCommitment")
          .withArgs(plain, op1.address);
      });

      it("in the block of its commitment", async () => {
        const { p, plain } = await loadFixture(requested);
        const op = p.actors.operators[0];
        await ethers.provider.send("evm_setAutomine", [false]);
        try {
          await commitClaim(p, op, plain, s.honest.claim.output);
          // The reveal as it would run in the same block as the commitment (the pending one).
          const block = BigInt(await ethers.provider.getBlockNumber()) + 1n;
          await expect(
            p.coordinator.connect(op).claim.staticCall(...claimArgs(plain, s.honest.claim), { blockTag: "pending" }),
          )
            .to.be.revertedWithCustomError(p.coordinator, "Coordinator_RevealTooEarly")
            .withArgs(plain, block);
          await ethers.provider.send("evm_mine", []);
        } finally {
          await ethers.provider.send("evm_setAutomine", [true]);
        }
        // From the next block on, the reveal is accepted.
        await expect(p.coordinator.connect(op).claim(...claimArgs(plain, s.honest.claim))).to.emit(
          p.coordinator,
          "Claimed",
        );
      });

      it("for an output or salt other than committed, or a commitment under another address", async () => {
        const { p, plain } = await loadFixture(requested);
        const [op0, op1] = p.actors.operators;
        const c = s.honest.claim;
        await commitClaim(p, op0, plain, c.output);
        const other = s.lie("output").claim;
        await expect(p.coordinator.connect(op0).claim(...claimArgs(plain, other)))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_CommitmentMismatch")
          .withArgs(
            plain,
            claimCommitment(plain, op0.address, c.output),
            claimCommitment(plain, op0.address, other.output),
          );
        await expect(p.coordinator.connect(op0).claim(plain, c.output, ethers.id("other salt")))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_CommitmentMismatch")
          .withArgs(
            plain,
            claimCommitment(plain, op0.address, c.output),
            claimCommitment(plain, op0.address, c.output, ethers.id("other salt")),
          );
        // op1 commits op0's commitment (copied from the mempool): it binds op0's address.
        await p.coordinator.connect(op1).commitClaim(plain, claimCommitment(plain, op0.address, c.output));
        await expect(p.coordinator.connect(op1).claim(...claimArgs(plain, c)))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_CommitmentMismatch")
          .withArgs(
            plain,
            claimCommitment(plain, op0.address, c.output),
            claimCommitment(plain, op1.address, c.output),
          );
      });

      it("for a caller without the bond in free stake", async () => {
        const { p, plain } = await loadFixture(requested);
        await commitClaim(p, p.actors.stranger, plain, s.honest.claim.output);
        await expect(p.coordinator.connect(p.actors.stranger).claim(...claimArgs(plain, s.honest.claim)))
          .to.be.revertedWithCustomError(p.staking, "Staking_InsufficientFreeStake")
          .withArgs(p.actors.stranger.address, 0, DEFAULTS.claimBond);
      });
    });
  });

  describe("reveal of the halted state (§5.2 checks, in a game)", () => {
    /** A claim of `output` by operator 0 on a fresh request, and a game against it awaiting the reveal. */
    async function gameOn(p: Awaited<ReturnType<typeof deployed>>["p"], output: string) {
      const requestId = await makeRequest(p, s);
      const op = p.actors.operators[0];
      await commitClaim(p, op, requestId, output);
      await p.coordinator.connect(op).claim(requestId, output, SALT);
      const claimId = await p.coordinator.claimCount();
      const gameId = await openGame(p, p.actors.challengers[0], claimId);
      expect((await p.game.getGame(gameId)).status).to.equal(GameStatus.AwaitingReveal);
      return { op, claimId, gameId };
    }

    it("stores the halted state hash of the revealed roots, once for the claim", async () => {
      const { p } = await loadFixture(deployed);
      const c = s.honest.claim;
      const { op, claimId, gameId } = await gameOn(p, c.output);
      await expect(p.game.connect(op).reveal(gameId, ...revealArgs(c)))
        .to.emit(p.coordinator, "ClaimRevealed")
        .withArgs(claimId, c.finalStateHash)
        .and.to.emit(p.game, "Revealed")
        .withArgs(gameId, c.finalStateHash);
      expect((await p.coordinator.getClaim(claimId)).finalStateHash).to.equal(c.finalStateHash);
      expect((await p.game.getGame(gameId)).hiHash).to.equal(c.finalStateHash);
    });

    it("reverts for a final state with other weights or inputs than the model's and the request's", async () => {
      const { p } = await loadFixture(deployed);
      const c = s.honest.claim;
      const { op, gameId } = await gameOn(p, c.output);
      const bad = ethers.id("x");
      await expect(p.game.connect(op).reveal(gameId, c.output, { ...c.final, weightsRoot: bad }, c.proofs))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_WeightsRootMismatch")
        .withArgs(c.final.weightsRoot, bad);
      await expect(p.game.connect(op).reveal(gameId, c.output, { ...c.final, inputsRoot: bad }, c.proofs))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_InputsRootMismatch")
        .withArgs(c.final.inputsRoot, bad);
    });

    it("reverts for output bytes other than the claim's", async () => {
      const { p } = await loadFixture(deployed);
      const c = s.honest.claim;
      const { op, claimId, gameId } = await gameOn(p, c.output);
      const other = s.lie("output").claim.output;
      await expect(p.game.connect(op).reveal(gameId, other, c.final, c.proofs))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_OutputHashMismatch")
        .withArgs(claimId, ethers.keccak256(c.output), ethers.keccak256(other));
    });

    it("reverts for a claimed output of another length than the outputs", async () => {
      const { p } = await loadFixture(deployed);
      const c = s.honest.claim;
      const longer = c.output + "00000000";
      const { op, gameId } = await gameOn(p, longer);
      await expect(p.game.connect(op).reveal(gameId, longer, c.final, c.proofs))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_OutputLengthMismatch")
        .withArgs(24, 28);
    });

    it("reverts for a missing output proof", async () => {
      const { p } = await loadFixture(deployed);
      const c = s.honest.claim;
      const { op, gameId } = await gameOn(p, c.output);
      await expect(p.game.connect(op).reveal(gameId, c.output, c.final, c.proofs.slice(1)))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_OutputProofCount")
        .withArgs(3, 2);
    });

    it("reverts for an output value not in the final state (each output, each space)", async () => {
      const { p } = await loadFixture(deployed);
      const c = s.honest.claim;
      const spaceRoots = [c.final.activationsRoot, c.final.activationsRoot, c.final.inputsRoot];
      for (const [i, byte] of [
        [0, 3],
        [1, 7],
        [2, 20],
      ]) {
        const out = ethers.getBytes(c.output);
        out[byte] ^= 1;
        const { op, gameId } = await gameOn(p, ethers.hexlify(out));
        await expect(p.game.connect(op).reveal(gameId, out, c.final, c.proofs))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_OutputProofInvalid")
          .withArgs(i, spaceRoots[i], anyValue);
      }
    });

    it("reverts for an output proof of another depth than its space tree", async () => {
      const { p } = await loadFixture(deployed);
      const c = s.honest.claim;
      const { op, gameId } = await gameOn(p, c.output);
      const proofs = [c.proofs[0], [...c.proofs[1], ethers.ZeroHash], c.proofs[2]];
      await expect(p.game.connect(op).reveal(gameId, c.output, c.final, proofs))
        .to.be.revertedWithCustomError(p.coordinator, "LibTensorRoot_ProofDepth")
        .withArgs(2, 3);
    });
  });

  describe("finalize", () => {
    describe("a claim whose window closed with no game", () => {
      it("pays the operator, unlocks the bond and stores the result", async () => {
        const { p, plain, op, claimPlain } = await loadFixture(windowClosed);
        const fee = (await p.coordinator.getRequest(plain)).fee;
        await expect(p.coordinator.connect(p.actors.stranger).finalize(plain, s.honest.claim.output))
          .to.emit(p.coordinator, "Finalized")
          .withArgs(plain, claimPlain, op.address, fee)
          .and.to.emit(p.coordinator, "PayoutCredited")
          .withArgs(op.address, fee)
          .and.to.emit(p.staking, "StakeUnlocked")
          .withArgs(op.address, DEFAULTS.claimBond, DEFAULTS.claimBond);
        expect(await p.coordinator.resultOf(plain)).to.equal(ethers.keccak256(s.honest.claim.output));
        const r = await p.coordinator.getRequest(plain);
        expect(r.status).to.equal(RequestStatus.Finalized);
        expect(r.callbackStatus).to.equal(CallbackStatus.NotRequested);
        expect((await p.coordinator.getClaim(claimPlain)).status).to.equal(ClaimStatus.Finalized);
        expect(await p.coordinator.payoutOf(op)).to.equal(fee);
        expect(await p.coordinator.totalEscrowedFees()).to.equal((await p.coordinator.getRequest(2n)).fee);
      });

      it("calls the consumer back with the result and exactly its gas limit", async () => {
        const { p, consumer, withCallback } = await loadFixture(windowClosed);
        await expect(p.coordinator.finalize(withCallback, s.honest.claim.output))
          .to.emit(p.coordinator, "CallbackDelivered")
          .withArgs(withCallback, await consumer.getAddress());
        expect(await consumer.calls()).to.equal(1n);
        expect(await consumer.lastRequestId()).to.equal(withCallback);
        expect(await consumer.lastModelId()).to.equal(s.modelId);
        expect(await consumer.lastOutput()).to.equal(s.honest.claim.output);
        const left = await consumer.lastGasLeft();
        expect(left <= BigInt(GAS) && left > BigInt(GAS) - 3_000n, `gas at entry ${left}`).to.equal(true);
        expect((await p.coordinator.getRequest(withCallback)).callbackStatus).to.equal(CallbackStatus.Delivered);
      });
    });

    describe("a consumer that fails does not block finalization or payment", () => {
      for (const [mode, label] of [
        [1, "reverts"],
        [2, "burns all its gas"],
        [3, "reverts with a megabyte of return data"],
      ] as const) {
        it(`consumer ${label}: finalized, operator paid, failure recorded`, async () => {
          const { p, consumer, withCallback, op } = await loadFixture(windowClosed);
          await consumer.setMode(mode);
          const fee = (await p.coordinator.getRequest(withCallback)).fee;
          const tx = p.coordinator.finalize(withCallback, s.honest.claim.output);
          await expect(tx)
            .to.emit(p.coordinator, "CallbackFailed")
            .withArgs(withCallback, await consumer.getAddress());
          await expect(tx).to.emit(p.coordinator, "Finalized");
          const r = await p.coordinator.getRequest(withCallback);
          expect(r.status).to.equal(RequestStatus.Finalized);
          expect(r.callbackStatus).to.equal(CallbackStatus.Failed);
          expect(await p.coordinator.resultOf(withCallback)).to.equal(ethers.keccak256(s.honest.claim.output));
          expect(await p.coordinator.payoutOf(op)).to.equal(fee);
          expect(await p.staking.lockedOf(op)).to.equal(DEFAULTS.claimBond); // the other claim's
          const gasUsed = (await (await tx).wait())!.gasUsed;
          expect(gasUsed < BigInt(GAS) + 150_000n, `finalize used ${gasUsed}`).to.equal(true);
        });
      }

      it("reverts when sent too little gas to give the consumer its whole limit", async () => {
        const { p, withCallback } = await loadFixture(windowClosed);
        await expect(p.coordinator.finalize(withCallback, s.honest.claim.output, { gasLimit: 150_000 }))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_InsufficientGasForCallback")
          .withArgs(withCallback, anyValue, GAS + Math.floor(GAS / 63) + 30_000);
      });
    });

    describe("reverts", () => {
      it("inside the challenge window", async () => {
        const { p, plain, claimPlain } = await loadFixture(claimed);
        const cl = await p.coordinator.getClaim(claimPlain);
        await time.setNextBlockTimestamp(cl.challengeDeadline - 1n);
        await expect(p.coordinator.finalize(plain, s.honest.claim.output))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_ChallengeWindowOpen")
          .withArgs(claimPlain, cl.challengeDeadline);
      });

      it("while a game against the claim is open", async () => {
        const { p, plain, claimPlain } = await loadFixture(claimed);
        await openGame(p, p.actors.challengers[0], claimPlain);
        await time.increase(DEFAULTS.challengeWindow);
        await expect(p.coordinator.finalize(plain, s.honest.claim.output))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_GamesOpen")
          .withArgs(claimPlain, 1);
      });

      it("for output bytes other than the claim's", async () => {
        const { p, plain, claimPlain } = await loadFixture(windowClosed);
        const other = s.lie("output").claim.output;
        await expect(p.coordinator.finalize(plain, other))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_OutputHashMismatch")
          .withArgs(claimPlain, ethers.keccak256(s.honest.claim.output), ethers.keccak256(other));
      });

      it("for a request not claimed, or already final", async () => {
        const { p, plain } = await loadFixture(finalized);
        const out = s.honest.claim.output;
        await expect(p.coordinator.finalize(plain, out))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_RequestNotClaimed")
          .withArgs(plain, RequestStatus.Finalized);
        await makeRequest(p, s);
        await expect(p.coordinator.finalize(3n, out))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_RequestNotClaimed")
          .withArgs(3n, RequestStatus.Open);
        await expect(p.coordinator.finalize(9n, out))
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_UnknownRequest")
          .withArgs(9n);
      });
    });
  });

  describe("retryCallback", () => {
    it("delivers once the consumer accepts", async () => {
      const { p, consumer, withCallback } = await loadFixture(callbackFailed);
      await consumer.setMode(0);
      await expect(p.coordinator.connect(p.actors.stranger).retryCallback(withCallback, s.honest.claim.output))
        .to.emit(p.coordinator, "CallbackDelivered")
        .withArgs(withCallback, await consumer.getAddress());
      expect(await consumer.lastOutput()).to.equal(s.honest.claim.output);
      expect((await p.coordinator.getRequest(withCallback)).callbackStatus).to.equal(CallbackStatus.Delivered);
    });

    it("records another failure and stays retryable", async () => {
      const { p, withCallback } = await loadFixture(callbackFailed);
      await expect(p.coordinator.retryCallback(withCallback, s.honest.claim.output)).to.emit(
        p.coordinator,
        "CallbackFailed",
      );
      expect((await p.coordinator.getRequest(withCallback)).callbackStatus).to.equal(CallbackStatus.Failed);
    });

    it("reverts for output bytes other than the claim's", async () => {
      const { p, withCallback, claimCallback } = await loadFixture(callbackFailed);
      const other = s.lie("output").claim.output;
      await expect(p.coordinator.retryCallback(withCallback, other))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_OutputHashMismatch")
        .withArgs(claimCallback, ethers.keccak256(s.honest.claim.output), ethers.keccak256(other));
    });

    it("reverts unless the last callback failed", async () => {
      const { p, consumer, withCallback, plain } = await loadFixture(callbackFailed);
      await consumer.setMode(0);
      const out = s.honest.claim.output;
      await p.coordinator.retryCallback(withCallback, out);
      await expect(p.coordinator.retryCallback(withCallback, out))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_CallbackNotRetryable")
        .withArgs(withCallback, CallbackStatus.Delivered);
      await expect(p.coordinator.retryCallback(plain, out))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_CallbackNotRetryable")
        .withArgs(plain, CallbackStatus.None);
    });
  });

  describe("refund", () => {
    it("credits the fee back to the requester after the deadline with no claim", async () => {
      const { p, plain } = await loadFixture(requested);
      const r = await p.coordinator.getRequest(plain);
      await time.increaseTo(r.deadline + 1n);
      await expect(p.coordinator.connect(p.actors.stranger).refund(plain))
        .to.emit(p.coordinator, "Refunded")
        .withArgs(plain, p.actors.requester.address, r.fee);
      expect((await p.coordinator.getRequest(plain)).status).to.equal(RequestStatus.Refunded);
      expect(await p.coordinator.payoutOf(p.actors.requester)).to.equal(r.fee);
      await expect(p.coordinator.connect(p.actors.requester).withdraw()).to.changeTokenBalances(
        p.token,
        [p.actors.requester, p.coordinator],
        [r.fee, -r.fee],
      );
    });

    it("reverts before the deadline, once claimed, and for an unknown request", async () => {
      const { p, plain } = await loadFixture(claimed);
      await makeRequest(p, s);
      const r = await p.coordinator.getRequest(3n);
      await time.setNextBlockTimestamp(r.deadline);
      await expect(p.coordinator.refund(3n))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_DeadlineNotPassed")
        .withArgs(3n, r.deadline);
      await expect(p.coordinator.refund(plain))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_RequestNotOpen")
        .withArgs(plain, RequestStatus.Claimed);
      await expect(p.coordinator.refund(7n))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_UnknownRequest")
        .withArgs(7n);
    });
  });

  describe("withdraw", () => {
    it("pays out the caller's credit once", async () => {
      const { p, op, plain } = await loadFixture(finalized);
      const fee = (await p.coordinator.getRequest(plain)).fee;
      await expect(p.coordinator.connect(op).withdraw())
        .to.emit(p.coordinator, "PayoutWithdrawn")
        .withArgs(op.address, fee);
      await expect(p.coordinator.connect(op).withdraw())
        .to.be.revertedWithCustomError(p.coordinator, "PullPayments_NothingToWithdraw")
        .withArgs(op.address);
    });
  });

  describe("dispute game hooks", () => {
    it("revert for any caller but the dispute game", async () => {
      const { p, claimPlain } = await loadFixture(claimed);
      const who = p.actors.stranger;
      for (const call of [
        () => p.coordinator.connect(who).onChallenge(claimPlain, s.input),
        () => p.coordinator.connect(who).onReveal(claimPlain, ...revealArgs(s.honest.claim)),
        () => p.coordinator.connect(who).onClaimDefended(claimPlain),
        () => p.coordinator.connect(who).rejectClaim(claimPlain),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(p.coordinator, "Coordinator_NotDisputeGame")
          .withArgs(who.address);
      }
    });

    it("games open only on a pending claim inside its window", async () => {
      const { p, claimPlain, plain } = await loadFixture(claimed);
      const cl = await p.coordinator.getClaim(claimPlain);
      await time.setNextBlockTimestamp(cl.challengeDeadline);
      await expect(p.game.connect(p.actors.challengers[0]).challenge(claimPlain, s.input))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_ChallengeWindowClosed")
        .withArgs(claimPlain, cl.challengeDeadline);
      await p.coordinator.finalize(plain, s.honest.claim.output);
      await expect(p.game.connect(p.actors.challengers[0]).challenge(claimPlain, s.input))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_ClaimNotPending")
        .withArgs(claimPlain, ClaimStatus.Finalized);
      await expect(p.game.connect(p.actors.challengers[0]).challenge(42n, s.input))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_ClaimNotPending")
        .withArgs(42n, ClaimStatus.None);
    });
  });

  describe("views", () => {
    it("getClaim and resultOf revert for unknown or unfinished entries", async () => {
      const { p, plain } = await loadFixture(claimed);
      await expect(p.coordinator.getClaim(9n))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_UnknownClaim")
        .withArgs(9n);
      await expect(p.coordinator.getRequest(9n))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_UnknownRequest")
        .withArgs(9n);
      await expect(p.coordinator.resultOf(plain))
        .to.be.revertedWithCustomError(p.coordinator, "Coordinator_RequestNotFinalized")
        .withArgs(plain, RequestStatus.Claimed);
    });
  });
});
