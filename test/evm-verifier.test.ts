// The on-chain one-step verifier (contracts/OneStepVerifier.sol) against the node.
//
// 1. Kernel step vectors from real runs (test/vectors/step-vectors.ts: hello_deepa, the
//    PP-OCR classifier, the PP-OCR detector at 32×32, a movement graph), covering every kind
//    and phase and their edges: the EVM's post-state hash equals the node's stateAt(s+1).
// 2. Soundness: every kind of wrong proof is rejected with its named error.
// Run: npx hardhat test test/evm-verifier.test.ts
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  OneStepProof,
  StateParts,
  TraceCommitter,
  buildWitness,
  decodeWitness,
  encodeWitness,
  fromHex,
  stateHash,
  toHex,
  verifyWitness,
} from "../node/commit";
import { Kind, product } from "../node/program/isa";
import { instructionStarts } from "../node/vm/layout";
import { ProverDot__factory } from "../typechain-types";
import { STEP_CLASSES, StepVector, stepVectors } from "./vectors/step-vectors";
import { deployVerifier } from "./helpers/verifier";

// ---------------------------------------------------------------------------------------
// Proof layout (§6), to tamper with single fields of the bytes.

interface PathAt {
  at: number;
  n: number;
  mask: number;
  /** Offsets of the siblings present in the bytes. */
  siblings: number[];
}

interface ValueAt {
  at: number;
  space: number;
  slot: number;
  address: number;
  leaf: number;
  leafPath: PathAt;
  slotPath: PathAt;
}

interface ProofLayout {
  instruction: number;
  instructionLength: number;
  instructionPath: PathAt;
  readCount: number;
  reads: ValueAt[];
  writeFlag: number;
  write: ValueAt | null;
}

function layoutOf(proof: Uint8Array): ProofLayout {
  const dv = new DataView(proof.buffer, proof.byteOffset, proof.length);
  let p = 160;
  const path = (): PathAt => {
    const at = p;
    const n = proof[p];
    const mask = dv.getUint32(p + 1);
    p += 5;
    const siblings: number[] = [];
    for (let d = 0; d < n; d++) {
      if (((mask >>> d) & 1) === 0) {
        siblings.push(p);
        p += 32;
      }
    }
    return { at, n, mask, siblings };
  };
  const value = (): ValueAt => {
    const at = p;
    const v = { at, space: proof[p], slot: dv.getUint32(p + 1), address: dv.getUint32(p + 5), leaf: p + 9 };
    p += 41;
    const leafPath = path();
    const slotPath = path();
    return { ...v, leafPath, slotPath };
  };
  const instructionLength = dv.getUint32(p);
  const instruction = p + 4;
  p = instruction + instructionLength;
  const instructionPath = path();
  const readCount = proof[p++];
  const reads: ValueAt[] = [];
  for (let i = 0; i < readCount; i++) reads.push(value());
  const writeFlag = p;
  const write = proof[p++] === 1 ? value() : null;
  if (p !== proof.length) throw new Error(`layout: ${proof.length - p} trailing bytes`);
  return { instruction, instructionLength, instructionPath, readCount, reads, writeFlag, write };
}

const flip = (proof: Uint8Array, at: number, bit = 1): Uint8Array => {
  const out = proof.slice();
  out[at] ^= bit;
  return out;
};

// ---------------------------------------------------------------------------------------

async function deploy() {
  const verifier = await deployVerifier();
  const stepper = await (await ethers.getContractFactory("VerifierStepper")).deploy(await verifier.getAddress());
  return { verifier, stepper };
}

describe("OneStepVerifier", function () {
  this.timeout(600_000);
  let vectors: StepVector[];
  let runs: Awaited<ReturnType<typeof stepVectors>>["runs"];

  before(async () => {
    const t0 = performance.now();
    ({ vectors, runs } = await stepVectors());
    console.log(`      ${vectors.length} step vectors built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  describe("kernel step vectors", () => {
    it("cover every kernel kind and phase and every edge", () => {
      const classes = new Set(vectors.map((v) => v.class));
      expect([...classes].sort()).to.deep.equal([...STEP_CLASSES].sort());
      const tags = new Set(vectors.flatMap((v) => v.tags));
      for (const t of [
        "padded tap",
        "broadcast",
        "binary",
        "unary",
        "Max window",
        "Mean axes",
        "fill value",
        "last source",
        "first element",
        "last element",
        "first write",
        "last reduction step",
        "last step → halted",
        "halted → halted",
      ]) {
        expect(tags.has(t), t).to.equal(true);
      }
      for (const m of ["hello_deepa", "ppocr_cls"]) expect(vectors.some((v) => v.model === m)).to.equal(true);
    });

    it("the TypeScript model of the verifier (decodeWitness + verifyWitness) agrees on every proof", () => {
      const bad: string[] = [];
      for (const v of vectors) {
        const res = verifyWitness(decodeWitness(fromHex(v.proof)), fromHex(v.programRoot));
        if (toHex(res.preHash) !== v.preHash || toHex(res.postHash) !== v.postHash) bad.push(`${v.model} s=${v.step}`);
      }
      expect(bad).to.deep.equal([]);
    });

    it("the EVM post-state equals the node's stateAt(s+1) for every vector", async () => {
      const { verifier } = await loadFixture(deploy);
      const mismatches: string[] = [];
      const counts: Record<string, number> = {};
      const BATCH = 32;
      for (let i = 0; i < vectors.length; i += BATCH) {
        const batch = vectors.slice(i, i + BATCH);
        const got = await Promise.all(batch.map((v) => verifier.step(v.programRoot, v.preHash, v.proof)));
        batch.forEach((v, j) => {
          counts[v.class] = (counts[v.class] ?? 0) + 1;
          if (got[j] !== v.postHash)
            mismatches.push(
              `${v.model} s=${v.step} (${v.class}; ${v.tags.join(", ")}): EVM ${got[j]}, node ${v.postHash}`,
            );
        });
      }
      console.log(
        `      ${vectors.length} vectors, ${mismatches.length} mismatches: ${Object.entries(counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(", ")}`,
      );
      expect(mismatches).to.deep.equal([]);
    });
  });

  describe("soundness", () => {
    const pick = (pred: (v: StepVector) => boolean, what: string): StepVector => {
      const v = vectors.find(pred);
      if (v === undefined) throw new Error(`no vector for ${what}`);
      return v;
    };
    let dotMac: StepVector; // two reads (A activation or input, B weight)
    let mapJoined: StepVector; // reads two activation slots and writes a third: joined paths
    let halted: StepVector;
    let dotMacTrace: TraceCommitter;

    before(() => {
      dotMac = pick(
        (v) =>
          v.model === "ppocr_cls" &&
          v.class === "Dot.mac" &&
          layoutOf(fromHex(v.proof)).readCount === 2 &&
          v.pc.elem > 0,
        "Dot.mac",
      );
      mapJoined = pick((v) => {
        if (v.class !== "Map") return false;
        const l = layoutOf(fromHex(v.proof));
        return l.readCount === 2 && l.reads.every((r) => r.space === 2) && l.reads[0].slot !== l.reads[1].slot;
      }, "Map over two activation slots");
      halted = pick((v) => v.class === "halted" && v.tags.includes("halted → halted"), "halted");
      dotMacTrace = runs.find((r) => r.name === dotMac.model)!.trace;
    });

    const call = async (
      v: StepVector,
      proof: Uint8Array | string,
      preHash = v.preHash,
      programRoot = v.programRoot,
    ) => {
      const { verifier } = await loadFixture(deploy);
      return {
        verifier,
        result: verifier.step(programRoot, preHash, typeof proof === "string" ? proof : toHex(proof)),
      };
    };

    /** A proof whose pre-state is changed, with the matching pre-state hash. */
    const withPre = (v: StepVector, change: (pre: StateParts) => void): { proof: string; preHash: string } => {
      const w = decodeWitness(fromHex(v.proof));
      change(w.pre);
      return { proof: toHex(encodeWitness(w)), preHash: toHex(stateHash(w.pre)) };
    };

    it("the untampered proofs verify (control)", async () => {
      for (const v of [dotMac, mapJoined, halted]) {
        const { result } = await call(v, v.proof);
        expect(await result).to.equal(v.postHash);
      }
    });

    it("a later value's slot path stops where it meets the nearest earlier read of its space (§6.1)", () => {
      let nearerThanFirst = 0;
      for (const v of vectors) {
        if (v.class === "halted") continue;
        const l = layoutOf(fromHex(v.proof));
        const earlier: ValueAt[] = [];
        for (const x of [...l.reads, ...(l.write === null ? [] : [l.write])]) {
          const same = earlier.filter((r) => r.space === x.space);
          if (same.length > 0) {
            // Levels the joined path carries against each earlier read: 0 for its slot, else
            // the meeting level ⌊log2(slot ⊕ slot')⌋; the slot itself ranks first.
            const rank = (r: ValueAt): number => (r.slot === x.slot ? -1 : 31 - Math.clz32(r.slot ^ x.slot));
            const best = Math.min(...same.map(rank));
            expect(x.slotPath.n, `${v.model} s=${v.step} value at ${x.at}`).to.equal(Math.max(0, best));
            if (best < rank(same[0])) nearerThanFirst++;
          }
          if (x !== l.write) earlier.push(x);
        }
      }
      // The vectors exercise the rule: some values join a read other than their space's first.
      expect(nearerThanFirst).to.be.greaterThan(0);
    });

    it("wrong pre-state: the proof's state does not hash to the pre-state hash", async () => {
      const other = vectors[vectors.indexOf(dotMac) + 1];
      const { verifier, result } = await call(dotMac, dotMac.proof, other.preHash);
      await expect(result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadPreState")
        .withArgs(other.preHash, dotMac.preHash);
      const tampered = flip(fromHex(dotMac.proof), 5); // a byte of weightsRoot
      const r2 = await call(dotMac, tampered);
      await expect(r2.result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadPreState")
        .withArgs(dotMac.preHash, anyValue);
    });

    it("wrong program: the header does not hash to the program root", async () => {
      const tampered = flip(fromHex(dotMac.proof), 112 + 32 + 3); // #instructions
      const { verifier, result } = await call(dotMac, tampered);
      await expect(result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadProgramHeader")
        .withArgs(dotMac.programRoot, anyValue);
      const other = vectors.find((v) => v.programRoot !== dotMac.programRoot)!;
      const r2 = await call(dotMac, dotMac.proof, dotMac.preHash, other.programRoot);
      await expect(r2.result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadProgramHeader")
        .withArgs(other.programRoot, dotMac.programRoot);
    });

    it("wrong witness value: a changed read value or written leaf", async () => {
      const proof = fromHex(dotMac.proof);
      const l = layoutOf(proof);
      for (const r of l.reads) {
        const { verifier, result } = await call(dotMac, flip(proof, r.leaf + 4 * (r.address % 8) + 3));
        await expect(result)
          .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadLeafProof")
          .withArgs(r.space, r.slot, r.address);
      }
      const mp = fromHex(mapJoined.proof);
      const w = layoutOf(mp).write!;
      const { verifier, result } = await call(mapJoined, flip(mp, w.leaf + 4 * (w.address % 8), 0x40));
      await expect(result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadLeafProof")
        .withArgs(2, w.slot, w.address);
    });

    it("wrong Merkle path: a changed sibling of a leaf path, a slot path, a joined slot path", async () => {
      const proof = fromHex(dotMac.proof);
      const l = layoutOf(proof);
      for (const r of l.reads) {
        for (const p of [r.leafPath, r.slotPath]) {
          if (p.siblings.length === 0) continue;
          const { verifier, result } = await call(dotMac, flip(proof, p.siblings[p.siblings.length - 1] + 7));
          await expect(result)
            .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadLeafProof")
            .withArgs(r.space, r.slot, r.address);
        }
      }
      const mp = fromHex(mapJoined.proof);
      const ml = layoutOf(mp);
      const joined = [ml.reads[1], ml.write!].find((r) => r.slotPath.siblings.length > 0);
      if (joined !== undefined) {
        const { verifier, result } = await call(mapJoined, flip(mp, joined.slotPath.siblings[0] + 1));
        await expect(result)
          .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadLeafProof")
          .withArgs(joined.space, joined.slot, joined.address);
      }
      // A path one level short or long is refused before hashing.
      const r0 = l.reads[0];
      const bytes = proof.slice();
      bytes[r0.leafPath.at] += 1;
      // LibMerkle's error, raised in the Dot prover and passed through the entry unchanged. The prover's
      // address is read before the step is sent: awaiting it after would leave the step's rejection
      // unhandled for a moment, which mocha reports as an uncaught error.
      const { verifier: v0 } = await loadFixture(deploy);
      const prover = ProverDot__factory.connect(await v0.PROVER_DOT(), ethers.provider);
      const { result } = await call(dotMac, bytes);
      await expect(result)
        .to.be.revertedWithCustomError(prover, "LibMerkle_BadPathLength")
        .withArgs(1, Math.floor(r0.address / 8), r0.leafPath.n + 1, r0.leafPath.n);
    });

    it("wrong leaf index: a witness of another element, and a real path of another leaf", async () => {
      const proof = fromHex(dotMac.proof);
      const r0 = layoutOf(proof).reads[0];
      const other = r0.address ^ 8;
      const bytes = proof.slice();
      new DataView(bytes.buffer).setUint32(r0.at + 5, other);
      const { verifier, result } = await call(dotMac, bytes);
      await expect(result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_WrongValue")
        .withArgs(r0.space, r0.slot, r0.address, r0.space, r0.slot, other);
      // The leaf and leaf path of leaf j ^ 1 (both genuine), claimed for the right address.
      const w = decodeWitness(proof);
      const t = dotMacTrace.slotTree(w.reads[0].slot);
      const j = Math.floor(r0.address / 8) ^ 1;
      w.reads[0].leaf = t.leaf(j);
      w.reads[0].leafProof = t.proof(j);
      const r2 = await call(dotMac, encodeWitness(w));
      await expect(r2.result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadLeafProof")
        .withArgs(r0.space, r0.slot, r0.address);
    });

    it("wrong instruction: changed bytes, or the bytes and path of another instruction", async () => {
      const proof = fromHex(dotMac.proof);
      const l = layoutOf(proof);
      const { verifier, result } = await call(dotMac, flip(proof, l.instruction + 1)); // op
      await expect(result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadInstructionProof")
        .withArgs(dotMac.pc.instr, anyValue);
      const w = decodeWitness(proof);
      const next = dotMac.pc.instr + 1;
      w.instruction = { bytes: dotMacTrace.programTree.bytes[next], proof: dotMacTrace.programTree.proof(next) };
      const r2 = await call(dotMac, encodeWitness(w));
      await expect(r2.result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadInstructionProof")
        .withArgs(dotMac.pc.instr, anyValue);
    });

    it("wrong pc: elem ≥ E, k > K, instr > #instructions, a halted pc other than (n, 0, 0)", async () => {
      const program = runs.find((r) => r.name === dotMac.model)!.program;
      const ins = program.instructions[dotMac.pc.instr];
      const E = product(ins.iterDims);
      const K = product(ins.redDims);
      const n = program.instructions.length;
      const cases: [(pre: StateParts) => void, [number, number, number]][] = [
        [(pre) => (pre.pc.elem = E), [dotMac.pc.instr, E, dotMac.pc.k]],
        [(pre) => (pre.pc.k = K + 1), [dotMac.pc.instr, dotMac.pc.elem, K + 1]],
      ];
      for (const [change, args] of cases) {
        const { proof, preHash } = withPre(dotMac, change);
        const { verifier, result } = await call(dotMac, proof, preHash);
        await expect(result)
          .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadPc")
          .withArgs(...args);
      }
      // Beyond the program / a halted pc with elem ≠ 0: the pre-state and header only.
      const w = decodeWitness(fromHex(halted.proof));
      for (const pc of [
        { instr: n + 1, elem: 0, k: 0 },
        { instr: n, elem: 1, k: 0 },
      ]) {
        const bytes = fromHex(halted.proof);
        const dv = new DataView(bytes.buffer, bytes.byteOffset);
        dv.setUint32(96, pc.instr);
        dv.setUint32(100, pc.elem);
        const { verifier, result } = await call(halted, bytes, toHex(stateHash({ ...w.pre, pc })));
        await expect(result)
          .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadPc")
          .withArgs(pc.instr, pc.elem, pc.k);
      }
    });

    it("non-canonical acc: acc ≠ +0 at k = 0 (−0 included), and in the halted state", async () => {
      const atK0 = pick((v) => v.class === "Dot.mac" && v.pc.k === 0, "Dot.mac at k = 0");
      for (const bits of [0x80000000, 0x3f800000]) {
        const { proof, preHash } = withPre(
          atK0,
          (pre) => (pre.acc = new Float32Array(new Uint32Array([bits]).buffer)[0]),
        );
        const { verifier, result } = await call(atK0, proof, preHash);
        await expect(result)
          .to.be.revertedWithCustomError(verifier, "OneStepVerifier_NonCanonicalAcc")
          .withArgs(0, bits);
      }
      const { proof, preHash } = withPre(halted, (pre) => (pre.acc = 1));
      const { verifier, result } = await call(halted, proof, preHash);
      await expect(result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_NonCanonicalAcc")
        .withArgs(0, 0x3f800000);
    });

    it("wrong read count, write flag and proof length", async () => {
      const w = decodeWitness(fromHex(dotMac.proof));
      const fewer: OneStepProof = { ...w, reads: w.reads.slice(0, 1) };
      const { verifier, result } = await call(dotMac, encodeWitness(fewer));
      await expect(result).to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadReadCount").withArgs(1, 2);
      const more: OneStepProof = { ...w, reads: [...w.reads, w.reads[1]] };
      const r2 = await call(dotMac, encodeWitness(more));
      await expect(r2.result).to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadReadCount").withArgs(3, 2);
      const withWrite: OneStepProof = { ...w, write: w.reads[1] };
      const r3 = await call(dotMac, encodeWitness(withWrite));
      await expect(r3.result).to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadWriteFlag").withArgs(1, 0);
      const mw = decodeWitness(fromHex(mapJoined.proof));
      const r4 = await call(mapJoined, encodeWitness({ ...mw, write: null }));
      await expect(r4.result).to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadWriteFlag").withArgs(0, 1);
      const long = dotMac.proof + "00";
      const r5 = await call(dotMac, long);
      const len = (dotMac.proof.length - 2) / 2;
      await expect(r5.result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadProofLength")
        .withArgs(len, len + 1);
      const r6 = await call(halted, halted.proof + "00");
      await expect(r6.result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadProofLength")
        .withArgs(160, 161);
      const r7 = await call(dotMac, dotMac.proof.slice(0, 2 + 2 * 100));
      await expect(r7.result)
        .to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadProofLength")
        .withArgs(160, 100);
    });

    it("a proof of another step of the same run does not pass for this one", async () => {
      // The same trace at s and s+1: each proof proves its own step only.
      const run = runs.find((r) => r.name === dotMac.model)!;
      const s = instructionStarts(run.program)[dotMac.pc.instr] + 3;
      const a = buildWitness(run.trace, s);
      const b = buildWitness(run.trace, s + 1);
      const { verifier, result } = await call(dotMac, encodeWitness(b), toHex(stateHash(a.pre)), dotMac.programRoot);
      await expect(result).to.be.revertedWithCustomError(verifier, "OneStepVerifier_BadPreState");
      expect(run.program.instructions[dotMac.pc.instr].kind).to.equal(Kind.Dot);
    });
  });
});
