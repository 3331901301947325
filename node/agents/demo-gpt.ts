// `npm run demo -- --gpt`: verified text generation on one chain. Register a greedy
// generation of Referee's small GPT (models/kjv-gpt.onnx, PROTOCOL §3.6 `generate`) as a
// model; a user requests the continuation of a prompt; an honest operator's claim of the
// generated text finalizes; a cheating operator claims the same text with ONE token changed,
// the challenger disputes, the dissection crosses token boundaries down to one step proved
// on-chain, the cheater is slashed and the request is served again. Every reported value is
// read from chain state or receipts.
import { readFileSync } from "fs";
import { join } from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { compilePipeline } from "../compiler/pipeline/link";
import { parseManifest } from "../compiler/pipeline/manifest";
import { generationManifest } from "../compiler/pipeline/generation";
import { readVocabulary, tokenizer } from "../io/bpe";
import { initHasher, keccak256Hex } from "../commit";
import { instructionStarts } from "../vm/layout";
import { stepsPerElement } from "../program/isa";
import { claimedOutputOf } from "../chain/claims";
import { deployReferee } from "../chain/deploy";
import { formatAmount, tokenInfo } from "../chain/amounts";
import { f32Bytes, f32Values } from "../chain/encoding";
import { TxSender } from "../chain/sender";
import { ClaimStatus, GameStatus, RequestStatus } from "../chain/status";
import { Challenger } from "./challenger";
import { ModelRun } from "./model-run";
import { Operator } from "./operator";
import { Log } from "./agent";
import { DEMO_MINT, DEMO_OPTIONS } from "./demo";
import { packageRoot } from "../package-root";

const MODELS = join(packageRoot(), "models");
export const KJV_GPT = join(MODELS, "kjv-gpt.onnx");
export const KJV_GPT_VOCAB = join(MODELS, "kjv-gpt.vocab.json");

export interface GptDemoOptions {
  prompt?: string;
  /** Tokens to generate (default 12). */
  tokens?: number;
  /** Which generated token the cheater changes (default: the middle one). */
  cheatToken?: number;
}

export interface GptDemoResult {
  prompt: string;
  text: string;
  tokenIds: number[];
  cheatedText: string;
  steps: number;
  honestFinalized: boolean;
  cheaterSlashed: boolean;
  challengerRewarded: boolean;
  reServed: boolean;
  rounds: number;
  /** The one-step proof: the step and the instruction it executes. */
  provedStep: number;
  provedInstruction: string;
  gas: { request: number; honestClaim: number; claimer: number; challenger: number };
  degree: number;
  wallSeconds: number;
}

/** Token ids from a claim's output bytes (big-endian binary32 values). */
function idsOf(output: string): number[] {
  return Array.from(f32Values(output));
}

export async function runGptDemo(
  hre: HardhatRuntimeEnvironment,
  log: Log = console.log,
  opts: GptDemoOptions = {},
): Promise<GptDemoResult> {
  const t0 = Date.now();
  const { ethers } = hre;
  const { time } = await import("@nomicfoundation/hardhat-network-helpers");
  await initHasher();
  const [deployer, treasury, publisher, user, honestSigner, cheatSigner, challengerSigner] = await ethers.getSigners();

  log("== Deploy");
  const d = await deployReferee(deployer, treasury.address, DEMO_OPTIONS);
  log(`protocol deployed (DisputeGame k=${d.options.degree}): ${d.gasUsed} gas`);

  const prompt = opts.prompt ?? "And God said";
  const T = opts.tokens ?? 12;
  const tok = tokenizer(readVocabulary(KJV_GPT_VOCAB));
  const promptIds = tok.encode(prompt);
  const bytes = readFileSync(KJV_GPT);
  const hash = keccak256Hex;
  const manifest = parseManifest(
    JSON.stringify(
      generationManifest({
        path: KJV_GPT,
        keccak256: hash(bytes),
        input: "tokens",
        output: "logits",
        promptTokens: promptIds.length,
        steps: T,
        context: tok.vocabulary.context,
      }),
    ),
    KJV_GPT,
  );
  log(`== Register: greedy generation of ${T} tokens after a ${promptIds.length}-token prompt with kjv-gpt.onnx`);
  const tc = Date.now();
  const model = new ModelRun(compilePipeline(manifest, (p) => readFileSync(p), hash));
  const program = model.model.program;
  const steps = Number(model.parts.steps);
  log(
    `node compiled the generation: ${program.instructions.length} instructions, N = ${steps.toLocaleString("en-US")} steps (${Date.now() - tc} ms)`,
  );
  await (
    await d.registry.connect(publisher).register(model.parts, "kjv-gpt greedy", "file:models/kjv-gpt.onnx")
  ).wait();
  log(`registered under the model commitment ${model.modelId}`);

  const input = f32Bytes([Float32Array.from(promptIds)]);
  const honestIds = idsOf(model.run(input).output);
  // The cheater changes one generated token: the step that writes its argmax index, +1, and
  // the claimed output's token with it.
  const k = opts.cheatToken ?? Math.floor(T / 2);
  const argmax = program.instructions.findIndex(
    (ins) => program.activations[ins.out.index]?.name === `pipeline steps[0] (generate) token ${k}/argmax/index`,
  );
  if (argmax < 0) throw new Error(`no argmax instruction for token ${k}`);
  const cheatAt = instructionStarts(program)[argmax] + stepsPerElement(program.instructions[argmax]) - 1;
  const cheatedIds = honestIds.map((t, i) => (i === k ? t + 1 : t));

  const honest = new Operator("honest operator", d, await TxSender.of(honestSigner, d.interfaces), model, log);
  const cheater = new Operator("cheating operator", d, await TxSender.of(cheatSigner, d.interfaces), model, log, {
    cheatAt,
    cheatDelta: 1,
    cheatOutput: cheatedIds[k],
    cheatOutputIndex: k,
  });
  let provedStep = -1;
  const challengerLog: Log = (line, fields) => {
    if (fields?.event === "stepped") provedStep = Number(fields.at);
    log(line, fields);
  };
  const challenger = new Challenger(
    "challenger",
    d,
    await TxSender.of(challengerSigner, d.interfaces),
    model,
    challengerLog,
  );
  for (const s of [honestSigner, cheatSigner, challengerSigner, user])
    await (await d.token.mint(s.address, DEMO_MINT)).wait();
  await (await d.token.connect(user).approve(d.coordinator, ethers.MaxUint256)).wait();
  log("== Stake");
  await honest.stake(d.options.claimBond * 3n);
  await cheater.stake(d.options.claimBond * 3n);

  const request = async (): Promise<{ id: bigint; gas: number }> => {
    const fee = await d.coordinator.quoteFee(model.modelId, 0);
    const deadline = (await time.latest()) + 4 * 3600;
    const rc = await (
      await d.coordinator.connect(user).request(model.modelId, input, fee, ethers.ZeroAddress, 0, deadline)
    ).wait();
    return { id: await d.coordinator.requestCount(), gas: Number(rc!.gasUsed) };
  };
  const textOf = async (requestId: bigint): Promise<number[]> =>
    idsOf(await claimedOutputOf(d, ethers.provider, (await d.coordinator.getRequest(requestId)).claimId));

  // ---- Act 1
  log("== Act 1: an honest generation");
  const r1 = await request();
  log(
    `user: request #${r1.id}: continue "${prompt}" (token ids ${promptIds.join(" ")}) by ${T} tokens (${r1.gas} gas)`,
  );
  const honestGas0 = honest.gasUsed;
  await honest.tick();
  const honestClaimGas = Number(honest.gasUsed - honestGas0);
  await challenger.tick();
  await time.increase(d.options.challengeWindow);
  log(`… ${d.options.challengeWindow} s pass: the challenge window closes`);
  await honest.tick();
  const c1 = (await d.coordinator.getRequest(r1.id)).claimId;
  const got = await textOf(r1.id);
  const honestFinalized =
    (await d.coordinator.getRequest(r1.id)).status === RequestStatus.Finalized &&
    (await d.coordinator.getClaim(c1)).status === ClaimStatus.Finalized &&
    got.join() === honestIds.join();
  log(`claim #${c1} finalized: "${prompt}${tok.decode(got)}"`);

  // ---- Act 2
  log("== Act 2: a cheater changes one token");
  const r2 = await request();
  log(`user: request #${r2.id}, the same prompt`);
  const bonded0 = await d.staking.bondedOf(cheater.address);
  const claimerGas0 = cheater.gasUsed;
  await cheater.tick();
  const c2 = (await d.coordinator.getRequest(r2.id)).claimId;
  log(
    `cheating operator: claims "${prompt}${tok.decode(cheatedIds)}" — token ${k} is ${cheatedIds[k]} ('${tok.decode([cheatedIds[k]])}'), the model says ${honestIds[k]} ('${tok.decode([honestIds[k]])}'); its trace goes wrong at step ${cheatAt.toLocaleString("en-US")}`,
  );
  const balance0 = await d.token.balanceOf(challenger.address);
  const challengerGas0 = challenger.gasUsed;
  await challenger.tick();
  const gameId = await d.game.gameOf(c2, challenger.address);
  if (gameId === 0n) throw new Error("the challenger found no mismatch");
  for (let pass = 0; (await d.game.getGame(gameId)).status < GameStatus.ChallengerWon; pass++) {
    if (pass > 200) throw new Error("the game does not end");
    await cheater.tick();
    await challenger.tick();
  }
  const g = await d.game.getGame(gameId);
  const rounds = Number(g.round);
  const starts = instructionStarts(program);
  let pi = 0;
  while (pi + 1 < starts.length && starts[pi + 1] <= provedStep) pi++;
  const provedInstruction = program.activations[program.instructions[pi].out.index]?.name ?? `#${pi}`;
  log(
    `game #${gameId}: ${g.status === GameStatus.ChallengerWon ? "CHALLENGER WON" : "claimer won"} after ${rounds} rounds; step ${provedStep.toLocaleString("en-US")} proved on-chain (${provedInstruction})`,
  );
  const cheaterSlashed =
    (await d.coordinator.getClaim(c2)).status === ClaimStatus.Rejected &&
    (await d.staking.bondedOf(cheater.address)) < bonded0;
  const token = await tokenInfo(d.token);
  const bonded1 = await d.staking.bondedOf(cheater.address);
  log(`cheater slashed: bonded stake ${formatAmount(bonded0, token)} → ${formatAmount(bonded1, token)}`);
  await challenger.withdraw();
  const challengerRewarded =
    g.status === GameStatus.ChallengerWon && (await d.token.balanceOf(challenger.address)) > balance0;
  const claimerGas = Number(cheater.gasUsed - claimerGas0);
  const challengerGas = Number(challenger.gasUsed - challengerGas0);

  // ---- Act 3
  log("== Act 3: the request is served again");
  await honest.tick();
  await challenger.tick();
  await time.increase(d.options.challengeWindow);
  await honest.tick();
  const again = await textOf(r2.id);
  const reServed =
    (await d.coordinator.getRequest(r2.id)).status === RequestStatus.Finalized && again.join() === honestIds.join();
  log(`request #${r2.id} finalized: "${prompt}${tok.decode(again)}"`);

  return {
    prompt,
    text: tok.decode(honestIds),
    tokenIds: honestIds,
    cheatedText: tok.decode(cheatedIds),
    steps,
    honestFinalized,
    cheaterSlashed,
    challengerRewarded,
    reServed,
    rounds,
    provedStep,
    provedInstruction,
    gas: { request: r1.gas, honestClaim: honestClaimGas, claimer: claimerGas, challenger: challengerGas },
    degree: d.options.degree,
    wallSeconds: Math.round((Date.now() - t0) / 100) / 10,
  };
}
