// The verifier's libraries against the node, and the verifier on programs that break the
// well-formedness rules of docs/PROTOCOL.md §2.4 (which the compiler never emits, so the
// step vectors cannot reach these errors):
// - LibMerkle (through contracts/test/VerifierMerkleHarness.sol): roots over compressed
//   paths equal rootFromProof, index bound to the depth, zero masks checked, root after
//   update, slot and space depths;
// - LibInstruction: operand evaluation equals evalOperand on random operands (negative
//   offsets and coefficients, out-of-range coordinates);
// - OneStepVerifier: BadInstruction (kind, trailing bytes, missing operand / param,
//   unknown op), ReadOutOfRange, SlotOutOfRange.
// Run: npx hardhat test test/evm-verifier-libs.test.ts
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { ByteWriter } from "../node/commit/bytes";
import {
  Bytes32,
  MEMORY_NODE,
  OneStepProof,
  PROGRAM_NODE,
  ProgramTree,
  StateParts,
  TENSOR_NODE,
  encodeInstruction,
  encodeWitness,
  initHasher,
  instructionHash,
  programRootOf,
  rootFromProof,
  slotDepth,
  depthFor,
  stateHash,
  toHex,
  withLeafValue,
  zeroHash,
} from "../node/commit";
import { COMPILER_VERSION, Instruction, Kind, MapOp, Operand, Program, ReduceOp, Space } from "../node/program/isa";
import { evalOperand } from "../node/vm/step";
import { rng } from "./helpers/random";
import { deployVerifier } from "./helpers/verifier";

async function deploy() {
  const harness = await (await ethers.getContractFactory("VerifierMerkleHarness")).deploy();
  const verifier = await deployVerifier();
  return { harness, verifier };
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

const word = (r: () => number): Bytes32 => Uint8Array.from({ length: 32 }, () => Math.floor(r() * 256));

/** The compressed path of §6: u8 n ‖ u32 zeroMask ‖ the siblings that are not Z_d. */
function pathBytes(prefix: number, siblings: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter(5 + 32 * siblings.length);
  let mask = 0;
  const kept: Uint8Array[] = [];
  siblings.forEach((s, d) => {
    if (toHex(s) === toHex(zeroHash(prefix, d))) mask = (mask | (1 << d)) >>> 0;
    else kept.push(s);
  });
  w.u8(siblings.length).u32(mask);
  kept.forEach((s) => w.bytes(s));
  return w.finish();
}

describe("OneStepVerifier libraries", function () {
  this.timeout(300_000);
  before(async () => {
    await initHasher();
  });

  describe("LibMerkle", () => {
    it("roots over compressed paths (random and zero siblings) equal rootFromProof, for every prefix", async () => {
      const { harness } = await loadFixture(deploy);
      const r = rng(21);
      for (const prefix of [TENSOR_NODE, MEMORY_NODE, PROGRAM_NODE]) {
        for (const depth of [0, 1, 2, 5, 13, 31]) {
          const index = Math.floor(r() * 2 ** depth);
          // Some siblings are zero subtrees (left out of the bytes), the others random.
          const siblings = Array.from({ length: depth }, (_, d) => (r() < 0.4 ? zeroHash(prefix, d) : word(r)));
          const leaf = word(r);
          const want = toHex(rootFromProof(prefix, leaf, index, siblings));
          const path = pathBytes(prefix, siblings);
          const [root, consumed] = await harness.root(prefix, leaf, index, depth, path);
          expect(root, `prefix ${prefix} depth ${depth}`).to.equal(want);
          expect(consumed).to.equal(BigInt(path.length));
          const newLeaf = withLeafValue(leaf, 3, 1.5);
          const [r0, r1] = await harness.rootPair(prefix, leaf, newLeaf, index, depth, path);
          expect(r0).to.equal(want);
          expect(r1).to.equal(toHex(rootFromProof(prefix, newLeaf, index, siblings)));
        }
      }
    });

    it("zero siblings at every level of a 32-level path: alone, in pairs and in a run to the top", async () => {
      // Covers each way a walk takes Z_d: looked up (tensor trees, lowest zero level ≥ 3),
      // hashed up from Z_0, then carried to higher zero levels.
      const { harness } = await loadFixture(deploy);
      const r = rng(24);
      const depth = 32;
      for (const prefix of [TENSOR_NODE, MEMORY_NODE]) {
        const cases: number[][] = [];
        for (let t = 0; t < depth; t++) cases.push([t], t + 2 < depth ? [t, t + 2] : [t], range(t, depth));
        const calls = cases.map(async (zeros) => {
          const siblings = Array.from({ length: depth }, (_, d) => (zeros.includes(d) ? zeroHash(prefix, d) : word(r)));
          const index = Math.floor(r() * 2 ** depth);
          const leaf = word(r);
          const path = pathBytes(prefix, siblings);
          const what = `prefix ${prefix}, zero levels ${zeros.join(",")}`;
          const [root, consumed] = await harness.root(prefix, leaf, index, depth, path);
          expect(root, what).to.equal(toHex(rootFromProof(prefix, leaf, index, siblings)));
          expect(consumed, what).to.equal(BigInt(5 + 32 * (depth - zeros.length)));
          const newLeaf = withLeafValue(leaf, 5, -2.25);
          const [r0, r1] = await harness.rootPair(prefix, leaf, newLeaf, index, depth, path);
          expect(r0, what).to.equal(root);
          expect(r1, what).to.equal(toHex(rootFromProof(prefix, newLeaf, index, siblings)));
        });
        await Promise.all(calls);
      }
    });

    it("binds the index to the depth, the path length to the depth, the mask to the path", async () => {
      const { harness } = await loadFixture(deploy);
      const r = rng(22);
      const siblings = Array.from({ length: 4 }, () => word(r));
      const path = pathBytes(TENSOR_NODE, siblings);
      const leaf = word(r);
      await expect(harness.root(TENSOR_NODE, leaf, 16, 4, path))
        .to.be.revertedWithCustomError(harness, "LibMerkle_IndexOutOfRange")
        .withArgs(TENSOR_NODE, 16, 4);
      await expect(harness.root(TENSOR_NODE, leaf, 3, 5, path))
        .to.be.revertedWithCustomError(harness, "LibMerkle_BadPathLength")
        .withArgs(TENSOR_NODE, 3, 4, 5);
      const bad = path.slice();
      bad[4] |= 0x20; // mask bit 5 of a 4-level path
      await expect(harness.root(TENSOR_NODE, leaf, 3, 4, bad))
        .to.be.revertedWithCustomError(harness, "LibMerkle_BadZeroMask")
        .withArgs(TENSOR_NODE, 0x20, 4);
      // The same siblings at another index give another root: the path proves one leaf only.
      const [a] = await harness.root(TENSOR_NODE, leaf, 3, 4, path);
      const [b] = await harness.root(TENSOR_NODE, leaf, 2, 4, path);
      expect(a).to.not.equal(b);
    });

    it("slot and space depths equal the node's (§3.1, §3.2)", async () => {
      const { harness } = await loadFixture(deploy);
      for (const L of [0, 1, 7, 8, 9, 16, 17, 64, 65, 38400, 76800, 2 ** 20 + 1]) {
        expect(await harness.slotDepth(L), `L=${L}`).to.equal(BigInt(slotDepth(L)));
      }
      for (const s of [0, 1, 2, 3, 4, 5, 144, 159, 256, 257]) {
        expect(await harness.spaceDepth(s), `slots=${s}`).to.equal(BigInt(depthFor(Math.max(1, s))));
      }
    });
  });

  describe("LibInstruction", () => {
    it("evaluates operands exactly as evalOperand (400 random operands and points)", async () => {
      const { harness } = await loadFixture(deploy);
      const r = rng(23);
      const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
      const calls: Promise<void>[] = [];
      let valid = 0;
      for (let q = 0; q < 400; q++) {
        const a = int(0, 4);
        const b = int(0, 3);
        const c = int(1, 5);
        const op: Operand = {
          slot: { space: Space.Weight, index: int(0, 3) },
          dims: Array.from({ length: c }, () => int(1, 9)),
          offset: Array.from({ length: c }, () => int(-3, 3)),
          coef: Array.from({ length: c * (a + b) }, () => (r() < 0.5 ? 0 : int(-2, 2))),
        };
        const ins: Instruction = {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: Array.from({ length: a }, () => 4),
          redDims: Array.from({ length: b }, () => 3),
          out: { space: Space.Activation, index: 0 },
          inputs: [op],
        };
        const it = [...ins.iterDims.map(() => int(0, 3)), ...ins.redDims.map(() => int(0, 2))];
        const want = evalOperand(op, it);
        if (want.valid) valid++;
        calls.push(
          harness.evaluate(encodeInstruction(ins), 0, it).then(([v, addr, len, malformed]) => {
            expect(malformed).to.equal(0n);
            expect(v, JSON.stringify({ op, it })).to.equal(want.valid);
            if (want.valid) expect(addr).to.equal(BigInt(want.address));
            expect(len).to.equal(BigInt(op.dims.reduce((x, y) => x * y, 1)));
          }),
        );
      }
      await Promise.all(calls);
      expect(valid).to.be.greaterThan(20);
    });
  });
});

// ---------------------------------------------------------------------------------------
// Programs outside §2.4: the verifier still answers with a named error.

const Act = (index: number) => ({ space: Space.Activation, index });
const W = (index: number) => ({ space: Space.Weight, index });

function program(instructions: Instruction[], weights: number[], activations: number[]): Program {
  return {
    version: COMPILER_VERSION,
    instructions,
    weights: weights.map((n, i) => ({ name: `w${i}`, data: new Float32Array(n) })),
    inputs: [],
    activations: activations.map((n, i) => ({ name: `a${i}`, length: n })),
    outputs: [],
  };
}

/** The value witness of element `address` of weight slot `slot` when the weight space is one
 *  all-zero slot of at most 8 values: its root is the zero leaf, and so is weightsRoot. */
const zeroWeight = (address: number, slot = 0) => {
  const leaf = new Uint8Array(32);
  return { slot: W(slot), address, leaf, leafProof: [], slotRoot: leaf, slotProof: [] };
};

/** A proof of the step at pc of `p` (one all-zero weight slot of ≤ 8 values), with the given reads. */
function proofAt(
  p: Program,
  pc: StateParts["pc"],
  values: Partial<OneStepProof> = {},
  acc = 0,
): { root: string; preHash: string; proof: string } {
  const tree = ProgramTree.build(p);
  const r = rng(31);
  const pre: StateParts = {
    weightsRoot: new Uint8Array(32),
    inputsRoot: new Uint8Array(32),
    activationsRoot: word(r),
    pc,
    acc,
  };
  const w: OneStepProof = {
    pre,
    header: tree.header,
    instruction: { bytes: tree.bytes[pc.instr], proof: tree.proof(pc.instr) },
    reads: [],
    write: null,
    ...values,
  };
  return { root: toHex(tree.root), preHash: toHex(stateHash(pre)), proof: toHex(encodeWitness(w)) };
}

/** A proof whose instruction bytes are `bytes` (the program tree over just those bytes). */
function proofOfBytes(bytes: Uint8Array): { root: string; preHash: string; proof: string } {
  const p = program(
    [{ kind: Kind.Map, op: MapOp.Neg, params: [], iterDims: [1], redDims: [], out: Act(0), inputs: [] }],
    [],
    [1],
  );
  const tree = ProgramTree.build(p);
  // Replace the one instruction: its hash is the tree root (n = 1) and the header follows it.
  const header = { ...tree.header, instructionTreeRoot: rootFromProof(PROGRAM_NODE, instructionHash(bytes), 0, []) };
  const pre: StateParts = {
    weightsRoot: new Uint8Array(32),
    inputsRoot: new Uint8Array(32),
    activationsRoot: new Uint8Array(32),
    pc: { instr: 0, elem: 0, k: 0 },
    acc: 0,
  };
  const w: OneStepProof = { pre, header, instruction: { bytes, proof: [] }, reads: [], write: null };
  return { root: toHex(programRootOf(header)), preHash: toHex(stateHash(pre)), proof: toHex(encodeWitness(w)) };
}

describe("OneStepVerifier on programs outside §2.4", function () {
  this.timeout(300_000);
  before(async () => {
    await initHasher();
  });

  const map = (inputs: Operand[], op: number = MapOp.Neg, params: number[] = []): Instruction => ({
    kind: Kind.Map,
    op,
    params,
    iterDims: [4],
    redDims: [],
    out: Act(0),
    inputs,
  });
  const x = (offset: number, slot = W(0)): Operand => ({ slot, dims: [4], offset: [offset], coef: [1] });

  it("BadInstruction: unknown kind, trailing bytes, unknown operand space", async () => {
    const { verifier } = await loadFixture(deploy);
    const good = encodeInstruction(map([x(0)]));
    const cases: [Uint8Array, number][] = [
      [Uint8Array.from([9, ...good.slice(1)]), 1], // kind 9
      [Uint8Array.from([...good, 0]), 3], // a trailing byte
      [Uint8Array.from([...good.slice(0, 14), 3, ...good.slice(15)]), 2], // operand space 3
    ];
    for (const [bytes, reason] of cases) {
      const { root, preHash, proof } = proofOfBytes(bytes);
      await expect(verifier.step(root, preHash, proof))
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadInstruction")
        .withArgs(0, reason);
    }
  });

  it("BadInstruction: a missing operand, a missing param, an unknown reduce op", async () => {
    const { verifier } = await loadFixture(deploy);
    const cases: [Program, StateParts["pc"], number, OneStepProof["reads"]][] = [
      // binary Map with one operand (X is read first)
      [program([map([x(0)], MapOp.Add)], [4], [4]), { instr: 0, elem: 0, k: 0 }, 4, [zeroWeight(0)]],
      // Move with no source in range and no fill value
      [
        program(
          [{ kind: Kind.Move, op: 0, params: [], iterDims: [4], redDims: [], out: Act(0), inputs: [x(9)] }],
          [4],
          [4],
        ),
        { instr: 0, elem: 0, k: 0 },
        5,
        [],
      ],
      // Mean without its divisor, at the write step
      [
        program(
          [
            {
              kind: Kind.Reduce,
              op: ReduceOp.Mean,
              params: [],
              iterDims: [1],
              redDims: [4],
              out: Act(0),
              inputs: [{ slot: W(0), dims: [4], offset: [9], coef: [0, 1] }],
            },
          ],
          [4],
          [1],
        ),
        { instr: 0, elem: 0, k: 4 },
        5,
        [],
      ],
    ];
    for (const [p, pc, reason, reads] of cases) {
      const { root, preHash, proof } = proofAt(p, pc, { reads });
      await expect(verifier.step(root, preHash, proof), `reason ${reason}`)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadInstruction")
        .withArgs(0, reason);
    }
    // An unknown reduce op fails at a reduction step that reads a value: the read comes first.
    const p = program(
      [
        {
          kind: Kind.Reduce,
          op: 9,
          params: [],
          iterDims: [1],
          redDims: [4],
          out: Act(0),
          inputs: [{ slot: W(0), dims: [4], offset: [0], coef: [0, 1] }],
        },
      ],
      [4],
      [1],
    );
    const { root, preHash, proof } = proofAt(p, { instr: 0, elem: 0, k: 1 }, { reads: [zeroWeight(1)] }, 1);
    await expect(verifier.step(root, preHash, proof))
      .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadInstruction")
      .withArgs(0, 6);
  });

  it("ReadOutOfRange: a Map read or a Dot bias out of range", async () => {
    const { verifier } = await loadFixture(deploy);
    // elem 2: X reads [2] (in range, read first), Y reads [4]: out of range.
    const p1 = program([map([x(0), x(2)], MapOp.Add)], [4], [4]);
    const a = proofAt(p1, { instr: 0, elem: 2, k: 0 }, { reads: [zeroWeight(2)] });
    await expect(verifier.step(a.root, a.preHash, a.proof))
      .to.be.revertedWithCustomError(verifier, "OneStepVerifier_ReadOutOfRange")
      .withArgs(0, 1);
    const dot: Instruction = {
      kind: Kind.Dot,
      op: MapOp.None,
      params: [],
      iterDims: [4],
      redDims: [2],
      out: Act(0),
      inputs: [
        { slot: W(0), dims: [4], offset: [0], coef: [0, 1] },
        { slot: W(0), dims: [4], offset: [0], coef: [0, 1] },
        { slot: W(0), dims: [4], offset: [5], coef: [1, 0] },
      ],
    };
    const { root, preHash, proof } = proofAt(program([dot], [4], [4]), { instr: 0, elem: 0, k: 2 });
    await expect(verifier.step(root, preHash, proof))
      .to.be.revertedWithCustomError(verifier, "OneStepVerifier_ReadOutOfRange")
      .withArgs(0, 2);
  });

  it("SlotOutOfRange: an operand naming a slot the header does not have", async () => {
    const { verifier } = await loadFixture(deploy);
    const p = program([map([x(0, W(3))])], [4], [4]); // one weight slot, operand names slot 3
    const { root, preHash, proof } = proofAt(p, { instr: 0, elem: 0, k: 0 }, { reads: [zeroWeight(0, 3)] });
    await expect(verifier.step(root, preHash, proof))
      .to.be.revertedWithCustomError(verifier, "OneStepVerifier_SlotOutOfRange")
      .withArgs(0, 3, 1);
  });
});
