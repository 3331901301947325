// Deployment and players for the protocol tests (test/protocol*.test.ts).
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type {
  AlphabetVerifier,
  BlockingToken,
  Coordinator,
  DisputeGame,
  ModelRegistry,
  ReentrantToken,
  Staking,
  TestToken,
} from "../../typechain-types";
import type { ClaimData, Scenario, TraceProvider } from "./toy-trace";
import { DEPLOY_DEFAULTS, DeployOptions, deployReferee } from "../../node/chain/deploy";

import { GameStatus } from "../../node/chain/status";

export { CallbackStatus, ClaimStatus, GameStatus, RequestStatus } from "../../node/chain/status";

/** The node's deployment options (node/chain/deploy.ts), and what only the tests vary. */
export interface ProtocolOptions extends DeployOptions {
  /** "test": a plain ERC20; "reentrant": the malicious ReentrantToken; "blocking": BlockingToken (pause, blacklist). */
  token: "test" | "reentrant" | "blocking";
  /** Deploys the one-step verifier; the AlphabetVerifier when absent. */
  deployVerifier?: () => Promise<string>;
}

/** The node's own defaults, so the tests play the protocol as deployed. */
export const DEFAULTS: ProtocolOptions = { ...DEPLOY_DEFAULTS, token: "test" };

export const MINT = 1_000_000_000n;

export interface Actors {
  deployer: HardhatEthersSigner;
  treasury: HardhatEthersSigner;
  requester: HardhatEthersSigner;
  operators: HardhatEthersSigner[];
  challengers: HardhatEthersSigner[];
  stranger: HardhatEthersSigner;
}

export interface Protocol {
  options: ProtocolOptions;
  token: TestToken | ReentrantToken | BlockingToken;
  registry: ModelRegistry;
  staking: Staking;
  coordinator: Coordinator;
  game: DisputeGame;
  verifier: string;
  alphabet: AlphabetVerifier | null;
  actors: Actors;
}

export async function deployProtocol(overrides: Partial<ProtocolOptions> = {}): Promise<Protocol> {
  const options = { ...DEFAULTS, ...overrides };
  const signers = await ethers.getSigners();
  const actors: Actors = {
    deployer: signers[0],
    treasury: signers[1],
    requester: signers[2],
    operators: [signers[3], signers[4], signers[5]],
    challengers: [signers[6], signers[7], signers[8]],
    stranger: signers[9],
  };
  const token =
    options.token === "test"
      ? await ethers.deployContract("TestToken")
      : options.token === "reentrant"
        ? await ethers.deployContract("ReentrantToken")
        : await ethers.deployContract("BlockingToken");
  let alphabet: AlphabetVerifier | null = null;
  let verifier: string;
  if (options.deployVerifier) verifier = await options.deployVerifier();
  else {
    alphabet = await ethers.deployContract("AlphabetVerifier");
    verifier = await alphabet.getAddress();
  }
  // The node's own deployment wiring, with this test's token and verifier.
  const { registry, staking, coordinator, game } = await deployReferee(
    actors.deployer,
    actors.treasury.address,
    options,
    {
      token: await token.getAddress(),
      verifier,
    },
  );
  for (const s of [actors.requester, ...actors.operators, ...actors.challengers, actors.stranger]) {
    await token.mint(s.address, MINT);
    for (const spender of [staking, coordinator, game]) await token.connect(s).approve(spender, ethers.MaxUint256);
  }
  return { options, token, registry, staking, coordinator, game, verifier, alphabet, actors };
}

/** Registers the scenario's model (and, with the toy verifier, its program and honest run). */
export async function registerScenario(p: Protocol, s: Scenario): Promise<void> {
  await p.registry.register(s.parts, `model ${s.name}`, "ipfs://model");
  if (p.alphabet) {
    const [programRoot] = await p.registry.gameSpec(s.modelId);
    if ((await p.alphabet.stepsOf(programRoot)) === 0n) await p.alphabet.setProgram(programRoot, s.steps);
    const initial = s.honest.stateAt(0);
    if ((await p.alphabet.finalOf(initial)) === ethers.ZeroHash)
      await p.alphabet.setRun(initial, s.honest.claim.finalStateHash);
  }
}

export async function stakeAll(p: Protocol, amount: bigint = p.options.claimBond * 3n): Promise<void> {
  for (const op of p.actors.operators) await p.staking.connect(op).stake(amount);
}

export async function now(): Promise<number> {
  return time.latest();
}

export interface RequestArgs {
  fee?: bigint;
  consumer?: string;
  gasLimit?: number;
  /** Seconds from now. */
  ttl?: number;
  from?: HardhatEthersSigner;
}

export async function makeRequest(p: Protocol, s: Scenario, a: RequestArgs = {}): Promise<bigint> {
  const from = a.from ?? p.actors.requester;
  const gasLimit = a.gasLimit ?? 0;
  const fee = a.fee ?? (await p.coordinator.quoteFee(s.modelId, gasLimit));
  const deadline = (await now()) + (a.ttl ?? 3600);
  await p.coordinator
    .connect(from)
    .request(s.modelId, s.input, fee, a.consumer ?? ethers.ZeroAddress, gasLimit, deadline);
  return p.coordinator.requestCount();
}

/** The salt the fixture's operators seal their claims with (any 32 bytes will do). */
export const SALT = ethers.id("referee test salt");

/**
 * A claim commitment (§5.2), computed here from its definition, independently of the node:
 * keccak256(abi.encode(requestId, operator, keccak256(output), salt)).
 */
export function claimCommitment(requestId: bigint, operator: string, output: string, salt: string = SALT): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "bytes32", "bytes32"],
      [requestId, operator, ethers.keccak256(output), salt],
    ),
  );
}

/** Step 1 of a claim: `op` seals `output` on the request (reveal in a later block). */
export async function commitClaim(
  p: Protocol,
  op: HardhatEthersSigner,
  requestId: bigint,
  output: string,
  salt: string = SALT,
) {
  return p.coordinator.connect(op).commitClaim(requestId, claimCommitment(requestId, op.address, output, salt));
}

/** Step 2 of a claim: the reveal's arguments. */
export function claimArgs(requestId: bigint, c: ClaimData, salt: string = SALT) {
  return [requestId, c.output, salt] as const;
}

/** A claim's halted state, as `DisputeGame.reveal` takes it after the game id. */
export function revealArgs(c: ClaimData) {
  return [c.output, c.final, c.proofs] as const;
}

/** commitClaim, then (automining: the next block) claim; returns the claim id. */
export async function makeClaim(
  p: Protocol,
  op: HardhatEthersSigner,
  requestId: bigint,
  trace: TraceProvider,
): Promise<bigint> {
  await commitClaim(p, op, requestId, trace.claim.output);
  await p.coordinator.connect(op).claim(...claimArgs(requestId, trace.claim));
  return p.coordinator.claimCount();
}

/** A request's input bytes, read from its Requested event as a challenger would. */
export async function requestInput(p: Protocol, requestId: bigint): Promise<string> {
  const [log] = await p.coordinator.queryFilter(p.coordinator.filters.Requested(requestId));
  if (!log) throw new Error(`requestInput: no Requested event for request ${requestId}`);
  return log.args.input;
}

/** A claim's output bytes, read from its Claimed event (the contract keeps only their hash). */
export async function claimedOutput(p: Protocol, claimId: bigint): Promise<string> {
  const [log] = await p.coordinator.queryFilter(p.coordinator.filters.Claimed(undefined, claimId));
  if (!log) throw new Error(`claimedOutput: no Claimed event for claim ${claimId}`);
  return log.args.output;
}

/** finalize(requestId, output) with the output of the request's claim from its event. */
export async function finalizeRequest(p: Protocol, requestId: bigint, from?: HardhatEthersSigner) {
  const output = await claimedOutput(p, (await p.coordinator.getRequest(requestId)).claimId);
  return p.coordinator.connect(from ?? p.actors.stranger).finalize(requestId, output);
}

/** challenge(claimId, the request's input bytes); returns the game id. */
export async function openGame(p: Protocol, challenger: HardhatEthersSigner, claimId: bigint): Promise<bigint> {
  const input = await requestInput(p, (await p.coordinator.getClaim(claimId)).requestId);
  await p.game.connect(challenger).challenge(claimId, input);
  return p.game.gameCount();
}

/** The claimer's reveal of its halted state in a game awaiting it. */
export async function revealGame(p: Protocol, gameId: bigint, claimer: HardhatEthersSigner, trace: TraceProvider) {
  return p.game.connect(claimer).reveal(gameId, ...revealArgs(trace.claim));
}

/** A game opened and revealed: AwaitingDissection (N ≥ 2) or AwaitingStep (N = 1). */
export async function openRevealedGame(
  p: Protocol,
  challenger: HardhatEthersSigner,
  claimId: bigint,
  claimer: HardhatEthersSigner,
  trace: TraceProvider,
): Promise<bigint> {
  const gameId = await openGame(p, challenger, claimId);
  if ((await p.game.getGame(gameId)).status === GameStatus.AwaitingReveal) await revealGame(p, gameId, claimer, trace);
  return gameId;
}

// ---------------------------------------------------------------------------------------
// Players: pure choices from (game, trace), and the moves that submit them.

/** The claimer's hashes at the inner split points of the current range. */
export async function dissectionOf(p: Protocol, gameId: bigint, trace: TraceProvider): Promise<string[]> {
  const points = await p.game.splitPoints(gameId);
  return points.slice(1, -1).map((x) => trace.stateAt(Number(x)));
}

/**
 * The honest challenger's choice: the first sub-range whose right end the claimer got wrong
 * (the left end of that sub-range is then right: S_lo stays agreed).
 */
export function honestChoice(
  points: readonly bigint[],
  hashes: readonly string[],
  hiHash: string,
  honest: TraceProvider,
): number {
  const m = points.length - 1;
  for (let j = 0; j < m; j++) {
    const claimed = j < m - 1 ? hashes[j] : hiHash;
    if (claimed.toLowerCase() !== honest.stateAt(Number(points[j + 1])).toLowerCase()) return j;
  }
  throw new Error("honestChoice: the claimer agrees with the honest trace on every split point");
}

export type Chooser = (points: readonly bigint[], hashes: readonly string[], hiHash: string) => number;

/** A challenger following the honest trace. */
export const honestChooser =
  (honest: TraceProvider): Chooser =>
  (points, hashes, hiHash) =>
    honestChoice(points, hashes, hiHash, honest);

/** A challenger disputing a fixed-by-seed pseudo-random sub-range each round. */
export function randomChooser(seed: number): Chooser {
  let x = seed >>> 0 || 1;
  return (points) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % (points.length - 1);
  };
}

export interface MoveGas {
  /** The claimer's reveal, when the game awaited it. */
  reveal?: bigint;
  dissect: bigint[];
  choose: bigint[];
}

/** Reveals (if the game awaits it), then plays dissection rounds until the range is one step. */
export async function playToStep(
  p: Protocol,
  gameId: bigint,
  claimer: HardhatEthersSigner,
  claimerTrace: TraceProvider,
  challenger: HardhatEthersSigner,
  chooser: Chooser,
  gas?: MoveGas,
): Promise<void> {
  for (;;) {
    const g = await p.game.getGame(gameId);
    if (g.status === GameStatus.AwaitingReveal) {
      const tx = await revealGame(p, gameId, claimer, claimerTrace);
      if (gas) gas.reveal = (await tx.wait())!.gasUsed;
      continue;
    }
    if (g.status === GameStatus.AwaitingStep) return;
    expect(g.status).to.equal(GameStatus.AwaitingDissection);
    const hashes = await dissectionOf(p, gameId, claimerTrace);
    const tx1 = await p.game.connect(claimer).dissect(gameId, hashes);
    const points = await p.game.splitPoints(gameId);
    const index = chooser(points, hashes, (await p.game.getGame(gameId)).hiHash);
    const tx2 = await p.game.connect(challenger).choose(gameId, index, hashes);
    if (gas) {
      gas.dissect.push((await tx1.wait())!.gasUsed);
      gas.choose.push((await tx2.wait())!.gasUsed);
    }
  }
}

/** Token balances held by the three value-holding contracts. */
export async function held(p: Protocol): Promise<{ staking: bigint; coordinator: bigint; game: bigint }> {
  return {
    staking: await p.token.balanceOf(p.staking),
    coordinator: await p.token.balanceOf(p.coordinator),
    game: await p.token.balanceOf(p.game),
  };
}

/** The contracts' own books balance their token holdings. */
export async function expectBooksBalanced(p: Protocol): Promise<void> {
  const h = await held(p);
  expect(h.staking, "staking: balance = Σ bonded + Σ unbonding + slashed credits").to.equal(
    (await p.staking.totalStaked()) + (await p.staking.totalSlashed()),
  );
  expect(h.coordinator, "coordinator: balance = escrowed fees + payouts").to.equal(
    (await p.coordinator.totalEscrowedFees()) + (await p.coordinator.totalPayouts()),
  );
  // The game's slashed claim bonds wait in Staking as its credit until a payout needs them.
  expect(
    h.game + (await p.staking.slashedOf(p.game)),
    "game: balance + credit in staking = open bonds + payouts",
  ).to.equal((await p.game.totalBonds()) + (await p.game.totalPayouts()));
}
