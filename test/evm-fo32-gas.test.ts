// Gas per FO32 operation on the EVM (docs/FO32.md "On-chain gas"): each op of
// LibMapOps.unary / binary (dispatch included) and each direct LibF32 primitive, measured
// inside the EVM with gasleft() around the single call, over the node-generated vectors
// (node/fo32/vectors.ts: hard cases, random bit patterns and each op's typical range).
// Prints the table in docs/FO32.md and fails if an op's worst case grows past its ceiling.
// Run: npx hardhat test test/evm-fo32-gas.test.ts
import { expect } from "chai";
import { ethers } from "hardhat";
import { MapOp } from "../node/compiler/program";
import { generateVectors, type BinaryVectors, type UnaryVectors } from "../node/fo32/vectors";
import type { F32Harness } from "../typechain-types";

// Worst case (max over the vectors) allowed per op: the documented maximum plus ~10%.
// Lower it when an optimization lands; raising it needs a reason in docs/FO32.md.
const CEILING: Record<string, number> = {
  None: 400, Identity: 400, Neg: 500, Abs: 500, Relu: 800, LeakyRelu: 1200, Clip: 1200,
  HardSigmoid: 2500, HardSwish: 3000, Sigmoid: 14_000, Tanh: 15_000, Exp: 13_000, Log: 12_000,
  Sqrt: 2_000, Erf: 24_000, Reciprocal: 1_000, Floor: 800, Ceil: 800, Softplus: 24_000,
  Gelu: 28_000, Sin: 9_000, Cos: 9_000, Elu: 14_000, Selu: 14_000, Softsign: 2_000, Sign: 1_300,
  Round: 2_600, Add: 1_300, Sub: 1_300, Mul: 1_300, Div: 1_400, Max: 800, Min: 800, Pow: 25_000,
  PRelu: 1_500,
  "add (LibF32)": 1_000, "sub (LibF32)": 1_000, "mul (LibF32)": 1_000, "div (LibF32)": 1_100,
  "max (LibF32)": 400, "min (LibF32)": 400, "sqrt (LibF32)": 1_500, "lt (LibF32)": 300,
};

const PRIMITIVES = ["add", "sub", "mul", "div", "max", "min", "sqrt", "lt"];
const CHUNK = 200; // inputs per eth_call (the expensive ops stay well under the call gas cap)

interface Row {
  name: string;
  id: string;
  n: number;
  median: number;
  p90: number;
  max: number;
}

function summarize(name: string, id: string, gas: number[]): Row {
  const s = [...gas].sort((a, b) => a - b);
  return { name, id, n: s.length, median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)], max: s[s.length - 1] };
}

async function chunked(n: number, f: (from: number, to: number) => Promise<bigint[]>): Promise<number[]> {
  const out: number[] = [];
  for (let from = 0; from < n; from += CHUNK) out.push(...(await f(from, Math.min(n, from + CHUNK))).map(Number));
  return out;
}

describe("FO32 on the EVM: gas per operation", function () {
  this.timeout(300_000);
  let h: F32Harness;
  const rows: Row[] = [];
  const sets = generateVectors();
  // one set per op: unary ops with their default params (the first set generated)
  const unary = new Map<MapOp, UnaryVectors>();
  const binary = new Map<MapOp, BinaryVectors>();
  for (const s of sets) {
    if (s.kind === "unary" && !unary.has(s.op)) unary.set(s.op, s);
    if (s.kind === "binary") binary.set(s.op, s);
  }

  before(async () => {
    h = (await (await ethers.getContractFactory("F32Harness")).deploy()) as unknown as F32Harness;
    await h.waitForDeployment();
  });

  after(() => {
    const lines = [
      "| op | id | vectors | median gas | p90 gas | max gas |",
      "|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.name} | ${r.id} | ${r.n} | ${r.median} | ${r.p90} | ${r.max} |`),
    ];
    // eslint-disable-next-line no-console
    console.log("\n" + lines.join("\n") + "\n");
  });

  it("measures every MapOp (LibMapOps.unary / binary, dispatch and canonical NaN included)", async () => {
    for (const [op, s] of unary) {
      const gas = await chunked(s.x.length, (a, b) => h.measureUnary(op, s.x.slice(a, b), s.p0, s.p1));
      rows.push(summarize(MapOp[op], String(op), gas));
    }
    for (const [op, s] of binary) {
      const gas = await chunked(s.x.length, (a, b) => h.measureBinary(op, s.x.slice(a, b), s.y.slice(a, b)));
      rows.push(summarize(MapOp[op], String(op), gas));
    }
  });

  it("measures the LibF32 primitives called directly (as the Dot and Reduce steps do)", async () => {
    const pairs = binary.get(MapOp.Add)!;
    for (let which = 0; which < PRIMITIVES.length; which++) {
      const gas = await chunked(pairs.x.length, (a, b) => h.measurePrimitive(which, pairs.x.slice(a, b), pairs.y.slice(a, b)));
      rows.push(summarize(`${PRIMITIVES[which]} (LibF32)`, "–", gas));
    }
  });

  it("every op's worst case stays under its ceiling", () => {
    const over = rows.filter((r) => r.max > (CEILING[r.name] ?? 0)).map((r) => `${r.name}: max ${r.max} > ${CEILING[r.name]}`);
    expect(over).to.deep.equal([]);
  });
});
