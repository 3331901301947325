// Binary Merkle trees over 32-byte words, one node prefix per tree kind (docs/PROTOCOL.md §3).
// Leaves are padded to a power of two with zero words; a padded subtree of depth d hashes
// to Z_d of its prefix, so only the ⌈count/2^d⌉ real nodes of each level are stored and
// everything right of them is read from the zero table. Proofs are the siblings bottom-up
// and are bound to the leaf index: bit d of the index says on which side the sibling goes.
import { Bytes32, bytesEqual, hashLevel, hashNode, zeroHash } from "./keccak";
import { depthFor } from "./leaves";

export class MerkleTree {
  readonly prefix: number;
  /** Real (unpadded) leaves, ≥ 1: an empty list is one zero word. */
  readonly count: number;
  readonly depth: number;
  /** levels[d] holds the ⌈count/2^d⌉ real nodes of level d (32 bytes each), d = 0..depth. */
  protected readonly levels: Uint8Array[];

  protected constructor(prefix: number, count: number, levels: Uint8Array[]) {
    this.prefix = prefix;
    this.count = count;
    this.depth = depthFor(count);
    this.levels = levels;
  }

  /** Tree over `words` (a multiple of 32 bytes; empty → one zero word). Copies nothing. */
  static fromWords(prefix: number, words: Uint8Array): MerkleTree {
    if (words.length % 32 !== 0) throw new RangeError("MerkleTree: leaves must be 32-byte words");
    const count = Math.max(1, words.length / 32);
    const level0 = words.length === 0 ? new Uint8Array(32) : words;
    const t = new MerkleTree(prefix, count, [level0]);
    t.buildFrom(0);
    return t;
  }

  /** Tree over a list of 32-byte words (copied). */
  static fromList(prefix: number, list: readonly Uint8Array[]): MerkleTree {
    const words = new Uint8Array(list.length * 32);
    list.forEach((w, i) => {
      if (w.length !== 32) throw new RangeError(`MerkleTree: leaf ${i} is ${w.length} bytes, expected 32`);
      words.set(w, i * 32);
    });
    return MerkleTree.fromWords(prefix, words);
  }

  /** Nodes at level d (d = 0: leaves). */
  protected levelCount(d: number): number {
    return Math.ceil(this.count / 2 ** d);
  }

  /** (Re)compute levels d+1..depth from level d. */
  protected buildFrom(d: number): void {
    for (let l = d; l < this.depth; l++) {
      const n = this.levelCount(l);
      const next = new Uint8Array(Math.ceil(n / 2) * 32);
      hashLevel(this.prefix, this.levels[l], n, zeroHash(this.prefix, l), next);
      this.levels[l + 1] = next;
    }
  }

  /** Leaf j (the zero word for j ≥ count, up to 2^depth). */
  leaf(j: number): Bytes32 {
    this.checkIndex(j);
    if (j >= this.count) return new Uint8Array(32);
    return this.levels[0].slice(j * 32, j * 32 + 32);
  }

  /** Node m of level d (Z_d if it lies entirely in the padding). */
  node(d: number, m: number): Bytes32 {
    if (d === 0) return this.leaf(m);
    if (m >= this.levelCount(d)) return zeroHash(this.prefix, d).slice();
    return this.levels[d].slice(m * 32, m * 32 + 32);
  }

  root(): Bytes32 {
    return this.node(this.depth, 0);
  }

  /** Siblings of leaf j, bottom-up (`depth` words). */
  proof(j: number): Bytes32[] {
    this.checkIndex(j);
    const out: Bytes32[] = [];
    let m = j;
    for (let d = 0; d < this.depth; d++) {
      out.push(this.node(d, m ^ 1));
      m = Math.floor(m / 2);
    }
    return out;
  }

  /** Replace leaf j (< count) and rehash its path: O(depth) hashes. */
  update(j: number, leaf: Uint8Array): void {
    if (!(Number.isSafeInteger(j) && j >= 0 && j < this.count))
      throw new RangeError(`leaf ${j} out of range [0, ${this.count})`);
    if (leaf.length !== 32) throw new RangeError("leaf must be 32 bytes");
    this.levels[0].set(leaf, j * 32);
    this.rehashPath(j);
  }

  /** Recompute the ancestors of leaf j from level 0 up. */
  protected rehashPath(j: number): void {
    let m = j;
    let cur = this.leaf(j);
    for (let d = 0; d < this.depth; d++) {
      const sib = this.node(d, m ^ 1);
      cur = m & 1 ? hashNode(this.prefix, sib, cur) : hashNode(this.prefix, cur, sib);
      m = Math.floor(m / 2);
      // (an empty level is not stored: a subclass recomputes its nodes, see SlotTree.node)
      if (this.levels[d + 1].length > 0) this.levels[d + 1].set(cur, m * 32);
    }
  }

  protected checkIndex(j: number): void {
    if (!(Number.isSafeInteger(j) && j >= 0 && j < 2 ** this.depth)) {
      throw new RangeError(`leaf index ${j} out of range [0, ${2 ** this.depth})`);
    }
  }
}

/**
 * The root implied by `leaf` at `index` with `siblings` (bottom-up). The tree depth is
 * siblings.length; an index that does not fit in it is rejected, so a proof cannot be
 * replayed at another position.
 */
export function rootFromProof(
  prefix: number,
  leaf: Uint8Array,
  index: number,
  siblings: readonly Uint8Array[],
): Bytes32 {
  if (leaf.length !== 32) throw new RangeError("proof leaf must be 32 bytes");
  if (!(Number.isSafeInteger(index) && index >= 0 && index < 2 ** siblings.length)) {
    throw new RangeError(`proof index ${index} does not fit a tree of depth ${siblings.length}`);
  }
  let cur: Uint8Array = leaf;
  let m = index;
  for (const sib of siblings) {
    if (sib.length !== 32) throw new RangeError("proof sibling must be 32 bytes");
    cur = m % 2 === 1 ? hashNode(prefix, sib, cur) : hashNode(prefix, cur, sib);
    m = Math.floor(m / 2);
  }
  return cur;
}

/** Whether `siblings` prove `leaf` at `index` under `root`. */
export function verifyProof(
  prefix: number,
  leaf: Uint8Array,
  index: number,
  siblings: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    return bytesEqual(rootFromProof(prefix, leaf, index, siblings), root);
  } catch {
    return false;
  }
}
