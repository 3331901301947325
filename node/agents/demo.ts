// The end-to-end story on one chain: deploy, register hello_deepa, stake, the WakeWordVault
// dApp requests, an honest operator serves and the claim finalizes; then a cheating operator
// claims a made-up score, the challenger disputes and wins, the request is served again.
// Every reported value is read from chain state or receipts.
import { readFileSync } from "fs";
import { basename, join } from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { compileModel } from "../compiler/compile";
import { packageRoot } from "../package-root";
import { f32Bits, initHasher } from "../commit";
import { claimedOutputOf } from "../chain/claims";
import { f32Values } from "../chain/encoding";
import { DEPLOY_DEFAULTS, type DeployOptions, deployReferee } from "../chain/deploy";
import { formatAmount, tokenInfo } from "../chain/amounts";
import { signRecordingAttestation } from "../chain/attestation";
import { TxSender } from "../chain/sender";
import type { WakeWordVault } from "../../typechain-types";
import { Challenger } from "./challenger";
import { ModelRun } from "./model-run";
import { Operator } from "./operator";
import { ClaimStatus, GameStatus, RequestStatus } from "../chain/status";
import { Log } from "./agent";

/** One whole token of the demos' test token (18 decimals). */
const TOKEN = 10n ** 18n;

/**
 * What the demos deploy with: bonds and fees in whole tokens, as a real deployment sets them
 * (DEPLOY_DEFAULTS, the library's and the tests', are small counts of base units). The callback
 * gas stays priced at one base unit per gas (DEPLOY_DEFAULTS' reasoning).
 */
export const DEMO_OPTIONS: Partial<DeployOptions> = {
  claimBond: 1_000n * TOKEN,
  challengerBond: 400n * TOKEN,
  // The most allowed: 10% of the claim bond (PROTOCOL §7.7).
  challengerReward: 100n * TOKEN,
  fees: { base: TOKEN, perMillionSteps: TOKEN / 1_000n, perCallbackGas: DEPLOY_DEFAULTS.fees.perCallbackGas },
};

/** Test tokens minted to each demo account. */
export const DEMO_MINT = 1_000_000n * TOKEN;

export const HELLO_DEEPA = join(packageRoot(), "node_modules", "openwakeword-js", "models", "hello_deepa.onnx");

export interface DemoResult {
  honestFinalized: boolean;
  cheaterSlashed: boolean;
  challengerRewarded: boolean;
  reServed: boolean;
  rounds: number;
  gas: { claimer: number; challenger: number };
  wallSeconds: number;
}

export interface DemoDetails extends DemoResult {
  steps: number;
  modelName: string;
  /** The claimer's slowest dissection answer (state hashes at the split points), ms. */
  slowestAnswerMs: number;
  /** Wall time of the dispute: the challenger's re-execution and game opening to the resolved game. */
  disputeSeconds: number;
  degree: number;
  gasByParty: Record<string, number>;
}

/** Deterministic features in [-1, 1) for the recording (xorshift32): the demo's stand-in for a real recording. */
export function features(n: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return Math.fround((s / 4294967296) * 2 - 1);
  });
}

function bytesOf(a: readonly Float32Array[]): string {
  const n = a.reduce((x, y) => x + y.length, 0);
  const dv = new DataView(new ArrayBuffer(4 * n));
  let o = 0;
  for (const x of a) for (const v of x) dv.setUint32(4 * o++, f32Bits(v));
  return "0x" + Buffer.from(dv.buffer).toString("hex");
}

/** The first output value (big-endian binary32): the wake-word score. */
function scoreOf(output: string): number {
  return f32Values(output)[0];
}

export interface DemoOptions {
  /** The step the cheater's run goes wrong from (default: the middle of the run). */
  cheatAt?: number;
  /** Another model (default hello_deepa) and its fixed input shapes; its first output is the "score". */
  model?: { file: string; shapes?: Record<string, number[]> };
  /** Replace the challenger by a fresh agent (nothing in memory) once the game reaches this round. */
  restartChallengerAtRound?: number;
}

export async function runDemo(
  hre: HardhatRuntimeEnvironment,
  log: Log = console.log,
  opts: DemoOptions = {},
): Promise<DemoDetails> {
  const t0 = Date.now();
  const { ethers } = hre;
  const { time } = await import("@nomicfoundation/hardhat-network-helpers");
  await initHasher();
  const [deployer, treasury, publisher, beneficiary, depositor, honestSigner, cheatSigner, challengerSigner, attester] =
    await ethers.getSigners();

  log("== Deploy");
  const d = await deployReferee(deployer, treasury.address, DEMO_OPTIONS);
  log(
    `protocol deployed (token, registry, staking, coordinator, OneStepVerifier, DisputeGame k=${d.options.degree}): ${d.gasUsed} gas`,
  );
  log(`coordinator ${await d.coordinator.getAddress()}, dispute game ${await d.game.getAddress()}`);

  const file = opts.model?.file ?? HELLO_DEEPA;
  const modelName = basename(file);
  log(`== Register ${modelName}`);
  const tc = Date.now();
  const model = new ModelRun(compileModel(readFileSync(file), { shapes: opts.model?.shapes ?? {} }));
  const steps = Number(model.parts.steps);
  log(
    `node compiled ${modelName}: ${model.model.program.instructions.length} instructions, N = ${steps} steps (${Date.now() - tc} ms)`,
  );
  log(`model commitment computed by the node: ${model.modelId}`);
  await (await d.registry.connect(publisher).register(model.parts, modelName, `file:${modelName}`)).wait();
  const [programRoot] = await d.registry.gameSpec(model.modelId);
  log(`registered on-chain under that id (program root ${programRoot.slice(0, 10)}…)`);

  const honest = new Operator("honest operator", d, await TxSender.of(honestSigner, d.interfaces), model, log);
  const cheatAt = opts.cheatAt ?? Math.floor(steps / 2);
  const cheater = new Operator("cheating operator", d, await TxSender.of(cheatSigner, d.interfaces), model, log, {
    cheatAt,
    cheatOutput: 1,
  });
  const challengerSender = await TxSender.of(challengerSigner, d.interfaces);
  let challenger = new Challenger("challenger", d, challengerSender, model, log);
  // Test tokens for everyone; the agents approve the protocol contracts themselves.
  for (const s of [honestSigner, cheatSigner, challengerSigner])
    await (await d.token.mint(s.address, DEMO_MINT)).wait();
  for (const s of [beneficiary, depositor]) {
    await (await d.token.mint(s.address, DEMO_MINT)).wait();
    for (const spender of [d.staking, d.coordinator, d.game])
      await (await d.token.connect(s).approve(spender, ethers.MaxUint256)).wait();
  }
  log("== Stake");
  await honest.stake(d.options.claimBond * 3n);
  await cheater.stake(d.options.claimBond * 3n);

  // The recording's features; the honest score decides both vaults.
  const input = bytesOf(
    model.model.program.inputs.map((i) =>
      features(
        i.dims.reduce((a, b) => a * b, 1),
        8,
      ),
    ),
  );
  const honestScore = scoreOf(model.run(input).output);
  // The chain stores a claim's output hash; the bytes are in its Claimed event.
  const resultOf = async (requestId: bigint) =>
    claimedOutputOf(d, ethers.provider, (await d.coordinator.getRequest(requestId)).claimId);
  const factory = await ethers.getContractFactory("WakeWordVault");
  // What each vault holds for the beneficiary, in base units of the deployment's token.
  const token = await tokenInfo(d.token);
  const amount = (units: bigint) => formatAmount(units, token);
  const held = 5_000n * TOKEN;
  const heldText = amount(held);
  const deployVault = async (threshold: number) => {
    const v = (await factory
      .connect(depositor)
      .deploy(d.coordinator, d.token, model.modelId, f32Bits(threshold), attester.address)) as unknown as WakeWordVault;
    await v.waitForDeployment();
    await (await d.token.connect(depositor).approve(v, ethers.MaxUint256)).wait();
    await (await d.token.connect(beneficiary).approve(v, ethers.MaxUint256)).wait();
    await (await v.connect(depositor).deposit(beneficiary.address, held)).wait();
    return v;
  };
  const requestUnlock = async (v: WakeWordVault): Promise<bigint> => {
    const fee = await d.coordinator.quoteFee(model.modelId, await v.CALLBACK_GAS());
    const ttl = 4 * 3600; // the vault sets the deadline from its block's time (RefereeConsumer)
    // The recording device vouches for the features; the vault scores nothing else.
    const a = await signRecordingAttestation(attester, v, 1n, input, BigInt((await time.latest()) + ttl));
    await (await v.connect(beneficiary).requestUnlock(1n, input, fee, ttl, a.expiresAt, a.signature)).wait();
    return d.coordinator.requestCount();
  };

  // ---- Act 1: honest service
  log("== Act 1: an honest answer");
  const open = await deployVault(honestScore);
  log(`dApp: WakeWordVault A holds ${heldText}, opens at score ≥ ${honestScore.toFixed(6)}`);
  const r1 = await requestUnlock(open);
  log(
    `dApp: beneficiary asks for the score of a recording (request #${r1}, ${(input.length - 2) / 2} input bytes in calldata)`,
  );
  await honest.tick();
  const c1 = (await d.coordinator.getRequest(r1)).claimId;
  await challenger.tick();
  await time.increase(d.options.challengeWindow);
  log(`… ${d.options.challengeWindow} s pass: the challenge window closes`);
  await honest.tick();
  const finalized1 =
    (await d.coordinator.getRequest(r1)).status === RequestStatus.Finalized &&
    (await d.coordinator.getClaim(c1)).status === ClaimStatus.Finalized;
  const vA = await open.getVault(1n);
  log(
    `claim #${c1} finalized; the vault got score ${scoreOf(await resultOf(r1)).toFixed(6)} by callback: ${vA.unlocked ? "UNLOCKED" : "still locked"}`,
  );
  if (vA.unlocked) {
    await (await open.connect(beneficiary).withdraw(1n)).wait();
    log(`dApp: beneficiary withdraws the ${heldText}`);
  }
  const honestFinalized = finalized1 && vA.unlocked;

  // ---- Act 2: a cheater
  log("== Act 2: a cheating operator");
  const shut = await deployVault(Math.fround(honestScore + 0.25));
  log(
    `dApp: WakeWordVault B opens at score ≥ ${Math.fround(honestScore + 0.25).toFixed(6)} (the recording does not reach it)`,
  );
  const r2 = await requestUnlock(shut);
  log(`dApp: request #${r2}`);
  const cheaterBondedBefore = await d.staking.bondedOf(cheater.address);
  const claimerGas0 = cheater.gasUsed;
  await cheater.tick();
  const c2 = (await d.coordinator.getRequest(r2)).claimId;
  log(
    `cheating operator: it added 0.5 to the activation that step ${cheatAt} computes (the state differs from the step that writes it) and claims a score of 1.0 — that would open vault B`,
  );
  const challengerBalance0 = await d.token.balanceOf(challenger.address);
  const challengerGas0 = challenger.gasUsed;
  const disputeT0 = performance.now();
  // The two agents' loops, one pass each in turn, until the game is over.
  await challenger.tick();
  const gameId = await d.game.gameOf(c2, challenger.address);
  if (gameId === 0n) throw new Error("the challenger found no mismatch");
  for (let pass = 0; (await d.game.getGame(gameId)).status < GameStatus.ChallengerWon; pass++) {
    if (pass > 200) throw new Error("the game does not end");
    await cheater.tick();
    if (
      opts.restartChallengerAtRound !== undefined &&
      (await d.game.getGame(gameId)).round === BigInt(opts.restartChallengerAtRound)
    ) {
      opts.restartChallengerAtRound = undefined;
      // A fresh agent: no runs, no checked claims; its sender re-reads the nonce (kept for the gas count).
      challengerSender.resetNonce();
      challenger = new Challenger("challenger", d, challengerSender, model, log);
      log("challenger restarted: it resumes the game from chain state alone");
    }
    await challenger.tick();
  }
  const disputeSeconds = Math.round((performance.now() - disputeT0) / 100) / 10;
  const g = await d.game.getGame(gameId);
  const rounds = Number(g.round);
  log(
    `game #${gameId} resolved: ${g.status === GameStatus.ChallengerWon ? "CHALLENGER WON" : "claimer won"} after ${rounds} rounds`,
  );
  const claim2 = await d.coordinator.getClaim(c2);
  const cheaterBondedAfter = await d.staking.bondedOf(cheater.address);
  const cheaterSlashed = claim2.status === ClaimStatus.Rejected && cheaterBondedAfter < cheaterBondedBefore;
  log(`cheater slashed: bonded stake ${amount(cheaterBondedBefore)} → ${amount(cheaterBondedAfter)}`);
  const owed = await challenger.withdraw();
  const challengerBalance1 = await d.token.balanceOf(challenger.address);
  const challengerRewarded = g.status === GameStatus.ChallengerWon && challengerBalance1 > challengerBalance0;
  log(
    `challenger's account: ${amount(owed)} withdrawn (bond ${amount(d.options.challengerBond)} back + reward), net gain ${amount(challengerBalance1 - challengerBalance0)}`,
  );
  const claimerGas = Number(cheater.gasUsed - claimerGas0);
  const challengerGas = Number(challenger.gasUsed - challengerGas0);

  // ---- Act 3: served again
  log("== Act 3: the request is served again");
  log(
    `request #${r2} is ${(await d.coordinator.getRequest(r2)).status === RequestStatus.Open ? "open again" : "not open"}; vault B unlocked: ${(await shut.getVault(1n)).unlocked}`,
  );
  await honest.tick();
  const c3 = (await d.coordinator.getRequest(r2)).claimId;
  await challenger.tick();
  await time.increase(d.options.challengeWindow);
  log(`… ${d.options.challengeWindow} s pass`);
  await honest.tick();
  const vB = await shut.getVault(1n);
  const reServed =
    (await d.coordinator.getRequest(r2)).status === RequestStatus.Finalized &&
    (await d.coordinator.getClaim(c3)).status === ClaimStatus.Finalized &&
    !vB.unlocked;
  log(
    `claim #${c3} finalized; vault B got score ${scoreOf(await resultOf(r2)).toFixed(6)}: ${vB.unlocked ? "UNLOCKED" : "stays locked"}`,
  );
  await honest.withdraw();

  const wallSeconds = Math.round((Date.now() - t0) / 100) / 10;
  return {
    honestFinalized,
    cheaterSlashed,
    challengerRewarded,
    reServed,
    rounds,
    gas: { claimer: claimerGas, challenger: challengerGas },
    wallSeconds,
    steps,
    modelName,
    slowestAnswerMs: Math.round(cheater.slowestAnswerMs * 10) / 10,
    disputeSeconds,
    degree: d.options.degree,
    gasByParty: {
      "honest operator": Number(honest.gasUsed),
      "cheating operator (whole dispute)": claimerGas,
      "challenger (whole dispute)": challengerGas,
    },
  };
}
