// Commitment tests: trees against a naive recursive Merkle root (ethers' keccak256, DataView
// packing), proofs and their tampering, prefix roots against zeroed copies, golden bytes,
// and on a hand-made program: every state hash against a step-by-step run of the VM and
// every one-step witness through the verifier.
import { expect } from "chai";
import { keccak256 as ethersKeccak, solidityPackedKeccak256 } from "ethers";
import {
  COMPILER_VERSION,
  Instruction,
  Kind,
  MapOp,
  Program,
  ReduceOp,
  TensorSpec,
  product,
} from "../node/program/isa";
import { MachineState, execute, initialMemory, pcAtStep, programSteps, step, validateProgram } from "../node/vm";
import {
  MEMORY_NODE,
  MerkleTree,
  PROGRAM_NODE,
  ProgramTree,
  SlotTree,
  SpaceTrees,
  StepWitness,
  TENSOR_NODE,
  TraceCommitter,
  WitnessError,
  buildWitness,
  BATCH,
  bytesEqual,
  createBatchHasher,
  decodeInstruction,
  decodeWitness,
  encodeInstruction,
  encodeProgram,
  encodeWitness,
  fromHex,
  hashLevelBatch,
  hashNode,
  initHasher,
  initialActivationsRoot,
  inputCommitment,
  instructionHash,
  keccak256,
  leafCount,
  modelCommitment,
  packLeaves,
  programRoot,
  rootFromProof,
  spaceRoot,
  specListHash,
  stateHash,
  toHex,
  verifyProof,
  verifyWitness,
  weightsRoot,
  zeroHash,
} from "../node/commit";
import { rng } from "./helpers/random";
import { Act, In, W, opnd } from "./helpers/programs";

const f = Math.fround;

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f((r() * 2 - 1) * 100);
  if (n > 2) new Uint32Array(out.buffer)[2] = 0xffc12345; // non-canonical NaN: hashed as 0x7FC00000
  return out;
}

// ---------------------------------------------------------------------------------------
// Naive reference: DataView packing, recursive tree, ethers' keccak256.

function ek(bytes: Uint8Array): Uint8Array {
  return fromHex(ethersKeccak(bytes));
}

function naiveNode(prefix: number, l: Uint8Array, r: Uint8Array): Uint8Array {
  const b = new Uint8Array(65);
  b[0] = prefix;
  b.set(l, 1);
  b.set(r, 33);
  return ek(b);
}

function naiveLeaves(values: Float32Array): Uint8Array[] {
  const n = Math.max(1, Math.ceil(values.length / 8));
  const out: Uint8Array[] = [];
  for (let j = 0; j < n; j++) {
    const leaf = new Uint8Array(32);
    const dv = new DataView(leaf.buffer);
    for (let t = 0; t < 8 && 8 * j + t < values.length; t++) {
      const x = values[8 * j + t];
      if (Number.isNaN(x)) dv.setUint32(4 * t, 0x7fc00000);
      else dv.setFloat32(4 * t, x);
    }
    out.push(leaf);
  }
  return out;
}

function naiveRoot(prefix: number, leaves: Uint8Array[]): Uint8Array {
  let size = 1;
  while (size < leaves.length) size *= 2;
  const padded = leaves.concat(Array.from({ length: size - leaves.length }, () => new Uint8Array(32)));
  const rec = (lo: number, hi: number): Uint8Array =>
    hi - lo === 1 ? padded[lo] : naiveNode(prefix, rec(lo, (lo + hi) / 2), rec((lo + hi) / 2, hi));
  return rec(0, padded.length);
}

function naiveSlotRoot(values: Float32Array): Uint8Array {
  return naiveRoot(TENSOR_NODE, naiveLeaves(values));
}

function naiveStateHash(
  w: Uint8Array,
  i: Uint8Array,
  a: Uint8Array,
  pc: { instr: number; elem: number; k: number },
  acc: number,
): Uint8Array {
  const accBits = Number.isNaN(acc) ? 0x7fc00000 : new Uint32Array(new Float32Array([acc]).buffer)[0];
  return fromHex(
    solidityPackedKeccak256(
      ["uint8", "bytes32", "bytes32", "bytes32", "uint32", "uint32", "uint32", "uint32"],
      [6, w, i, a, pc.instr, pc.elem, pc.k, accBits],
    ),
  );
}

const SIZES = [0, 1, 7, 8, 9, 63, 64, 65, 1000];

before(async () => {
  await initHasher();
});

describe("commit: keccak256", () => {
  it("matches ethers on random inputs and node hashes", () => {
    const r = rng(1);
    for (const n of [0, 1, 31, 32, 64, 65, 135, 136, 137, 1000]) {
      const b = new Uint8Array(n).map(() => Math.floor(r() * 256));
      expect(toHex(keccak256(b))).to.equal(ethersKeccak(b));
    }
    const l = ek(Uint8Array.of(1));
    const rr = ek(Uint8Array.of(2));
    expect(toHex(hashNode(TENSOR_NODE, l, rr))).to.equal(toHex(naiveNode(TENSOR_NODE, l, rr)));
  });

  it("zero-subtree table: Z_0 = 0^32, Z_{d+1} = H(p ‖ Z_d ‖ Z_d)", () => {
    expect(toHex(zeroHash(TENSOR_NODE, 0))).to.equal("0x" + "00".repeat(32));
    for (let d = 0; d < 10; d++) {
      const z = zeroHash(TENSOR_NODE, d);
      expect(toHex(zeroHash(TENSOR_NODE, d + 1))).to.equal(toHex(naiveNode(TENSOR_NODE, z, z)));
    }
    expect(toHex(zeroHash(MEMORY_NODE, 1))).to.not.equal(toHex(zeroHash(TENSOR_NODE, 1)));
  });
});

describe("commit: batch keccak (WebAssembly)", () => {
  for (const kind of ["simd", "scalar"] as const) {
    it(`${kind}: every level digest equals hash-wasm's and ethers'`, () => {
      const hasher = createBatchHasher(kind);
      const r = rng(kind.length);
      for (const count of [1, 2, 3, 2 * BATCH - 1, 2 * BATCH, 2 * BATCH + 1, 5001]) {
        const src = new Uint8Array(32 * count).map(() => Math.floor(r() * 256));
        const pad = new Uint8Array(32).map(() => Math.floor(r() * 256));
        const dst = new Uint8Array(32 * Math.ceil(count / 2));
        const prefix = 1 + Math.floor(r() * 8);
        hashLevelBatch(prefix, src, count, pad, dst, hasher);
        // (one expect per batch: hardhat's chai matchers make each expect cost ~1 ms)
        const got: string[] = [];
        const want: string[] = [];
        for (let m = 0; m < Math.ceil(count / 2); m++) {
          const l = src.slice(64 * m, 64 * m + 32);
          const rr = 64 * m + 32 < src.length ? src.slice(64 * m + 32, 64 * m + 64) : pad;
          got.push(toHex(dst.subarray(32 * m, 32 * m + 32)));
          want.push(toHex(m % 97 === 0 ? naiveNode(prefix, l, rr) : hashNode(prefix, l, rr)));
        }
        expect(got, `count=${count}`).to.deep.equal(want);
      }
    });
  }
});

describe("commit: leaves", () => {
  it("big-endian f32 bits, 8 per leaf, zero padded, NaN canonical", () => {
    const v = new Float32Array([1, -2, 0.5, -0, 0, 0, 0, 0, 3]);
    new Uint32Array(v.buffer)[4] = 0xffc00001;
    const b = packLeaves(v);
    expect(b.length).to.equal(64);
    expect(toHex(b)).to.equal(
      "0x" +
        "3f800000" +
        "c0000000" +
        "3f000000" +
        "80000000" +
        "7fc00000" +
        "00000000".repeat(3) +
        "40400000" +
        "00000000".repeat(7),
    );
    expect(toHex(packLeaves(v, 2))).to.equal("0x" + "3f800000c0000000" + "00".repeat(56));
    expect(leafCount(0)).to.equal(1);
    expect(packLeaves(new Float32Array(0)).length).to.equal(32);
  });

  it("matches naive packing on random sizes", () => {
    for (const n of SIZES) {
      const v = randomValues(n, n + 7);
      const naive = naiveLeaves(v);
      const packed = packLeaves(v);
      naive.forEach((leaf, j) => expect(toHex(packed.subarray(32 * j, 32 * j + 32))).to.equal(toHex(leaf)));
    }
  });
});

describe("commit: slot trees", () => {
  it("root equals the naive recursive root", () => {
    for (const n of SIZES) {
      const v = randomValues(n, n);
      expect(toHex(SlotTree.build(v).root()), `L=${n}`).to.equal(toHex(naiveSlotRoot(v)));
    }
    // larger than one packing chunk (2048 leaves), odd leaf count
    const big = randomValues(8 * 5000 + 3, 99);
    expect(toHex(SlotTree.build(big).root())).to.equal(toHex(naiveSlotRoot(big)));
  });

  it("depth-0 slot: the root is the leaf itself", () => {
    const v = new Float32Array([1, 2, 3]);
    expect(toHex(SlotTree.build(v).root())).to.equal(toHex(packLeaves(v)));
  });

  it("proofs verify, and fail when index, sibling or leaf is tampered", () => {
    for (const n of [9, 65, 1000]) {
      const t = SlotTree.build(randomValues(n, n + 1));
      const root = t.root();
      const failures: string[] = [];
      for (let j = 0; j < t.count; j++) {
        const leaf = t.leaf(j);
        const proof = t.proof(j);
        const badSib = proof.map((p) => p.slice());
        badSib[j % proof.length][7] ^= 1;
        const badLeaf = leaf.slice();
        badLeaf[31] ^= 0x80;
        const checks: [string, boolean][] = [
          ["depth", proof.length === t.depth],
          ["valid", verifyProof(TENSOR_NODE, leaf, j, proof, root)],
          ["other index", !verifyProof(TENSOR_NODE, leaf, j ^ 1, proof, root)],
          ["index past the tree", !verifyProof(TENSOR_NODE, leaf, j + 2 ** t.depth, proof, root)],
          ["tampered sibling", !verifyProof(TENSOR_NODE, leaf, j, badSib, root)],
          ["tampered leaf", !verifyProof(TENSOR_NODE, badLeaf, j, proof, root)],
          ["wrong domain", !verifyProof(MEMORY_NODE, leaf, j, proof, root)],
        ];
        for (const [what, ok] of checks) if (!ok) failures.push(`L=${n} j=${j}: ${what}`);
      }
      expect(failures).to.deep.equal([]);
      // padding leaves are provable as zero words
      if (t.count < 2 ** t.depth) {
        const j = 2 ** t.depth - 1;
        expect(verifyProof(TENSOR_NODE, new Uint8Array(32), j, t.proof(j), root)).to.equal(true);
      }
    }
  });

  it("prefix root equals the root of an explicitly zeroed copy, for every p", () => {
    for (const n of [1, 7, 9, 17, 64, 65, 130]) {
      const v = randomValues(n, 3 * n);
      const t = SlotTree.build(v);
      for (let p = 0; p <= n; p++) {
        const z = v.slice();
        z.fill(0, p);
        const want = toHex(naiveSlotRoot(z));
        const root = t.prefixRoot(p);
        expect(toHex(root), `L=${n} p=${p}`).to.equal(want);
        const bad: number[] = [];
        for (let j = 0; j < 2 ** t.depth; j++) {
          if (!verifyProof(TENSOR_NODE, t.prefixLeaf(p, j), j, t.prefixProof(p, j), root)) bad.push(j);
        }
        expect(bad, `L=${n} p=${p}: leaves whose prefix proof fails`).to.deep.equal([]);
      }
    }
  });

  it("single-leaf update equals a rebuild", () => {
    for (const n of [1, 9, 65, 1000]) {
      const v = randomValues(n, 5 * n);
      const t = SlotTree.build(v);
      const r = rng(n);
      for (let it = 0; it < 20; it++) {
        const i = Math.floor(r() * n);
        t.setValue(i, f(r() * 10 - 5));
        expect(toHex(t.root())).to.equal(toHex(SlotTree.build(v.slice()).root()));
        expect(toHex(t.root())).to.equal(toHex(naiveSlotRoot(v)));
      }
      const j = t.count - 1;
      const leaf = new Uint8Array(32);
      const valid = Math.min(8, n - 8 * j);
      for (let b = 0; b < 4 * valid; b++) leaf[b] = (b * 37 + 11) & 0x3f; // finite values
      t.update(j, leaf);
      expect(toHex(t.root())).to.equal(toHex(SlotTree.build(v.slice()).root()));
      expect(toHex(t.leaf(j))).to.equal(toHex(leaf));
      if (valid < 8) {
        const bad = leaf.slice();
        bad[31] = 1;
        expect(() => t.update(j, bad)).to.throw(RangeError);
      }
    }
  });

  it("generic trees: memory and program prefixes, padding with 0^32", () => {
    const r = rng(4);
    for (const n of [0, 1, 2, 3, 5, 8, 13]) {
      const words = Array.from({ length: n }, () => new Uint8Array(32).map(() => Math.floor(r() * 256)));
      const t = MerkleTree.fromList(MEMORY_NODE, words);
      const want = n === 0 ? new Uint8Array(32) : naiveRoot(MEMORY_NODE, words);
      expect(toHex(t.root())).to.equal(toHex(want));
      expect(toHex(spaceRoot(words))).to.equal(toHex(want));
      for (let j = 0; j < n; j++) expect(verifyProof(MEMORY_NODE, words[j], j, t.proof(j), want)).to.equal(true);
      if (n > 0) {
        t.update(n - 1, new Uint8Array(32).fill(9));
        words[n - 1] = new Uint8Array(32).fill(9);
        expect(toHex(t.root())).to.equal(toHex(naiveRoot(MEMORY_NODE, words)));
      }
    }
    const one = new Uint8Array(32).fill(5);
    expect(toHex(spaceRoot([one]))).to.equal(toHex(one)); // one slot → R_0
  });
});

// ---------------------------------------------------------------------------------------
// Instructions and the program root

describe("commit: instruction encoding", () => {
  const ins: Instruction = {
    kind: Kind.Dot,
    op: MapOp.LeakyRelu,
    params: [0.5],
    iterDims: [2],
    redDims: [3],
    out: Act(7),
    inputs: [
      { slot: W(4), dims: [2, 3], offset: [0, -1], coef: [1, 0, 0, 1] },
      { slot: In(0), dims: [3], offset: [0], coef: [0, -2] },
    ],
  };

  it("golden bytes", () => {
    const hex =
      "0x" +
      "01050101010200000007" + // kind op #params #iter #red #ops | outIndex 7
      "3f000000" + // params: 0.5
      "00000002" + // iterDims
      "00000003" + // redDims
      "0002" +
      "00000004" +
      "00000002" +
      "00000003" +
      "00000000" +
      "ffffffff" +
      "00000001000000000000000000000001" +
      "0101" +
      "00000000" +
      "00000003" +
      "00000000" +
      "00000000" +
      "fffffffe";
    const bytes = encodeInstruction(ins);
    expect(toHex(bytes)).to.equal(hex);
    expect(toHex(instructionHash(bytes))).to.equal(ethersKeccak(new Uint8Array([4, ...bytes])));
    expect(decodeInstruction(bytes)).to.deep.equal(ins);
  });

  it("rejects fields that do not fit their widths", () => {
    const bad =
      (patch: Partial<Instruction>): (() => Uint8Array) =>
      () =>
        encodeInstruction({ ...ins, ...patch });
    expect(bad({ params: new Array(256).fill(0) })).to.throw(RangeError, /#params/);
    expect(bad({ op: 256 })).to.throw(RangeError, /op/);
    expect(bad({ iterDims: [2 ** 32] })).to.throw(RangeError, /iterDims/);
    expect(bad({ out: Act(-1) })).to.throw(RangeError, /outIndex/);
    expect(bad({ out: W(0) })).to.throw(RangeError, /Activation/);
    expect(bad({ params: [0.1] })).to.throw(RangeError, /binary32/);
    const op0 = ins.inputs[0];
    expect(bad({ inputs: [{ ...op0, offset: [2 ** 31, 0] }, ins.inputs[1]] })).to.throw(RangeError, /offset/);
    expect(bad({ inputs: [{ ...op0, coef: [-(2 ** 31) - 1, 0, 0, 1] }, ins.inputs[1]] })).to.throw(RangeError, /coef/);
    expect(bad({ inputs: [{ ...op0, coef: [1, 0, 0] }, ins.inputs[1]] })).to.throw(RangeError, /coefs/);
    expect(bad({ iterDims: [1.5] })).to.throw(RangeError);
    expect(() => decodeInstruction(new Uint8Array([...encodeInstruction(ins), 0]))).to.throw(RangeError, /trailing/);
    expect(() => decodeInstruction(encodeInstruction(ins).slice(0, 20))).to.throw(RangeError, /truncated/);
  });
});

// ---------------------------------------------------------------------------------------
// A hand-made program: Dot (+bias, Relu) → Map Add → Reduce Max (padded window) → Move
// (concat + fill).

function tinyProgram(batch = 5): { program: Program; inputs: Float32Array[] } {
  const w0 = randomValues(12, 11); // 3×4
  new Uint32Array(w0.buffer)[2] = 0x3f800000; // no NaN in the weights
  const b0 = new Float32Array([0.25, -1, 2]);
  const x = randomValues(batch * 4, 12); // batch×4, one non-canonical NaN at index 2
  const E0 = batch * 3;
  const instructions: Instruction[] = [
    {
      kind: Kind.Dot,
      op: MapOp.Relu,
      params: [],
      iterDims: [batch, 3],
      redDims: [4],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [batch, 4],
          [
            [0, 1, 0, 0],
            [0, 0, 0, 1],
          ],
        ),
        opnd(
          W(0),
          [3, 4],
          [
            [0, 0, 1, 0],
            [0, 0, 0, 1],
          ],
        ),
        opnd(W(1), [3], [[0, 0, 1, 0]]),
      ],
    },
    {
      kind: Kind.Map,
      op: MapOp.Add,
      params: [],
      iterDims: [batch, 3],
      redDims: [],
      out: Act(1),
      inputs: [
        opnd(
          Act(0),
          [batch, 3],
          [
            [0, 1, 0],
            [0, 0, 1],
          ],
        ),
        opnd(W(1), [3], [[0, 0, 1]]),
      ],
    },
    {
      kind: Kind.Reduce,
      op: ReduceOp.Max,
      params: [],
      iterDims: [batch],
      redDims: [4],
      out: Act(2),
      inputs: [
        opnd(
          Act(1),
          [batch, 3],
          [
            [0, 1, 0],
            [-1, 0, 1],
          ],
        ),
      ],
    },
    {
      kind: Kind.Move,
      op: 0,
      params: [7.5],
      iterDims: [E0 + batch + 3],
      redDims: [],
      out: Act(3),
      inputs: [opnd(Act(1), [E0], [[0, 1]]), opnd(Act(2), [batch], [[-E0, 1]])],
    },
  ];
  const inputSpecs: TensorSpec[] = [{ name: "x", dims: [batch, 4], slot: In(0) }];
  const program: Program = {
    version: COMPILER_VERSION,
    instructions,
    weights: [
      { name: "w0", data: w0 },
      { name: "b0", data: b0 },
    ],
    inputs: inputSpecs,
    activations: instructions.map((ins, i) => ({ name: `a${i}`, length: product(ins.iterDims) })),
    outputs: [{ name: "y", dims: [E0 + batch + 3], slot: Act(3) }],
  };
  return { program, inputs: [x] };
}

describe("commit: program root, state hash, model commitment", () => {
  it("program root = H(0x05 ‖ instruction tree root ‖ counts)", () => {
    const { program } = tinyProgram();
    const pt = ProgramTree.build(program);
    const hashes = program.instructions.map((ins) => ek(new Uint8Array([4, ...encodeInstruction(ins)])));
    const treeRoot = naiveRoot(PROGRAM_NODE, hashes);
    expect(toHex(pt.header.instructionTreeRoot)).to.equal(toHex(treeRoot));
    const want = solidityPackedKeccak256(
      ["uint8", "bytes32", "uint32", "uint32", "uint32", "uint32"],
      [5, treeRoot, 4, 2, 1, 4],
    );
    expect(toHex(pt.root)).to.equal(want);
    expect(toHex(programRoot(program))).to.equal(want);
    for (let i = 0; i < 4; i++) expect(verifyProof(PROGRAM_NODE, hashes[i], i, pt.proof(i), treeRoot)).to.equal(true);
  });

  it("state hash layout", () => {
    const a = ek(Uint8Array.of(1));
    const b = ek(Uint8Array.of(2));
    const c = ek(Uint8Array.of(3));
    for (const acc of [0, -0, 1.5, NaN, -Infinity]) {
      const pc = { instr: 3, elem: 70000, k: 12 };
      expect(toHex(stateHash({ weightsRoot: a, inputsRoot: b, activationsRoot: c, pc, acc }))).to.equal(
        toHex(naiveStateHash(a, b, c, pc, acc)),
      );
    }
    expect(() =>
      stateHash({ weightsRoot: a, inputsRoot: b, activationsRoot: c, pc: { instr: -1, elem: 0, k: 0 }, acc: 0 }),
    ).to.throw(RangeError);
  });

  it("spec list hash and model commitment layout", () => {
    const { program } = tinyProgram();
    const specs = program.inputs;
    const name = new TextEncoder().encode("x");
    const wantSpecs = solidityPackedKeccak256(
      ["uint8", "uint32", "uint8", "uint32", "uint8", "uint32", "uint32", "uint16", "bytes"],
      [8, 1, 1, 0, 2, 5, 4, 1, name],
    );
    expect(toHex(specListHash(specs))).to.equal(wantSpecs);
    const onnx = ek(new TextEncoder().encode("fake onnx file"));
    const mc = modelCommitment(program, toHex(onnx));
    const wRoot = naiveRoot(
      MEMORY_NODE,
      program.weights.map((w) => naiveSlotRoot(w.data)),
    );
    expect(mc.weightsRoot).to.equal(toHex(wRoot));
    expect(mc.weightsRoot).to.equal(toHex(weightsRoot(program)));
    const zeroRoots = program.activations.map((a) => naiveSlotRoot(new Float32Array(a.length)));
    expect(mc.initialActivationsRoot).to.equal(toHex(naiveRoot(MEMORY_NODE, zeroRoots)));
    expect(mc.initialActivationsRoot).to.equal(toHex(initialActivationsRoot(program)));
    expect(mc.N).to.equal(programSteps(program));
    const want = solidityPackedKeccak256(
      ["uint8", "bytes32", "bytes32", "bytes32", "uint64", "bytes32", "bytes32", "bytes32", "uint32"],
      [
        7,
        mc.programRoot,
        mc.weightsRoot,
        mc.initialActivationsRoot,
        mc.N,
        mc.inputSpecsHash,
        mc.outputSpecsHash,
        onnx,
        COMPILER_VERSION,
      ],
    );
    expect(mc.commitment).to.equal(want);
  });

  it("determinism: same program → same bytes and commitments", () => {
    const a = tinyProgram();
    const b = tinyProgram();
    expect(toHex(encodeProgram(a.program))).to.equal(toHex(encodeProgram(b.program)));
    const onnx = new Uint8Array(32).fill(1);
    expect(modelCommitment(a.program, onnx)).to.deep.equal(modelCommitment(b.program, onnx));
    expect(inputCommitment(a.inputs)).to.equal(inputCommitment(b.inputs));
    const c = tinyProgram(6);
    expect(toHex(encodeProgram(c.program))).to.not.equal(toHex(encodeProgram(a.program)));
    expect(modelCommitment(c.program, onnx).commitment).to.not.equal(modelCommitment(a.program, onnx).commitment);
  });
});

describe("commit: trace states and one-step witnesses", () => {
  const { program, inputs } = tinyProgram();
  validateProgram(program);
  const N = programSteps(program);

  /** Hashes of every state 0..N by stepping the VM's one-step definition, roots naive. */
  function steppedHashes(): Uint8Array[] {
    const mem = initialMemory(
      program,
      inputs.map((x) => x.slice()),
    );
    const w = naiveRoot(MEMORY_NODE, mem.weights.map(naiveSlotRoot));
    const i = naiveRoot(MEMORY_NODE, mem.inputs.map(naiveSlotRoot));
    const out: Uint8Array[] = [];
    let st: MachineState = { pc: { instr: 0, elem: 0, k: 0 }, acc: 0 };
    for (let s = 0; s <= N; s++) {
      const a = naiveRoot(MEMORY_NODE, mem.activations.map(naiveSlotRoot));
      out.push(naiveStateHash(w, i, a, st.pc, st.acc));
      st = step(program, mem, st);
    }
    return out;
  }

  it("stateAt(s) equals the hash of the stepped machine, for every s", async () => {
    const memory = execute(program, inputs);
    const trace = await TraceCommitter.create(program, memory);
    const want = steppedHashes();
    expect(N).to.equal(75 + 15 + 25 + 23);
    const got = Array.from({ length: N + 1 }, (_, s) => toHex(trace.stateAt(s).hash));
    expect(got).to.deep.equal(want.map(toHex));
    // random access order (exercises the per-instruction space-tree cache)
    const r = rng(8);
    for (let q = 0; q < 200; q++) {
      const s = Math.floor(r() * (N + 1));
      expect(toHex(trace.stateAt(s).hash), `s=${s}`).to.equal(toHex(want[s]));
    }
    expect(toHex(trace.finalState().hash)).to.equal(toHex(want[N]));
    const s0 = trace.stateAt(0);
    expect(toHex(s0.roots.activations)).to.equal(toHex(initialActivationsRoot(program)));
    expect(toHex(s0.roots.inputs)).to.equal(inputCommitment(inputs));
  });

  it("every witness verifies to the next state; binary encoding round-trips", async () => {
    const memory = execute(program, inputs);
    const trace = await TraceCommitter.create(program, memory);
    const root = trace.programTree.root;
    for (let s = 0; s <= N; s++) {
      const w = buildWitness(trace, s);
      const res = verifyWitness(w, root);
      expect(res.agrees, `s=${s}`).to.equal(true);
      expect(toHex(res.preHash)).to.equal(toHex(trace.stateAt(s).hash));
      expect(toHex(res.postHash)).to.equal(toHex(trace.stateAt(Math.min(N, s + 1)).hash));
      const enc = encodeWitness(w);
      const dec = decodeWitness(enc);
      expect(toHex(encodeWitness(dec))).to.equal(toHex(enc));
      // The proof bytes drop nothing the verifier needs: full proofs and slot roots come back.
      expect(dec).to.deep.equal({
        pre: w.pre,
        header: w.header,
        instruction: w.instruction,
        reads: w.reads,
        write: w.write,
      });
      expect(toHex(verifyWitness(dec, root).postHash)).to.equal(toHex(res.postHash));
    }
  });

  it("tampered witnesses are rejected or disagree", async () => {
    const memory = execute(program, inputs);
    const trace = await TraceCommitter.create(program, memory);
    const root = trace.programTree.root;
    const clone = (w: StepWitness): StepWitness => ({
      ...decodeWitness(encodeWitness(w)),
      step: w.step,
      postHash: w.postHash,
    });
    // Dot multiply-accumulate (A, B), Dot write (bias), Map (X, Y), Reduce (X), Move (source).
    for (const s of [1, 4, 80, 101, 120]) {
      const w0 = buildWitness(trace, s);
      expect(w0.reads.length).to.be.greaterThan(0);
      let w = clone(w0);
      w.reads[0].leaf[3] ^= 1; // a different value
      expect(() => verifyWitness(w, root)).to.throw(WitnessError, /leaf proof/);
      w = clone(w0);
      w.reads[0].address ^= 1; // another element
      expect(() => verifyWitness(w, root)).to.throw(WitnessError);
      w = clone(w0);
      w.reads[0].slotRoot[0] ^= 1;
      expect(() => verifyWitness(w, root)).to.throw(WitnessError);
      w = clone(w0);
      w.reads.pop();
      expect(() => verifyWitness(w, root)).to.throw(WitnessError);
      w = clone(w0);
      w.instruction!.bytes[1] ^= 1; // another op
      expect(() => verifyWitness(w, root)).to.throw(WitnessError, /instruction proof/);
      w = clone(w0);
      w.pre.acc = 12345; // a different pre-state: verifies, but to another post-state or pre-hash
      const res = verifyWitness(w, root);
      expect(toHex(res.preHash)).to.not.equal(toHex(trace.stateAt(s).hash));
      w = clone(w0);
      w.header.activationSlots += 1;
      expect(() => verifyWitness(w, root)).to.throw(WitnessError, /header/);
    }
    // a write step whose old leaf is forged
    const sw = buildWitness(trace, 75); // first Map element write
    expect(sw.write).to.not.equal(null);
    const w = clone(sw);
    w.write!.leaf[0] ^= 0x40;
    expect(() => verifyWitness(w, root)).to.throw(WitnessError, /write/);
  });

  it("stateAt is fast on a 10^8-step program", async function () {
    this.timeout(120_000);
    // out[e] = Σ_k a[k]·b[k] for every e: E = K = 10^4, N ≈ 10^8, memory tiny.
    const n = 10_000;
    const big: Program = {
      version: COMPILER_VERSION,
      instructions: [
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [n],
          redDims: [n],
          out: Act(0),
          inputs: [opnd(W(0), [n], [[0, 0, 1]]), opnd(In(0), [n], [[0, 0, 1]])],
        },
        {
          kind: Kind.Map,
          op: MapOp.Neg,
          params: [],
          iterDims: [n],
          redDims: [],
          out: Act(1),
          inputs: [opnd(Act(0), [n], [[0, 1]])],
        },
      ],
      weights: [{ name: "a", data: randomValues(n, 1).map((x) => (Number.isNaN(x) ? 1 : x)) }],
      inputs: [{ name: "b", dims: [n], slot: In(0) }],
      activations: [
        { name: "y", length: n },
        { name: "z", length: n },
      ],
      outputs: [{ name: "z", dims: [n], slot: Act(1) }],
    };
    const x = randomValues(n, 2).map((v) => (Number.isNaN(v) ? 0 : v));
    const memory = execute(big, [x]);
    const trace = await TraceCommitter.create(big, memory);
    expect(trace.N).to.equal(n * (n + 1) + n);
    const r = rng(3);
    let worst = 0;
    for (let q = 0; q < 20; q++) {
      const s = Math.floor(r() * trace.N);
      const t0 = performance.now();
      const st = trace.stateAt(s);
      const w = buildWitness(trace, s);
      const res = verifyWitness(w, trace.programTree.root);
      worst = Math.max(worst, performance.now() - t0);
      expect(res.agrees).to.equal(true);
      expect(toHex(res.preHash)).to.equal(toHex(st.hash));
      expect(pcAtStep(big, s)).to.deep.equal(st.pc);
    }
    console.log(`      worst stateAt + witness + verify on N=${trace.N}: ${worst.toFixed(1)} ms`);
    expect(worst).to.be.lessThan(1000);
  });
});

// ---------------------------------------------------------------------------------------

describe("commit: proofs against state roots", () => {
  it("rootFromProof binds the index to the proof depth", () => {
    const leaf = new Uint8Array(32).fill(1);
    expect(() => rootFromProof(TENSOR_NODE, leaf, 2, [leaf])).to.throw(RangeError);
    expect(bytesEqual(rootFromProof(TENSOR_NODE, leaf, 0, []), leaf)).to.equal(true);
  });

  it("space trees: slot proofs verify against the space root", () => {
    const slots = [randomValues(10, 1), randomValues(100, 2), randomValues(1, 3)];
    const sp = SpaceTrees.build(slots);
    slots.forEach((v, i) => {
      expect(verifyProof(MEMORY_NODE, sp.slots[i].root(), i, sp.slotProof(i), sp.root())).to.equal(true);
      expect(toHex(sp.slots[i].root())).to.equal(toHex(naiveSlotRoot(v)));
    });
  });
});

describe("commit: performance", () => {
  it("slot tree build ≥ 1M leaves/s of CPU time (wall time reported)", function () {
    this.timeout(120_000);
    const n = 8 * (1 << 20); // 2^20 leaves, 32 MiB of values
    const v = new Float32Array(n);
    const r = rng(5);
    for (let i = 0; i < n; i++) v[i] = r();
    let best = { wall: 0, cpu: 0 };
    for (let rep = 0; rep < 3; rep++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      SlotTree.build(v);
      const wall = n / 8 / ((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      const cpu = n / 8 / ((c.user + c.system) / 1e6);
      if (cpu > best.cpu) best = { wall, cpu };
    }
    console.log(
      `      2^20-leaf slot tree: ${(best.wall / 1e6).toFixed(2)} M leaves/s wall, ${(best.cpu / 1e6).toFixed(2)} M leaves/s CPU`,
    );
    expect(best.cpu).to.be.greaterThan(1e6);
  });
});
