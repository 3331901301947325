// Gas of the protocol's transactions, measured by playing them on the in-process chain:
// request / claim / finalize, and a whole dispute (challenge, every dissection and choice,
// the one-step proof, and a timeout resolution) for a degree k and a trace length N.
// Exported for reuse by a gas report; test/protocol-gas.test.ts prints the numbers.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import {
  deployProtocol,
  honestChooser,
  makeClaim,
  makeRequest,
  openGame,
  playToStep,
  registerScenario,
  stakeAll,
} from "./protocol-fixture";
import { Scenario, ToyModel } from "./toy-trace";
import { GameStatus, statusName } from "../../node/chain/status";

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
  step: number;
  /** Σ dissect. */
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
  const challenge = await gasOf(p.game.connect(challenger).challenge(claimId));
  const gameId = await p.game.gameCount();
  const moves = { dissect: [] as bigint[], choose: [] as bigint[] };
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
    step,
    claimerGas: sum(dissect),
    challengerGas: challenge + sum(choose) + step,
    outcome,
  };
}

export interface FlowGas {
  request: number;
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
  const claim = await gasOf(p.coordinator.connect(op).claim(1n, c.output, c.finalStateHash, c.final, c.proofs));
  await makeClaim(p, op, 2n, scenario.honest);
  // A game that ends on time: the claimer never answers.
  const third = await makeRequest(p, scenario);
  const lying = await makeClaim(p, p.actors.operators[1], third, scenario.lie("output"));
  const gameId = await openGame(p, p.actors.challengers[0], lying);
  await time.increase(p.options.clockSeconds + p.options.challengeWindow);
  const resolveTimeout = await gasOf(p.game.resolve(gameId));
  const finalize = await gasOf(p.coordinator.finalize(1n));
  const finalizeWithCallback = await gasOf(p.coordinator.finalize(2n));
  return { request, claim, finalize, finalizeWithCallback, resolveTimeout };
}
