// The protocol libraries against the node: slot and space roots (LibTensorRoot), state
// hashes (LibCommitment), dissection points (LibDissection), chess clocks (LibClock).
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MEMORY_NODE, SlotTree, TENSOR_NODE, initHasher, spaceRoot, spaceTree, toHex, zeroHash } from "../node/commit";
import { f32Bytes, stateHashHex } from "./helpers/toy-trace";
import { rng } from "./helpers/random";

const NO_NAN = ethers.MaxUint256;

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * 1e3));
}

function randomHash(r: () => number): string {
  return ethers.hexlify(Uint8Array.from({ length: 32 }, () => Math.floor(r() * 256)));
}

describe("protocol libraries", function () {
  before(async () => {
    await initHasher();
  });

  async function harness() {
    return ethers.deployContract("ProtocolLibHarness");
  }

  describe("LibTensorRoot.slotRoot", () => {
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 257, 1000]) {
      it(`equals the node's slot root for ${n} values, wherever the slot sits in the bytes`, async () => {
        const h = await loadFixture(harness);
        const values = randomValues(n, n + 1);
        const want = toHex(SlotTree.build(values).root());
        // Junk before and after: the last leaf must be masked at the slot's end.
        for (const [before, after] of [
          [0, 0],
          [1, 3],
          [5, 11],
        ]) {
          const data = f32Bytes([randomValues(before, 7), values, randomValues(after, 8)]);
          const [root, nan] = await h.slotRoot(data, before * 4, n);
          expect(root).to.equal(want);
          expect(nan).to.equal(NO_NAN);
        }
      });
    }

    it("reports the index of the first NaN of the slot, of any NaN pattern, and ignores NaN outside it", async () => {
      const h = await loadFixture(harness);
      const values = randomValues(30, 3);
      const u = new Uint32Array(values.buffer);
      const bytesWith = (patch: (u: Uint32Array) => void, extra: number[] = []) => {
        const copy = Uint32Array.from(u);
        patch(copy);
        const all = Uint32Array.from([...copy, ...extra]);
        const out = new Uint8Array(all.length * 4);
        const dv = new DataView(out.buffer);
        all.forEach((x, i) => dv.setUint32(4 * i, x));
        return ethers.hexlify(out);
      };
      for (const [i, bits] of [
        [0, 0x7fc00000],
        [7, 0x7f800001],
        [8, 0xffc00000],
        [13, 0x7fffffff],
        [29, 0xff800001],
      ] as const) {
        const [, nan] = await h.slotRoot(
          bytesWith((c) => (c[i] = bits)),
          0,
          30,
        );
        expect(nan).to.equal(BigInt(i));
      }
      // Two NaNs: the first is reported.
      const [, two] = await h.slotRoot(
        bytesWith((c) => ((c[20] = 0x7fc00000), (c[9] = 0x7fc00001))),
        0,
        30,
      );
      expect(two).to.equal(9n);
      // Infinities are not NaN; a NaN right after the slot is not the slot's.
      const [, inf] = await h.slotRoot(
        bytesWith((c) => ((c[3] = 0x7f800000), (c[4] = 0xff800000)), [0x7fc00000]),
        0,
        30,
      );
      expect(inf).to.equal(NO_NAN);
    });
  });

  describe("LibTensorRoot.spaceRoot", () => {
    it("equals the node's space root for 0 to 9 slots", async () => {
      const h = await loadFixture(harness);
      const r = rng(9);
      for (let s = 0; s <= 9; s++) {
        const roots = Array.from({ length: s }, () => randomHash(r));
        expect(await h.spaceRoot(roots)).to.equal(toHex(spaceRoot(roots.map((x) => ethers.getBytes(x)))));
      }
    });

    it("zero subtrees are the node's Z_d for both tree kinds", async () => {
      const h = await loadFixture(harness);
      for (const d of [0, 1, 2, 5, 20]) {
        expect(await h.zeroHash("0x01", d)).to.equal(toHex(zeroHash(TENSOR_NODE, d)));
        expect(await h.zeroHash("0x02", d)).to.equal(toHex(zeroHash(MEMORY_NODE, d)));
      }
    });
  });

  describe("LibTensorRoot.spaceRootFromProof", () => {
    it("proves every slot of spaces of 1 to 9 slots with the node's proofs", async () => {
      const h = await loadFixture(harness);
      const r = rng(10);
      for (let s = 1; s <= 9; s++) {
        const roots = Array.from({ length: s }, () => ethers.getBytes(randomHash(r)));
        const tree = spaceTree(roots);
        for (let i = 0; i < s; i++) {
          const proof = tree.proof(i).map(toHex);
          expect(await h.spaceRootFromProof(roots[i], i, s, proof)).to.equal(toHex(tree.root()));
        }
      }
    });

    it("binds the index: a proof replayed at another slot proves another root", async () => {
      const h = await loadFixture(harness);
      const r = rng(11);
      const roots = Array.from({ length: 5 }, () => ethers.getBytes(randomHash(r)));
      const tree = spaceTree(roots);
      const proof = tree.proof(2).map(toHex);
      expect(await h.spaceRootFromProof(roots[2], 3, 5, proof)).to.not.equal(toHex(tree.root()));
    });

    it("reverts on a proof of another depth than the space's", async () => {
      const h = await loadFixture(harness);
      const leaf = ethers.ZeroHash;
      await expect(h.spaceRootFromProof(leaf, 0, 5, [leaf, leaf]))
        .to.be.revertedWithCustomError(h, "LibTensorRoot_ProofDepth")
        .withArgs(3, 2);
      await expect(h.spaceRootFromProof(leaf, 0, 1, [leaf]))
        .to.be.revertedWithCustomError(h, "LibTensorRoot_ProofDepth")
        .withArgs(0, 1);
    });

    it("reverts on an index outside the tree", async () => {
      const h = await loadFixture(harness);
      const leaf = ethers.ZeroHash;
      await expect(h.spaceRootFromProof(leaf, 8, 5, [leaf, leaf, leaf]))
        .to.be.revertedWithCustomError(h, "LibTensorRoot_IndexOutOfRange")
        .withArgs(8, 3);
    });
  });

  describe("LibCommitment.stateHash", () => {
    it("equals the node's state hash (§3.4)", async () => {
      const h = await loadFixture(harness);
      const r = rng(12);
      const [w, i, a] = [randomHash(r), randomHash(r), randomHash(r)];
      expect(await h.stateHash(w, i, a, 3, 17, 5, 0x3f800000)).to.equal(stateHashHex(w, i, a, 3, 17, 5, 1));
      expect(await h.stateHash(w, i, a, 0, 0, 0, 0)).to.equal(stateHashHex(w, i, a, 0));
    });
  });

  describe("LibDissection", () => {
    it("cuts [lo, hi] into min(k, L) increasing sub-ranges from lo to hi, lengths within one", async () => {
      const h = await loadFixture(harness);
      for (const [lo, len, k] of [
        [0, 1, 2],
        [0, 2, 8],
        [5, 7, 8],
        [100, 8, 8],
        [0, 9, 8],
        [3, 1000, 40],
        [0, 100_000_000, 16],
      ]) {
        const parts = Number(await h.parts(len, k));
        expect(parts).to.equal(Math.min(len, k));
        const points: bigint[] = [];
        for (let i = 0; i <= parts; i++) points.push(await h.point(lo, len, parts, i));
        expect(points[0]).to.equal(BigInt(lo));
        expect(points[parts]).to.equal(BigInt(lo + len));
        const lengths = points.slice(1).map((x, i) => x - points[i]);
        const min = lengths.reduce((a, b) => (a < b ? a : b));
        const max = lengths.reduce((a, b) => (a > b ? a : b));
        expect(min >= 1n && max - min <= 1n, `${lengths}`).to.equal(true);
      }
    });

    it("counts rounds: ⌈log_k N⌉ for N a power of k", async () => {
      const h = await loadFixture(harness);
      expect(await h.rounds(1, 8)).to.equal(0n);
      expect(await h.rounds(2, 2)).to.equal(1n);
      expect(await h.rounds(1024, 2)).to.equal(10n);
      expect(await h.rounds(4096, 16)).to.equal(3n);
      expect(await h.rounds(100_000_000, 10)).to.equal(8n);
    });
  });

  describe("LibClock", () => {
    it("runs only while started, charges the running time at stop, and expires at zero", async () => {
      const h = await loadFixture(harness);
      const c0 = await h.clockWrap(100);
      expect(await h.clockSecondsLeft(c0, 1_000_000)).to.equal(100n);
      expect(await h.clockExpired(c0, 1_000_000)).to.equal(false);
      const c1 = await h.clockStart(c0, 1000);
      expect(await h.clockSecondsLeft(c1, 1030)).to.equal(70n);
      expect(await h.clockExpired(c1, 1099)).to.equal(false);
      expect(await h.clockExpired(c1, 1100)).to.equal(true);
      expect(await h.clockSecondsLeft(c1, 5000)).to.equal(0n);
      const c2 = await h.clockStop(c1, 1030);
      expect(await h.clockSecondsLeft(c2, 9999)).to.equal(70n);
      const c3 = await h.clockStart(c2, 2000);
      expect(await h.clockSecondsLeft(c3, 2069)).to.equal(1n);
      expect(await h.clockExpired(c3, 2070)).to.equal(true);
    });
  });
});
