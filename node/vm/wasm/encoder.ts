// A minimal WebAssembly binary encoder: what the kernel emitter (emitter.ts) and the batch
// hasher (node/commit/keccak-batch.ts) emit. Functions are built as byte arrays with
// structured-control helpers that track label depths, so callers branch to a label handle
// instead of counting nesting levels.

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof V128;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (taken modulo 2^32, as i32 arithmetic does). */
export function sleb32(v: number): number[] {
  let x = v | 0;
  const out: number[] = [];
  for (;;) {
    const b = x & 0x7f;
    x >>= 7;
    const done = (x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

/** Signed LEB128 of a 64-bit integer (taken modulo 2^64). */
export function sleb64(v: bigint): number[] {
  let x = BigInt.asIntN(64, v);
  const out: number[] = [];
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const F32BOX = new Float32Array(1);
const U8BOX = new Uint8Array(F32BOX.buffer);

/** Little-endian bytes of a binary32 value (NaN → the canonical quiet NaN). */
export function f32Bytes(x: number): number[] {
  if (x !== x) return [0x00, 0x00, 0xc0, 0x7f];
  F32BOX[0] = x;
  return Array.from(U8BOX);
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  const out = uleb(items.length);
  for (const it of items) for (const b of it) out.push(b);
  return out;
}

function name(s: string): number[] {
  const b = Array.from(Buffer.from(s, "utf8"));
  return [...uleb(b.length), ...b];
}

/** SIMD opcodes (0xFD prefix). */
export const S = {
  load: 0x00,
  load32Splat: 0x09,
  load64Splat: 0x0a,
  store: 0x0b,
  const: 0x0c,
  shuffle: 0x0d,
  i32x4Splat: 0x11,
  i64x2Splat: 0x12,
  f32x4Splat: 0x13,
  i64x2ExtractLane: 0x1d,
  i64x2ReplaceLane: 0x1e,
  f32x4ExtractLane: 0x1f,
  f32x4ReplaceLane: 0x20,
  i32x4GtS: 0x3b,
  f32x4Eq: 0x41,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  xor: 0x51,
  bitselect: 0x52,
  f32x4Ceil: 0x67,
  f32x4Floor: 0x68,
  f32x4Nearest: 0x6a,
  i64x2Shl: 0xcb,
  i64x2ShrU: 0xcd,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
} as const;

/** Core opcodes. */
export const O = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  f32Load: 0x2a,
  i64Load8U: 0x31,
  i32Store: 0x36,
  i64Store: 0x37,
  f32Store: 0x38,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  f32Eq: 0x5b,
  f32Ne: 0x5c,
  f32Lt: 0x5d,
  f32Gt: 0x5e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Rotl: 0x89,
  f32Abs: 0x8b,
  f32Neg: 0x8c,
  f32Ceil: 0x8d,
  f32Floor: 0x8e,
  f32Nearest: 0x90,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32Min: 0x96,
  f32Max: 0x97,
  i64ExtendI32U: 0xad,
} as const;

/** One function under construction: i32 parameters (locals 0..n−1), no results. */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  private depth = 0;
  /** Calls to patch with the callee's index: [offset of a 5-byte LEB, callee]. */
  readonly calls: [number, FnBuilder][] = [];

  constructor(readonly params = 0) {}

  local(t: ValType): number {
    this.localTypes.push(t);
    return this.params + this.localTypes.length - 1;
  }

  /** call `target` (its index is patched in by buildModule). */
  call(target: FnBuilder): this {
    this.code.push(0x10);
    this.calls.push([this.code.length, target]);
    this.code.push(0x80, 0x80, 0x80, 0x80, 0x00);
    return this;
  }

  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  simd(o: number, ...imm: number[]): this {
    this.code.push(0xfd, ...uleb(o), ...imm);
    return this;
  }

  get(l: number): this {
    return this.op(O.localGet, ...uleb(l));
  }
  set(l: number): this {
    return this.op(O.localSet, ...uleb(l));
  }
  tee(l: number): this {
    return this.op(O.localTee, ...uleb(l));
  }
  i32(v: number): this {
    return this.op(O.i32Const, ...sleb32(v));
  }
  i64(v: bigint): this {
    return this.op(O.i64Const, ...sleb64(v));
  }
  f32(v: number): this {
    return this.op(O.f32Const, ...f32Bytes(v));
  }
  /** v128.const with the same binary32 value in every lane. */
  v128f(v: number): this {
    const b = f32Bytes(v);
    return this.simd(S.const, ...b, ...b, ...b, ...b);
  }
  v128i(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    return this.simd(S.const, ...b, ...b, ...b, ...b);
  }
  /** Memory access with a static byte offset (align given as log2). */
  mem(o: number, align: number, offset: number): this {
    return this.op(o, ...uleb(align), ...uleb(offset));
  }
  simdMem(o: number, align: number, offset: number, ...imm: number[]): this {
    return this.simd(o, ...uleb(align), ...uleb(offset), ...imm);
  }

  /** Open a block / loop; returns its label handle. */
  block(): number {
    this.op(O.block, 0x40);
    return this.depth++;
  }
  loop(): number {
    this.op(O.loop, 0x40);
    return this.depth++;
  }
  end(): this {
    this.depth--;
    return this.op(O.end);
  }
  br(label: number): this {
    return this.op(O.br, ...uleb(this.depth - 1 - label));
  }
  brIf(label: number): this {
    return this.op(O.brIf, ...uleb(this.depth - 1 - label));
  }

  /** The encoded body (locals declaration, code, final end), without its size prefix. */
  body(): Uint8Array {
    if (this.depth !== 0) throw new Error(`wasm encoder: ${this.depth} unclosed blocks`);
    const groups: number[][] = [];
    for (let i = 0; i < this.localTypes.length;) {
      let j = i;
      while (j < this.localTypes.length && this.localTypes[j] === this.localTypes[i]) j++;
      groups.push([...uleb(j - i), this.localTypes[i]]);
      i = j;
    }
    const head = vec(groups);
    const out = new Uint8Array(head.length + this.code.length + 1);
    out.set(head, 0);
    out.set(this.code, head.length);
    out[out.length - 1] = O.end;
    return out;
  }
}

/**
 * The module's one linear memory: imported (fixed size; `shared`: a shared memory, which
 * worker threads can run the module's functions on at once) or its own, exported.
 */
export type MemorySpec =
  { import: [module: string, name: string]; pages: number; shared?: boolean } | { export: string; pages: number };

export interface ModuleSpec {
  memory: MemorySpec;
  /** The function types by index, as i32 parameter counts (no results). */
  types: number[];
  /** Functions; each one's type is the one with its parameter count. */
  fns: FnBuilder[];
  /** Exported functions: [name, index in fns], in this order (after the memory's export). */
  exports: [string, number][];
}

/** Encode a module: types, the memory (import or own), functions, exports, code; calls patched. */
export function encodeModule(spec: ModuleSpec): Uint8Array {
  const { memory, types, fns } = spec;
  const typeIndex = (f: FnBuilder): number[] => {
    const t = types.indexOf(f.params);
    if (t < 0) throw new Error(`wasm encoder: no function type with ${f.params} parameters`);
    return uleb(t);
  };
  // (not `exports`: CommonJS output reads this module's exported constants through it)
  const exported = spec.exports.map(([n, i]) => [...name(n), 0x00, ...uleb(i)]);
  const head = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  head.push(...section(1, vec(types.map((n) => [0x60, ...uleb(n), ...new Array<number>(n).fill(I32), 0x00]))));
  if ("import" in memory) {
    const [m, n] = memory.import;
    // limits: 0x01 initial and maximum, 0x03 the same, shared
    const limits = memory.shared === true ? 0x03 : 0x01;
    head.push(
      ...section(2, vec([[...name(m), ...name(n), 0x02, limits, ...uleb(memory.pages), ...uleb(memory.pages)]])),
    );
    head.push(...section(3, vec(fns.map(typeIndex))));
  } else {
    head.push(...section(3, vec(fns.map(typeIndex))));
    head.push(...section(5, vec([[0x00, ...uleb(memory.pages)]])));
    exported.unshift([...name(memory.export), 0x02, 0]);
  }
  head.push(...section(7, vec(exported)));
  const index = new Map<FnBuilder, number>(fns.map((f, i) => [f, i]));
  for (const f of fns) {
    for (const [at, target] of f.calls) {
      const t = index.get(target);
      if (t === undefined) throw new Error("wasm encoder: call to a function outside the module");
      for (let b = 0; b < 5; b++) f.code[at + b] = ((t >>> (7 * b)) & 0x7f) | (b < 4 ? 0x80 : 0);
    }
  }
  const bodies = fns.map((f) => f.body());
  const parts: (number[] | Uint8Array)[] = [uleb(bodies.length)];
  for (const b of bodies) parts.push(uleb(b.length), b);
  const codeSize = parts.reduce((n, p) => n + p.length, 0);
  parts.unshift(head, [10], uleb(codeSize));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A kernel module: it imports one memory ("e", "m", `pages` initial and maximum, shared if
 * `shared`) and exports each function `fns[i]` as `names[i]` (none where null); a function
 * with n parameters (all i32) has type n.
 */
export function buildModule(pages: number, fns: FnBuilder[], names: (string | null)[], shared = false): Uint8Array {
  const maxParams = fns.reduce((m, f) => Math.max(m, f.params), 0);
  return encodeModule({
    memory: { import: ["e", "m"], pages, shared },
    types: Array.from({ length: maxParams + 1 }, (_, n) => n),
    fns,
    exports: names.flatMap((n, i): [string, number][] => (n === null ? [] : [[n, i]])),
  });
}
