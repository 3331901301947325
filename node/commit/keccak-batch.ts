// Batch node hashing for tree levels: H(prefix ‖ 64 bytes) for many consecutive pairs in
// ONE WebAssembly call. hash-wasm spends more time in its per-call JS plumbing (views,
// copies, init/update/final) than in the permutation, capping a level build at ~0.4–0.8M
// hashes/s here; a 65-byte message is always exactly one keccak-f[1600] block, so a
// dedicated loop (absorb 65 bytes, permute, squeeze 32) is all a tree level needs.
//
// The module is emitted below as bytes (no toolchain at build time): keccak-f[1600] with the
// 25 lanes in i64 locals, 24 rounds unrolled. It is checked against hash-wasm on load
// (`selfTest`) and the tests cross-check every tree against ethers' keccak256.
//
// Exported function hashNodes(prefix, src, count, dst): for m in [0, count):
//   dst[32m .. 32m+32) = keccak256(prefix ‖ src[64m .. 64m+64)); src − 1 must be readable.
// A SIMD variant (emitSimdModule) hashes two messages per pass and is used where available.
// The bytes are built with the VM's WebAssembly encoder (node/vm/wasm/encoder.ts).
import { FnBuilder, I32, I64, O, S, V128, encodeModule } from "../vm/wasm/encoder";

export const ROUND_CONSTANTS: readonly bigint[] = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];

// ρ rotation of lane (x, y), indexed [x][y].
const RHO = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
];

/** The module bytes; `roundsPerIteration` (a divisor of 24) rounds are unrolled per loop pass. */
export function emitModule(roundsPerIteration = ROUNDS_PER_ITERATION): Uint8Array {
  return encodeModule({
    memory: { export: "memory", pages: MEMORY_PAGES },
    types: [4],
    fns: [scalarHashFn(roundsPerIteration)],
    exports: [["hashNodes", 0]],
  });
}

/** The scalar hashNodes function (see emitModule), for modules that embed it. */
export function scalarHashFn(roundsPerIteration = ROUNDS_PER_ITERATION): FnBuilder {
  if (24 % roundsPerIteration !== 0) throw new RangeError("roundsPerIteration must divide 24");
  // params: 0 prefix, 1 src, 2 count, 3 dst (i32); i64 locals: A 4..28, B 29..53, C 54..58,
  // D 59..63; i32 local R 64
  const fn = new FnBuilder(4);
  for (let i = 0; i < 60; i++) fn.local(I64);
  const R = fn.local(I32);
  const A = (x: number, y: number): number => 4 + x + 5 * y;
  const B = (x: number, y: number): number => 29 + x + 5 * y;
  const C = (x: number): number => 54 + x;
  const D = (x: number): number => 59 + x;
  const ALIGN1 = 0; // loads may be unaligned

  const exit = fn.block();
  const next = fn.loop();
  fn.get(2).op(O.i32Eqz).brIf(exit);

  // Absorb: message bytes 8i..8i+7 = src[8i−1 .. 8i+7), byte 0 replaced by the prefix.
  fn.get(1).i32(1).op(O.i32Sub).mem(O.i64Load, ALIGN1, 0);
  fn.i64(~0xffn).op(O.i64And);
  fn.get(0).op(O.i64ExtendI32U).op(O.i64Or).set(A(0, 0));
  for (let i = 1; i < 8; i++)
    fn.get(1)
      .mem(O.i64Load, ALIGN1, 8 * i - 1)
      .set(4 + i); // lane i = x + 5y is local A(x, y) = 4 + i
  // Byte 64 is the last data byte, byte 65 the 0x01 pad, byte 135 the final 0x80.
  fn.get(1)
    .mem(O.i64Load8U, ALIGN1, 63)
    .i64(0x100n)
    .op(O.i64Or)
    .set(4 + 8);
  for (let i = 9; i < 25; i++) fn.i64(i === 16 ? 0x8000000000000000n : 0n).set(4 + i);

  // 24 rounds as a loop, ROUNDS_PER_ITERATION unrolled (a fully unrolled permutation is
  // ~60 KB of machine code and thrashes the instruction cache); round constants at RC_BASE,
  // byte offset of the round's constant in local R (i32).
  fn.i32(0).set(R);
  const round = fn.loop();
  for (let u = 0; u < roundsPerIteration; u++) {
    // θ: C[x] = ⊕_y A[x, y]; D[x] = C[x−1] ⊕ rotl(C[x+1], 1)
    for (let x = 0; x < 5; x++) {
      fn.get(A(x, 0));
      for (let y = 1; y < 5; y++) fn.get(A(x, y)).op(O.i64Xor);
      fn.set(C(x));
    }
    for (let x = 0; x < 5; x++) {
      fn.get(C((x + 4) % 5))
        .get(C((x + 1) % 5))
        .i64(1n)
        .op(O.i64Rotl)
        .op(O.i64Xor)
        .set(D(x));
    }
    // θ applied, then ρ and π: B[y, 2x+3y] = rotl(A[x, y] ⊕ D[x], r[x][y])
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) {
        fn.get(A(x, y)).get(D(x)).op(O.i64Xor);
        if (RHO[x][y] !== 0) fn.i64(BigInt(RHO[x][y])).op(O.i64Rotl);
        fn.set(B(y, (2 * x + 3 * y) % 5));
      }
    }
    // χ: A[x, y] = B[x, y] ⊕ (¬B[x+1, y] ∧ B[x+2, y])
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 5; x++) {
        fn.get(B(x, y))
          .get(B((x + 1) % 5, y))
          .i64(-1n)
          .op(O.i64Xor);
        fn.get(B((x + 2) % 5, y))
          .op(O.i64And)
          .op(O.i64Xor)
          .set(A(x, y));
      }
    }
    // ι
    fn.get(A(0, 0))
      .get(R)
      .mem(O.i64Load, ALIGN1, RC_BASE + 8 * u)
      .op(O.i64Xor)
      .set(A(0, 0));
  }
  fn.get(R)
    .i32(8 * roundsPerIteration)
    .op(O.i32Add)
    .tee(R)
    .i32(8 * 24)
    .op(O.i32LtU)
    .brIf(round);
  fn.end();

  // Squeeze 32 bytes: lanes 0..3, little-endian.
  for (let i = 0; i < 4; i++)
    fn.get(3)
      .get(4 + i)
      .mem(O.i64Store, ALIGN1, 8 * i);
  // next message
  fn.get(1).i32(64).op(O.i32Add).set(1);
  fn.get(3).i32(32).op(O.i32Add).set(3);
  fn.get(2).i32(1).op(O.i32Sub).set(2);
  fn.br(next).end().end();
  return fn;
}

/**
 * The same function two messages at a time with 128-bit SIMD: each local holds lane i of
 * message 2g in its low half and of message 2g+1 in its high half. hashNodes2(prefix, src,
 * groups, dst) hashes 2·groups messages. Rotations are shl | shr_u (no i64x2.rotl), χ uses
 * v128.andnot; measured gain over the scalar loop: SIMD_NOTE below.
 */
export function emitSimdModule(): Uint8Array {
  return encodeModule({
    memory: { export: "memory", pages: MEMORY_PAGES },
    types: [4],
    fns: [simdHashFn()],
    exports: [["hashNodes2", 0]],
  });
}

/** The SIMD hashNodes2 function (see emitSimdModule), for modules that embed it. */
export function simdHashFn(): FnBuilder {
  // params 0..3 (i32); v128 locals: A 4..28, B 29..53, C 54..58, D 59..63, T 64; i32 R 65
  const fn = new FnBuilder(4);
  for (let i = 0; i < 61; i++) fn.local(V128);
  const R = fn.local(I32);
  const A = (x: number, y: number): number => 4 + x + 5 * y;
  const B = (x: number, y: number): number => 29 + x + 5 * y;
  const C = (x: number): number => 54 + x;
  const D = (x: number): number => 59 + x;
  const T = 64;
  const ALIGN1 = 0;
  const rotl = (r: number): void => {
    // value on the stack → rotl(value, r)
    fn.tee(T).i32(r).simd(S.i64x2Shl);
    fn.get(T)
      .i32(64 - r)
      .simd(S.i64x2ShrU);
    fn.simd(S.or);
  };
  // Lane i (0..8) of the message whose data starts at src + off, as an i64.
  const lane = (off: number, i: number): void => {
    if (i === 0) {
      fn.get(1);
      if (off === 0) fn.i32(1).op(O.i32Sub).mem(O.i64Load, ALIGN1, 0);
      else fn.mem(O.i64Load, ALIGN1, off - 1);
      fn.i64(~0xffn).op(O.i64And);
      fn.get(0).op(O.i64ExtendI32U).op(O.i64Or);
    } else if (i < 8) {
      fn.get(1).mem(O.i64Load, ALIGN1, off + 8 * i - 1);
    } else {
      fn.get(1)
        .mem(O.i64Load8U, ALIGN1, off + 63)
        .i64(0x100n)
        .op(O.i64Or);
    }
  };

  const exit = fn.block();
  const next = fn.loop();
  fn.get(2).op(O.i32Eqz).brIf(exit);
  for (let i = 0; i < 25; i++) {
    if (i <= 8) {
      lane(0, i);
      fn.simd(S.i64x2Splat);
      lane(64, i);
      fn.simd(S.i64x2ReplaceLane, 1);
    } else {
      const half = i === 16 ? [0, 0, 0, 0, 0, 0, 0, 0x80] : [0, 0, 0, 0, 0, 0, 0, 0];
      fn.simd(S.const, ...half, ...half);
    }
    fn.set(4 + i);
  }
  fn.i32(0).set(R);
  const round = fn.loop();
  for (let x = 0; x < 5; x++) {
    fn.get(A(x, 0));
    for (let y = 1; y < 5; y++) fn.get(A(x, y)).simd(S.xor);
    fn.set(C(x));
  }
  for (let x = 0; x < 5; x++) {
    fn.get(C((x + 4) % 5)).get(C((x + 1) % 5));
    rotl(1);
    fn.simd(S.xor).set(D(x));
  }
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      fn.get(A(x, y)).get(D(x)).simd(S.xor);
      if (RHO[x][y] !== 0) rotl(RHO[x][y]);
      fn.set(B(y, (2 * x + 3 * y) % 5));
    }
  }
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      fn.get(B(x, y))
        .get(B((x + 2) % 5, y))
        .get(B((x + 1) % 5, y))
        .simd(S.andnot)
        .simd(S.xor)
        .set(A(x, y));
    }
  }
  fn.get(A(0, 0)).get(R).simdMem(S.load64Splat, ALIGN1, RC_BASE).simd(S.xor).set(A(0, 0));
  fn.get(R)
    .i32(8)
    .op(O.i32Add)
    .tee(R)
    .i32(8 * 24)
    .op(O.i32LtU)
    .brIf(round);
  fn.end();

  for (let m = 0; m < 2; m++) {
    for (let i = 0; i < 4; i++)
      fn.get(3)
        .get(4 + i)
        .simd(S.i64x2ExtractLane, m)
        .mem(O.i64Store, ALIGN1, 32 * m + 8 * i);
  }
  fn.get(1).i32(128).op(O.i32Add).set(1);
  fn.get(3).i32(64).op(O.i32Add).set(3);
  fn.get(2).i32(1).op(O.i32Sub).set(2);
  fn.br(next).end().end();
  return fn;
}

// Memory layout: round constants at RC_BASE; [SRC, SRC + 64·(BATCH+1)) messages (one spare:
// the SIMD function hashes messages in pairs); [DST, DST + 32·(BATCH+1)) digests.
const MEMORY_PAGES = 2; // 128 KiB
/** Messages (node pairs) hashed per call. */
export const BATCH = 1024;
// Scalar loop, measured in CPU time on 1024-message batches: 1 round per pass ≈ 1.03M
// hashes/s, 2 ≈ 0.96M, 4 ≈ 0.85M, all 24 unrolled ≈ 0.58M (instruction cache).
const ROUNDS_PER_ITERATION = 1;
// SIMD_NOTE: the two-message SIMD loop measured ≈ 1.9M hashes/s against ≈ 1.2M scalar.
/** Byte offset of the 24 round constants (192 bytes) in every module embedding a hash function. */
export const RC_BASE = 0;
const SRC = 256;
const DST = SRC + 64 * (BATCH + 1);

// The project's TS lib (ES2022, no DOM) has no WebAssembly typings: the two constructors used.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type HashFn = (prefix: number, src: number, n: number, dst: number) => void;

export type BatchKind = "simd" | "scalar";

/** One instantiated batch hasher: its input scratch and `hash(prefix, count, dst, offset)`. */
export interface BatchHasher {
  readonly kind: BatchKind;
  /** Where callers write up to BATCH 64-byte messages before `hash`. */
  readonly input: Uint8Array;
  /** Hash the first `count` (≤ BATCH) messages of `input`; digests to dst at dstOffset. */
  hash(prefix: number, count: number, dst: Uint8Array, dstOffset: number): void;
}

export function createBatchHasher(kind: BatchKind): BatchHasher {
  const inst = new WA.Instance(new WA.Module(kind === "simd" ? emitSimdModule() : emitModule()), {});
  const f = (kind === "simd" ? inst.exports.hashNodes2 : inst.exports.hashNodes) as HashFn;
  const mem = new Uint8Array((inst.exports.memory as { buffer: ArrayBuffer }).buffer);
  const rc = new DataView(mem.buffer, RC_BASE, 8 * 24);
  ROUND_CONSTANTS.forEach((k, i) => rc.setBigUint64(8 * i, k, true));
  return {
    kind,
    input: mem.subarray(SRC, SRC + 64 * BATCH),
    hash(prefix: number, count: number, dst: Uint8Array, dstOffset: number): void {
      if (!(count >= 0 && count <= BATCH)) throw new RangeError(`at most ${BATCH} messages per batch`);
      // SIMD: an odd count hashes one spare message too; its digest is not copied out.
      f(prefix, SRC, kind === "simd" ? (count + 1) >>> 1 : count, DST);
      dst.set(mem.subarray(DST, DST + 32 * count), dstOffset);
    },
  };
}

let shared: BatchHasher | null = null;

/** The process-wide batch hasher: SIMD where the engine has it, else the scalar loop. */
export function batchHasher(): BatchHasher {
  if (shared === null) {
    try {
      shared = createBatchHasher("simd");
    } catch {
      shared = createBatchHasher("scalar");
    }
  }
  return shared;
}

/** Scratch where callers may pack up to BATCH pairs (64 bytes each) before `hashPairsInPlace`. */
export function batchInput(): Uint8Array {
  return batchHasher().input;
}

/**
 * Hash `count` (≤ BATCH) pairs already written to batchInput(); the digests are copied to
 * `dst` at byte `dstOffset`.
 */
export function hashPairsInPlace(prefix: number, count: number, dst: Uint8Array, dstOffset: number): void {
  batchHasher().hash(prefix, count, dst, dstOffset);
}

/**
 * One tree level: `count` 32-byte nodes at `src` → ⌈count/2⌉ parents H(prefix ‖ l ‖ r) into
 * `dst`; an odd last node is paired with `padRight`.
 */
export function hashLevelBatch(
  prefix: number,
  src: Uint8Array,
  count: number,
  padRight: Uint8Array,
  dst: Uint8Array,
  hasher: BatchHasher = batchHasher(),
): void {
  const input = hasher.input;
  const pairs = count >>> 1;
  for (let first = 0; first < pairs; first += BATCH) {
    const k = Math.min(BATCH, pairs - first);
    input.set(src.subarray(first * 64, (first + k) * 64));
    hasher.hash(prefix, k, dst, first * 32);
  }
  if (count & 1) {
    input.set(src.subarray(pairs * 64, pairs * 64 + 32));
    input.set(padRight, 32);
    hasher.hash(prefix, 1, dst, pairs * 32);
  }
}
