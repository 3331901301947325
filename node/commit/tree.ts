// Slot trees (docs/PROTOCOL.md §3.1): the tensor tree of one slot, node prefix 0x01.
//
// Level 0 (the packed leaves) is not stored: it is the slot's own Float32Array, packed on
// demand (8 values → 32 bytes is cheaper than a hash). Levels 2..D are stored, ~2 bytes per
// value (level 1 only when it is the root: see levelBytes), hashed by the WebAssembly
// kernel of tree-kernel.ts (on the calling thread or in the hash-pool.ts workers). From
// them, in O(D) hashes:
//   - the root and an index-bound proof of any leaf;
//   - the root of a PREFIX of the slot (first p values final, the rest zero) and proofs
//     against it — the state of the slot an instruction is writing (§4): left of the
//     boundary leaf every node is final, right of it every node is a zero subtree Z_d;
//   - a single-leaf update.
import { TENSOR_NODE } from "./domains";
import { Bytes32, MAX_DEPTH, hashNode, isHasherReady, zeroHash } from "./keccak";
import { MerkleTree } from "./merkle";
import { LEAF_BYTES, VALUES_PER_LEAF, depthFor, leafCount, packLeaf, unpackLeaf } from "./leaves";
import { hashSubtrees, levelBytes, levelOffsets, levelViews, localKernel } from "./tree-kernel";

let zeros: Uint8Array | null = null;

/** Z_0 … Z_MAX_DEPTH of tensor trees, 32 bytes each, as the kernel reads them. */
export function tensorZeros(): Uint8Array {
  if (zeros === null) {
    const z = new Uint8Array(32 * (MAX_DEPTH + 1));
    for (let d = 0; d <= MAX_DEPTH; d++) z.set(zeroHash(TENSOR_NODE, d), 32 * d);
    zeros = z;
  }
  return zeros;
}

export class SlotTree extends MerkleTree {
  /** The slot's values: the tree reads them (level 0) and `update` writes them. */
  readonly values: Float32Array;
  private boundary: { p: number; path: Bytes32[] } | null = null;

  private constructor(values: Float32Array, levels: Uint8Array[]) {
    super(TENSOR_NODE, leafCount(values.length), levels);
    this.values = values;
  }

  /** Build the tree of a slot: ≈ ⌈L/8⌉ hashes, on this thread. Keeps a reference to `values`. */
  static build(values: Float32Array): SlotTree {
    if (!isHasherReady())
      throw new Error("SlotTree.build before initHasher(): await initHasher() (node/commit/keccak) once at start-up");
    return buildSlotTrees([values])[0];
  }

  /**
   * The tree of `values` from levels 0..D hashed elsewhere (levelViews layout; the hashing
   * workers of hash-pool.ts). Sizes are checked, contents trusted: the caller hashed them.
   */
  static fromLevels(values: Float32Array, levels: Uint8Array[]): SlotTree {
    const count = leafCount(values.length);
    const depth = depthFor(count);
    if (levels.length !== depth + 1) throw new RangeError(`slot tree: ${levels.length - 1} levels, expected ${depth}`);
    levels.forEach((l, d) => {
      const want = d === 0 ? 0 : levelBytes(count, depth, d);
      if (l.length !== want) throw new RangeError(`slot tree: level ${d} is ${l.length} bytes, expected ${want}`);
    });
    return new SlotTree(values, levels);
  }

  get length(): number {
    return this.values.length;
  }

  /** Node (d, m); level 1 is not stored (levelBytes): hashed here from its two leaves. */
  override node(d: number, m: number): Bytes32 {
    if (d !== 1 || this.levels[1].length > 0) return super.node(d, m);
    if (!(Number.isSafeInteger(m) && m >= 0 && m < 2 ** (this.depth - 1))) {
      throw new RangeError(`node (1, ${m}) out of range [0, ${2 ** (this.depth - 1)})`);
    }
    if (m >= this.levelCount(1)) return zeroHash(TENSOR_NODE, 1).slice();
    return hashNode(TENSOR_NODE, packLeaf(this.values, 2 * m), packLeaf(this.values, 2 * m + 1));
  }

  override leaf(j: number): Bytes32 {
    this.checkIndex(j);
    return packLeaf(this.values, j);
  }

  /**
   * Replace leaf j (its 8 values; padding positions past the slot end must be zero) and
   * rehash its path. Writes through to `values`.
   */
  override update(j: number, leaf: Uint8Array): void {
    if (!(Number.isSafeInteger(j) && j >= 0 && j < this.count))
      throw new RangeError(`leaf ${j} out of range [0, ${this.count})`);
    if (leaf.length !== LEAF_BYTES) throw new RangeError("leaf must be 32 bytes");
    const vals = unpackLeaf(leaf);
    const bits = new Uint32Array(vals.buffer);
    const base = j * VALUES_PER_LEAF;
    const dst = new Uint32Array(this.values.buffer, this.values.byteOffset, this.values.length);
    for (let t = 0; t < VALUES_PER_LEAF; t++) {
      if (base + t < this.values.length) dst[base + t] = bits[t];
      else if (bits[t] !== 0) throw new RangeError(`leaf ${j}: value ${t} lies past the slot end and must be zero`);
    }
    this.boundary = null;
    this.rehashPath(j);
  }

  /** Set value `index` (rounded to binary32, NaN canonical) and rehash its leaf's path. */
  setValue(index: number, x: number): void {
    if (!(Number.isSafeInteger(index) && index >= 0 && index < this.values.length)) {
      throw new RangeError(`value index ${index} out of range [0, ${this.values.length})`);
    }
    if (x !== x) new Uint32Array(this.values.buffer, this.values.byteOffset, this.values.length)[index] = 0x7fc00000;
    else this.values[index] = x;
    this.boundary = null;
    this.rehashPath(Math.floor(index / VALUES_PER_LEAF));
  }

  // -------------------------------------------------------------------------------------
  // Prefix views: values [0, p) as they are, [p, L) zero.

  private checkPrefix(p: number): void {
    if (!(Number.isSafeInteger(p) && p >= 0 && p <= this.values.length)) {
      throw new RangeError(`prefix ${p} out of range [0, ${this.values.length}]`);
    }
  }

  /**
   * Nodes on the path from the boundary leaf b = ⌊p/8⌋ (the first leaf not wholly final) to
   * the root of the prefix-p tree: path[d] is node (d, b >> d). Only for p < L. The last
   * one is cached: a witness asks for the root and proofs of the same prefix.
   */
  private boundaryPath(p: number): Bytes32[] {
    if (this.boundary !== null && this.boundary.p === p) return this.boundary.path;
    const b = Math.floor(p / VALUES_PER_LEAF);
    const path: Bytes32[] = [packLeaf(this.values, b, p)];
    let m = b;
    for (let d = 0; d < this.depth; d++) {
      const cur = path[d];
      // Left of the boundary all is final; right of it all is zero.
      path.push(
        m & 1 ? hashNode(TENSOR_NODE, this.node(d, m - 1), cur) : hashNode(TENSOR_NODE, cur, zeroHash(TENSOR_NODE, d)),
      );
      m = Math.floor(m / 2);
    }
    this.boundary = { p, path };
    return path;
  }

  /** Node (d, m) of the prefix-p tree. */
  prefixNode(p: number, d: number, m: number): Bytes32 {
    this.checkPrefix(p);
    if (p === this.values.length) return this.node(d, m);
    if (p === 0) return zeroHash(TENSOR_NODE, d).slice(); // nothing written yet: no hashing
    const b = Math.floor(p / VALUES_PER_LEAF);
    const lo = m * 2 ** d;
    const hi = lo + 2 ** d; // node covers leaves [lo, hi)
    if (hi <= b) return this.node(d, m);
    if (lo > b) return zeroHash(TENSOR_NODE, d).slice();
    return this.boundaryPath(p)[d].slice();
  }

  /** Root of the slot with values [p, L) zeroed: O(D) hashes. p = L gives root(). */
  prefixRoot(p: number): Bytes32 {
    return this.prefixNode(p, this.depth, 0);
  }

  /** Leaf j of the prefix-p slot. */
  prefixLeaf(p: number, j: number): Bytes32 {
    this.checkPrefix(p);
    this.checkIndex(j);
    return packLeaf(this.values, j, p);
  }

  /** Proof of leaf j in the prefix-p tree (siblings bottom-up). */
  prefixProof(p: number, j: number): Bytes32[] {
    this.checkPrefix(p);
    this.checkIndex(j);
    const out: Bytes32[] = [];
    let m = j;
    for (let d = 0; d < this.depth; d++) {
      out.push(this.prefixNode(p, d, m ^ 1));
      m = Math.floor(m / 2);
    }
    return out;
  }
}

/**
 * The trees of several slots on this thread, their levels in ONE buffer: one allocation
 * instead of one per slot (hundreds of external allocations each nudge V8 towards a
 * full GC).
 */
export function buildSlotTrees(slots: readonly Float32Array[]): SlotTree[] {
  if (!isHasherReady())
    throw new Error("buildSlotTrees before initHasher(): await initHasher() (node/commit/keccak) once at start-up");
  const shapes = slots.map((v) => {
    const count = leafCount(v.length);
    const depth = depthFor(count);
    return { count, depth, bytes: levelOffsets(count, depth)[depth + 1] };
  });
  const storage = new ArrayBuffer(shapes.reduce((n, x) => n + x.bytes, 0));
  const { kernel, layout } = localKernel();
  let at = 0;
  return slots.map((values, i) => {
    const { count, depth, bytes } = shapes[i];
    const levels = levelViews(storage, at, count, depth);
    at += bytes;
    const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    hashSubtrees(kernel, layout, TENSOR_NODE, src, 0, count, 0, depth, levels, tensorZeros());
    return SlotTree.fromLevels(values, levels);
  });
}

/** Slot root of `values` (builds and discards the tree). */
export function slotRoot(values: Float32Array): Bytes32 {
  return SlotTree.build(values).root();
}

/** Root of an all-zero slot of `length` values: Z_D. */
export function zeroSlotRoot(length: number): Bytes32 {
  return zeroHash(TENSOR_NODE, depthFor(leafCount(length))).slice();
}
