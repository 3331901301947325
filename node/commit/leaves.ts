// Leaves (docs/PROTOCOL.md §3.1): 32 bytes = 8 consecutive binary32 values of a slot, each
// big-endian, value 8j+t at bytes [4t, 4t+4) of leaf j; a last partial leaf is zero padded.
// Packing reads the slot through a Uint32Array view and byte-swaps words in bulk: a
// DataView call per value would dominate the cost of committing large weight slots.
import { Bytes32 } from "./keccak";

export const VALUES_PER_LEAF = 8;
export const LEAF_BYTES = 32;
export const CANONICAL_NAN = 0x7fc00000;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Number of leaves of a slot of `length` values: max(1, ⌈L/8⌉). */
export function leafCount(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad slot length ${length}`);
  return Math.max(1, Math.ceil(length / VALUES_PER_LEAF));
}

/** ⌈log2 count⌉ for count ≥ 1: depth of a binary tree over `count` padded leaves. */
export function depthFor(count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`bad leaf count ${count}`);
  let d = 0;
  while (2 ** d < count) d++;
  return d;
}

/** Depth D of the tree of a slot of `length` values. */
export function slotDepth(length: number): number {
  return depthFor(leafCount(length));
}

/** Bit pattern stored for a value's bits: every NaN becomes the canonical 0x7FC00000. */
export function canonicalBits(u: number): number {
  return (u & 0x7fffffff) > 0x7f800000 ? CANONICAL_NAN : u >>> 0;
}

function bswap(u: number): number {
  return ((u & 0xff) << 24) | ((u & 0xff00) << 8) | ((u >>> 8) & 0xff00) | (u >>> 24);
}

function u32View(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * Pack leaves [firstLeaf, firstLeaf + nLeaves) of `values` into `out` (nLeaves·32 bytes from
 * its start). Values at index ≥ `limit` are written as zero: that is both the padding of
 * the last leaf and the "later elements still zero" of a slot being written (§4).
 */
export function packLeavesInto(
  values: Float32Array,
  firstLeaf: number,
  nLeaves: number,
  out: Uint8Array,
  limit: number = values.length,
): void {
  if (out.length < nLeaves * LEAF_BYTES) throw new RangeError("packLeavesInto: output too small");
  const src = u32View(values);
  const from = firstLeaf * VALUES_PER_LEAF;
  const end = Math.max(from, Math.min(limit, values.length, from + nLeaves * VALUES_PER_LEAF));
  const words = nLeaves * VALUES_PER_LEAF;
  if ((out.byteOffset & 3) === 0) {
    const dst = new Uint32Array(out.buffer, out.byteOffset, words);
    let w = 0;
    if (LITTLE_ENDIAN) {
      for (let i = from; i < end; i++, w++) {
        const u = src[i];
        dst[w] = bswap((u & 0x7fffffff) > 0x7f800000 ? CANONICAL_NAN : u);
      }
    } else {
      for (let i = from; i < end; i++, w++) {
        const u = src[i];
        dst[w] = (u & 0x7fffffff) > 0x7f800000 ? CANONICAL_NAN : u;
      }
    }
    dst.fill(0, w);
  } else {
    // Unaligned output (a caller's odd subarray): slow but correct.
    const dv = new DataView(out.buffer, out.byteOffset, words * 4);
    let w = 0;
    for (let i = from; i < end; i++, w++) dv.setUint32(w * 4, canonicalBits(src[i]));
    for (; w < words; w++) dv.setUint32(w * 4, 0);
  }
}

/** All leaves of a slot (ℓ·32 bytes), values at index ≥ `limit` zeroed. */
export function packLeaves(values: Float32Array, limit: number = values.length): Uint8Array {
  const n = leafCount(values.length);
  const out = new Uint8Array(n * LEAF_BYTES);
  packLeavesInto(values, 0, n, out, limit);
  return out;
}

/** Leaf j of a slot, values at index ≥ `limit` zeroed (j beyond the slot: the zero leaf). */
export function packLeaf(values: Float32Array, j: number, limit: number = values.length): Bytes32 {
  const out = new Uint8Array(LEAF_BYTES);
  packLeavesInto(values, j, 1, out, limit);
  return out;
}

/** Bits of value t (0..7) of a leaf. */
export function leafBits(leaf: Uint8Array, t: number): number {
  const o = 4 * t;
  return ((leaf[o] << 24) | (leaf[o + 1] << 16) | (leaf[o + 2] << 8) | leaf[o + 3]) >>> 0;
}

const f32Box = new Float32Array(1);
const u32Box = new Uint32Array(f32Box.buffer);

/** Value t (0..7) of a leaf as a JS number (exact binary32). */
export function leafValue(leaf: Uint8Array, t: number): number {
  u32Box[0] = leafBits(leaf, t);
  return f32Box[0];
}

/** Bits of a binary32 value, every NaN canonical. */
export function f32Bits(x: number): number {
  if (x !== x) return CANONICAL_NAN;
  f32Box[0] = x;
  return u32Box[0];
}

/** A copy of `leaf` with value t replaced by `x` (rounded to binary32, NaN canonical). */
export function withLeafValue(leaf: Uint8Array, t: number, x: number): Bytes32 {
  const out = Uint8Array.from(leaf);
  const u = f32Bits(x);
  const o = 4 * t;
  out[o] = u >>> 24;
  out[o + 1] = (u >>> 16) & 0xff;
  out[o + 2] = (u >>> 8) & 0xff;
  out[o + 3] = u & 0xff;
  return out;
}

/** The 8 values of a leaf. */
export function unpackLeaf(leaf: Uint8Array): Float32Array {
  const out = new Float32Array(VALUES_PER_LEAF);
  const bits = u32View(out);
  for (let t = 0; t < VALUES_PER_LEAF; t++) bits[t] = leafBits(leaf, t);
  return out;
}
