// Gas of one-step proof transactions (docs/PROTOCOL.md §6): each step vector is sent as a
// transaction to contracts/test/VerifierStepper.sol, which calls the verifier and emits the
// post-state hash — what a dispute game pays, calldata included. Shared by `npm run gas`
// (scripts/gas.ts) and the snapshot test (test/gas-snapshot.test.ts).
import type { Log } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deployOneStepVerifier } from "../../node/chain/deploy";
import { STEP_CLASSES, StepClass, StepVector } from "./step-vectors";

export interface GasRow {
  vector: StepVector;
  /** gasUsed of the transaction's receipt. */
  gas: number;
  calldataBytes: number;
  /** EIP-7623 calldata tokens: zero bytes + 4 × non-zero bytes. */
  tokens: number;
}

export interface GasStats {
  max: number;
  median: number;
}

/** The committed snapshot's shape, and the last line of `npm run gas -- --json`. */
export interface GasReport {
  oneStep: Partial<Record<StepClass, GasStats>>;
}

export function tokensOf(hex: string): { bytes: number; tokens: number } {
  let zeros = 0;
  const n = (hex.length - 2) / 2;
  for (let i = 2; i < hex.length; i += 2) if (hex[i] === "0" && hex[i + 1] === "0") zeros++;
  return { bytes: n, tokens: zeros + 4 * (n - zeros) };
}

/** Sends every vector as a one-step proof transaction and returns each receipt's gasUsed. */
export async function measureGas(hre: HardhatRuntimeEnvironment, vectors: readonly StepVector[]): Promise<GasRow[]> {
  const { ethers } = hre;
  const [signer] = await ethers.getSigners();
  const { address: verifier } = await deployOneStepVerifier(signer);
  const stepper = await (await ethers.getContractFactory("VerifierStepper")).deploy(verifier);
  const rows: GasRow[] = [];
  for (const v of vectors) {
    const tx = await stepper.getFunction("prove")(v.programRoot, v.preHash, v.proof);
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) throw new Error(`${v.model} s=${v.step}: transaction failed`);
    const ev = receipt.logs.map((l: Log) => stepper.interface.parseLog(l)).find((l) => l?.name === "Stepped");
    if (ev?.args.postStateHash !== v.postHash)
      throw new Error(`${v.model} s=${v.step}: post-state ${ev?.args.postStateHash}, node ${v.postHash}`);
    const { bytes, tokens } = tokensOf(tx.data);
    rows.push({ vector: v, gas: Number(receipt.gasUsed), calldataBytes: bytes, tokens });
  }
  return rows;
}

/** Lower median: an integer that is one of the values. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

export function summarize(rows: readonly GasRow[]): GasReport {
  const oneStep: GasReport["oneStep"] = {};
  for (const c of STEP_CLASSES) {
    const g = rows.filter((r) => r.vector.class === c).map((r) => r.gas);
    if (g.length > 0) oneStep[c] = { max: Math.max(...g), median: median(g) };
  }
  return { oneStep };
}

/** Gas a one-step proof transaction may cost, calldata included, whatever its kind: what a
 *  dispute's last move must fit under (issue 12). */
export const ONE_STEP_GAS_BUDGET = 100_000;

/** Allowed growth over the snapshot before the snapshot test fails. */
export const GAS_TOLERANCE = 0.02;

/** Kinds whose max or median grew by more than the tolerance over the snapshot (or are new). */
export function regressions(now: GasReport, snapshot: GasReport): string[] {
  const out: string[] = [];
  for (const c of STEP_CLASSES) {
    const a = now.oneStep[c];
    const b = snapshot.oneStep[c];
    if (a === undefined) continue;
    if (b === undefined) {
      out.push(`${c}: not in the snapshot`);
      continue;
    }
    for (const k of ["max", "median"] as const) {
      if (a[k] > b[k] * (1 + GAS_TOLERANCE))
        out.push(`${c} ${k}: ${a[k]} > snapshot ${b[k]} + ${GAS_TOLERANCE * 100}%`);
    }
  }
  return out;
}
