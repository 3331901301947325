// Gas of the protocol's transactions, measured by playing them on the in-process chain:
// request / claim (commit + reveal) / finalize, a request of real models (hello_deepa, the
// OCR classifier), and a whole dispute (challenge, the claimer's reveal, every dissection and
// choice, the one-step proof, and a timeout resolution) for a degree k and a trace length N.
// Exported for reuse by a gas report; test/protocol-gas.test.ts prints the numbers.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import {
  claimArgs,
  claimCommitment,
  deployProtocol,
  honestChooser,
  makeClaim,
  makeRequest,
  openGame,
  playToStep,
  registerScenario,
  stakeAll,
} from "./protocol-fixture";
import { Scenario, ToyModel, f32Bytes } from "./toy-trace";
import { GameStatus, statusName } from "../../node/chain/status";
import { modelPartsOf } from "../../node/chain/encoding";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, compiled, seededInputs } from "./models";

export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

export interface DisputeGas {
  k: number;
  N: number;
  rounds: number;
  /** Gas of each claimer move (dissect), in order. */
  dissect: number[];
  /** Gas of each challenger choice, in order. */
  choose: number[];
  challenge: number;
  /** The claimer's reveal of its halted state (the game's first move). */
  reveal: number;
  step: number;
  /** reveal + Σ dissect. */
  claimerGas: number;
  /** challenge + Σ choose + step. */
  challengerGas: number;
  /** The game's status once the step is proven, by name ("ChallengerWon" when the honest side won). */
  outcome: string;
}

/**
 * Plays one whole dispute of an honest challenger against a claimer lying about the output
 * (so every round is played to the last step), on the toy trace with the AlphabetVerifier
 * (or on `scenario` with `deployVerifier`).
 */
export async function measureDispute(
  k: number,
  N: number,
  options: { scenario?: Scenario; deployVerifier?: () => Promise<string> } = {},
): Promise<DisputeGas> {
  const s = options.scenario ?? new ToyModel({ steps: N, seed: 100 + k }).scenario(1);
  const p = await deployProtocol({ degree: k, deployVerifier: options.deployVerifier });
  await registerScenario(p, s);
  await stakeAll(p);
  const requestId = await makeRequest(p, s);
  const liar = s.lie("output");
  const [claimer] = p.actors.operators;
  const [challenger] = p.actors.challengers;
  const claimId = await makeClaim(p, claimer, requestId, liar);
  const challenge = await gasOf(p.game.connect(challenger).challenge(claimId, s.input));
  const gameId = await p.game.gameCount();
  const moves: { reveal?: bigint; dissect: bigint[]; choose: bigint[] } = { dissect: [], choose: [] };
  await playToStep(p, gameId, claimer, liar, challenger, honestChooser(s.honest), moves);
  const g = await p.game.getGame(gameId);
  const step = await gasOf(p.game.connect(challenger).step(gameId, s.prover.proofAt(Number(g.lo))));
  const outcome = statusName(GameStatus, (await p.game.getGame(gameId)).status);
  const dissect = moves.dissect.map(Number);
  const choose = moves.choose.map(Number);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    k,
    N: s.steps,
    rounds: dissect.length,
    dissect,
    choose,
    challenge,
    reveal: Number(moves.reveal ?? 0n),
    step,
    claimerGas: Number(moves.reveal ?? 0n) + sum(dissect),
    challengerGas: challenge + sum(choose) + step,
    outcome,
  };
}

export interface FlowGas {
  request: number;
  /** commitClaim: step 1 of a claim. */
  commit: number;
  /** claim: the reveal of the output, step 2. */
  claim: number;
  finalize: number;
  finalizeWithCallback: number;
  resolveTimeout: number;
}

/** request, claim, finalize (without and with a consumer callback) and a timeout resolve. */
export async function measureFlow(s?: Scenario, deployVerifier?: () => Promise<string>): Promise<FlowGas> {
  const scenario = s ?? new ToyModel({ steps: 1000, seed: 7 }).scenario(1);
  const p = await deployProtocol({ deployVerifier });
  await registerScenario(p, scenario);
  await stakeAll(p);
  const { ethers } = await import("hardhat");
  const consumer = await ethers.deployContract("MockConsumer");
  const fee = await p.coordinator.quoteFee(scenario.modelId, 100_000);
  const deadline = (await time.latest()) + 3600;
  const request = await gasOf(
    p.coordinator
      .connect(p.actors.requester)
      .request(scenario.modelId, scenario.input, fee, ethers.ZeroAddress, 0, deadline),
  );
  await p.coordinator
    .connect(p.actors.requester)
    .request(scenario.modelId, scenario.input, fee, consumer, 100_000, deadline);
  const [op] = p.actors.operators;
  const c = scenario.honest.claim;
  const commit = await gasOf(p.coordinator.connect(op).commitClaim(1n, claimCommitment(1n, op.address, c.output)));
  const claim = await gasOf(p.coordinator.connect(op).claim(...claimArgs(1n, c)));
  await makeClaim(p, op, 2n, scenario.honest);
  // A game that ends on time: the claimer never answers.
  const third = await makeRequest(p, scenario);
  const lying = await makeClaim(p, p.actors.operators[1], third, scenario.lie("output"));
  const gameId = await openGame(p, p.actors.challengers[0], lying);
  await time.increase(p.options.clockSeconds + p.options.challengeWindow);
  const resolveTimeout = await gasOf(p.game.resolve(gameId));
  const finalize = await gasOf(p.coordinator.finalize(1n, c.output));
  const finalizeWithCallback = await gasOf(p.coordinator.finalize(2n, c.output));
  return { request, commit, claim, finalize, finalizeWithCallback, resolveTimeout };
}

/** Gas of one request (no callback) of each real model, on seeded inputs. */
export async function measureModelRequests(): Promise<Record<"hello_deepa" | "ocr_classifier", number>> {
  const { ethers } = await import("hardhat");
  const p = await deployProtocol();
  const out = { hello_deepa: 0, ocr_classifier: 0 };
  for (const [name, model] of [
    ["hello_deepa", compiled(HELLO_DEEPA)],
    ["ocr_classifier", compiled(OCR_CLS, OCR_CLS_SHAPES)],
  ] as const) {
    const { parts, commitment } = modelPartsOf(model);
    await p.registry.register(parts, name, "ipfs://model");
    const input = f32Bytes(
      seededInputs(
        model.program.inputs.map((i) => i.dims),
        1,
      ),
    );
    const fee = await p.coordinator.quoteFee(commitment, 0);
    const deadline = (await time.latest()) + 3600;
    out[name] = await gasOf(
      p.coordinator
        .connect(p.actors.requester)
        .request(commitment, input, fee, ethers.ZeroAddress, 0, deadline, { gasLimit: 16_000_000 }),
    );
  }
  return out;
}
