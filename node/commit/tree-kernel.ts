// The slot-tree kernel: levels 1..D of a slot tree (docs/PROTOCOL.md §3.1) hashed from the
// slot's values with no JavaScript per hash. A chunk of 2^CHUNK_LOG leaves is copied into
// WebAssembly memory, packed there (byte swap, canonical NaN: SIMD), and reduced level by
// level IN PLACE (a parent never overwrites a child not yet read); JS only copies each
// level's nodes out. instantiateKernel, hashSubtrees and levelViews run on the calling
// thread (SlotTree.build) and in the hashing workers (hash-pool.ts), which receive their
// source as text: they must stay self-contained (no imports, no module-level names;
// constants arrive as arguments).
import { FnBuilder, O, S, V128, encodeModule } from "../vm/wasm/encoder";
import { bytesEqual, hashNode } from "./keccak";
import { RC_BASE, ROUND_CONSTANTS, scalarHashFn, simdHashFn } from "./keccak-batch";

/** log2 of the leaves hashed per chunk: 8192 leaves = 256 KiB of values, L2-resident. */
export const CHUNK_LOG = 13;
/** Where chunks live in kernel memory; BUF − 1 must be readable (the hasher loads from src − 1). */
export const BUF = 256;
// A chunk, plus one spare message (SIMD hashes pairs of messages) and a zero-node pad.
const MEMORY_PAGES = Math.ceil((BUF + (32 << CHUNK_LOG) + 128) / 65536);

/** What a kernel needs besides its module: where to put what, and the round constants. */
export interface KernelLayout {
  buf: number;
  chunkLog: number;
  rcBase: number;
  /** The 24 round constants, little-endian, 192 bytes. */
  rc: Uint8Array;
}

export function kernelLayout(): KernelLayout {
  const rc = new Uint8Array(8 * 24);
  const dv = new DataView(rc.buffer);
  ROUND_CONSTANTS.forEach((k, i) => dv.setBigUint64(8 * i, k, true));
  return { buf: BUF, chunkLog: CHUNK_LOG, rcBase: RC_BASE, rc };
}

/**
 * pack(ptr, bytes): in place, every 32-bit word of [ptr, ptr + bytes) (bytes a multiple of
 * 16) becomes its canonical bits (any NaN → 0x7FC00000), big-endian: slot values → leaves.
 */
function packFn(): FnBuilder {
  const fn = new FnBuilder(2);
  const v = fn.local(V128);
  const exit = fn.block();
  const loop = fn.loop();
  fn.get(1).op(O.i32Eqz).brIf(exit);
  fn.get(0).get(0).simdMem(S.load, 0, 0).set(v);
  // bitselect(canonical, v, |v| > +inf): |v| < 2^31, so the signed compare is exact.
  fn.v128i(0x7fc00000).get(v);
  fn.get(v).v128i(0x7fffffff).simd(S.and).v128i(0x7f800000).simd(S.i32x4GtS);
  fn.simd(S.bitselect);
  fn.tee(v).get(v).simd(S.shuffle, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  fn.simdMem(S.store, 0, 0);
  fn.get(0).i32(16).op(O.i32Add).set(0);
  fn.get(1).i32(16).op(O.i32Sub).set(1);
  fn.br(loop).end().end();
  return fn;
}

/** The kernel module: hashNodes2 + pack (SIMD) or hashNodes alone (scalar; packing in JS). */
export function emitTreeModule(simd: boolean): Uint8Array {
  return encodeModule({
    memory: { export: "memory", pages: MEMORY_PAGES },
    types: simd ? [4, 2] : [4],
    fns: simd ? [simdHashFn(), packFn()] : [scalarHashFn()],
    exports: simd
      ? [
          ["hash", 0],
          ["pack", 1],
        ]
      : [["hash", 0]],
  });
}

/** One instantiated kernel. */
export interface TreeKernel {
  /** The kernel's memory (fixed size: never grown, so the view stays valid). */
  mem: Uint8Array;
  /** `count` 64-byte messages at src → `count` digests at dst (dst ≤ src: in place is fine). */
  hash(prefix: number, src: number, count: number, dst: number): void;
  /** In-place packing (see packFn), or null: pack in JS. */
  pack: ((ptr: number, bytes: number) => void) | null;
}

/** WebAssembly as used here (the project's TS lib has no WebAssembly typings). */
export interface WasmLike {
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** Instantiate a compiled kernel module. Self-contained: also runs inside the workers. */
export function instantiateKernel(wasm: WasmLike, module: object, simd: boolean, layout: KernelLayout): TreeKernel {
  const inst = new wasm.Instance(module, {});
  const mem = new Uint8Array((inst.exports.memory as { buffer: ArrayBuffer }).buffer);
  mem.set(layout.rc, layout.rcBase);
  const f = inst.exports.hash as (prefix: number, src: number, n: number, dst: number) => void;
  return {
    mem,
    // SIMD hashes messages in pairs: an odd count hashes one spare message past the end.
    hash: simd ? (prefix, src, count, dst) => f(prefix, src, (count + 1) >>> 1, dst) : f,
    pack: simd ? (inst.exports.pack as (ptr: number, bytes: number) => void) : null,
  };
}

/**
 * Levels (fromLevel, top] of one slot tree (node prefix `prefix`), for the leaves
 * [firstLeaf, firstLeaf + nLeaves): level d gets ⌈nLeaves/2^d⌉ nodes at node index
 * firstLeaf >> d. firstLeaf is a multiple of 2^top, and nLeaves one too unless the range
 * ends the slot. fromLevel = 0 hashes from `values` (the slot's float32 values as
 * little-endian bytes); fromLevel > 0 from levels[fromLevel], already built. levels[d] is
 * the whole level d of the slot, or empty: not stored (level 1, see levelBytes; never read
 * here, as a chunk covers ≥ 2 levels); zeros holds Z_0, Z_1, … (32 bytes each).
 * Self-contained: also runs inside the workers.
 */
export function hashSubtrees(
  k: TreeKernel,
  layout: KernelLayout,
  prefix: number,
  values: Uint8Array,
  firstLeaf: number,
  nLeaves: number,
  fromLevel: number,
  top: number,
  levels: Uint8Array[],
  zeros: Uint8Array,
): void {
  const mem = k.mem;
  const buf = layout.buf;
  const chunk = 2 ** layout.chunkLog;
  let level = fromLevel;
  if (level === 0 && top > 0) {
    const chunkTop = Math.min(top, layout.chunkLog);
    const end = firstLeaf + nLeaves;
    for (let c0 = firstLeaf; c0 < end; c0 += chunk) {
      const n = Math.min(chunk, end - c0);
      const from = c0 * 32;
      const to = Math.min(values.length, (c0 + n) * 32);
      const padded = (n + (n & 1)) * 32; // an odd last leaf pairs with Z_0 (zeros)
      mem.set(values.subarray(from, to), buf);
      mem.fill(0, buf + (to - from), buf + padded);
      if (k.pack !== null) k.pack(buf, padded);
      else {
        const dv = new DataView(mem.buffer, buf, padded);
        for (let o = 0; o < to - from; o += 4) {
          const u = dv.getUint32(o, true);
          dv.setUint32(o, (u & 0x7fffffff) > 0x7f800000 ? 0x7fc00000 : u, false);
        }
      }
      let cnt = n;
      for (let d = 1; d <= chunkTop; d++) {
        if (cnt & 1) mem.set(zeros.subarray((d - 1) * 32, d * 32), buf + cnt * 32);
        const pairs = (cnt + 1) >>> 1;
        k.hash(prefix, buf, pairs, buf);
        if (levels[d].length > 0) levels[d].set(mem.subarray(buf, buf + pairs * 32), (c0 >>> d) * 32);
        cnt = pairs;
      }
    }
    level = chunkTop;
  }
  // Levels above a chunk: reduce level d − 1 into level d, a chunk of nodes at a time.
  for (let d = level + 1; d <= top; d++) {
    const src = levels[d - 1];
    const first = Math.floor(firstLeaf / 2 ** (d - 1));
    const count = Math.ceil(nLeaves / 2 ** (d - 1));
    for (let i = 0; i < count; i += chunk) {
      const n = Math.min(chunk, count - i);
      mem.set(src.subarray((first + i) * 32, (first + i + n) * 32), buf);
      if (n & 1) mem.set(zeros.subarray((d - 1) * 32, d * 32), buf + n * 32);
      const pairs = (n + 1) >>> 1;
      k.hash(prefix, buf, pairs, buf);
      levels[d].set(mem.subarray(buf, buf + pairs * 32), ((first + i) >>> 1) * 32);
    }
  }
}

/**
 * Bytes stored for level d (1..depth) of a slot tree of `count` leaves. Level 1 is stored
 * only when it is the root: it is half of all nodes, and one of its nodes costs one hash
 * to recompute from two leaves (SlotTree.node), which saves half the memory and its
 * page faults for an extra hash per proof.
 */
export function levelBytes(count: number, depth: number, d: number): number {
  return d === 1 && depth >= 2 ? 0 : Math.ceil(count / 2 ** d) * 32;
}

/** Byte offset of level d (1..depth) in a slot's level storage, and the total at d = depth + 1. */
export function levelOffsets(count: number, depth: number): number[] {
  const out = [0, 0];
  for (let d = 1; d <= depth; d++) out.push(out[d] + levelBytes(count, depth, d));
  return out;
}

/**
 * Views of levels 0..depth over `storage` from byte `offset`, sized as levelBytes says (the
 * rule is repeated inline: this function also runs inside the workers; SlotTree.fromLevels
 * checks every size against levelBytes). Level 0 is empty: not stored.
 */
export function levelViews(storage: ArrayBufferLike, offset: number, count: number, depth: number): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(0)];
  let at = offset;
  for (let d = 1; d <= depth; d++) {
    const bytes = d === 1 && depth >= 2 ? 0 : Math.ceil(count / 2 ** d) * 32;
    out.push(new Uint8Array(storage, at, bytes));
    at += bytes;
  }
  return out;
}

// The calling thread's kernel, instantiated on first use.
interface WasmCompiler extends WasmLike {
  Module: new (bytes: Uint8Array) => object;
}
const WA = (globalThis as unknown as { WebAssembly: WasmCompiler }).WebAssembly;
let compiled: { module: object; simd: boolean } | null = null;
let local: { kernel: TreeKernel; layout: KernelLayout } | null = null;

/** The compiled kernel module: SIMD where the engine validates it, else scalar. */
export function kernelModule(): { module: object; simd: boolean } {
  if (compiled === null) {
    try {
      compiled = { module: new WA.Module(emitTreeModule(true)), simd: true };
    } catch {
      compiled = { module: new WA.Module(emitTreeModule(false)), simd: false };
    }
  }
  return compiled;
}

/**
 * This thread's kernel and its layout. On first use the kernel must reproduce a small tree
 * hashed by hash-wasm (keccak.ts), NaN and padding included; it refuses to start otherwise.
 */
export function localKernel(): { kernel: TreeKernel; layout: KernelLayout } {
  if (local === null) {
    const { module, simd } = kernelModule();
    const layout = kernelLayout();
    const kernel = instantiateKernel(WA, module, simd, layout);
    selfTest(kernel, layout);
    local = { kernel, layout };
  }
  return local;
}

function selfTest(kernel: TreeKernel, layout: KernelLayout): void {
  const prefix = 0x01;
  const values = new Float32Array(37).map((_, i) => (i - 11) / 3); // 5 leaves, depth 3
  new Uint32Array(values.buffer)[6] = 0xffc00123; // a non-canonical NaN
  let level: Uint8Array[] = [];
  for (let j = 0; j < 5; j++) {
    const leaf = new DataView(new ArrayBuffer(32));
    for (let t = 0; t < 8 && 8 * j + t < values.length; t++) {
      const x = values[8 * j + t];
      leaf.setUint32(4 * t, x !== x ? 0x7fc00000 : new Uint32Array(Float32Array.of(x).buffer)[0]);
    }
    level.push(new Uint8Array(leaf.buffer));
  }
  const zeros = new Uint8Array(32 * 4);
  for (let d = 0; level.length > 1; d++) {
    const next: Uint8Array[] = [];
    for (let m = 0; m < level.length; m += 2) {
      next.push(hashNode(prefix, level[m], level[m + 1] ?? zeros.subarray(32 * d, 32 * d + 32)));
    }
    zeros.set(hashNode(prefix, zeros.subarray(32 * d, 32 * d + 32), zeros.subarray(32 * d, 32 * d + 32)), 32 * d + 32);
    level = next;
  }
  const levels = levelViews(new ArrayBuffer(levelOffsets(5, 3)[4]), 0, 5, 3);
  hashSubtrees(kernel, layout, prefix, new Uint8Array(values.buffer), 0, 5, 0, 3, levels, zeros);
  if (!bytesEqual(levels[3], level[0])) {
    throw new Error("keccak256 self-test failed: the slot-tree WebAssembly kernel disagrees with hash-wasm");
  }
}
