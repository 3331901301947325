// Big-endian byte writer and reader for the canonical encodings (docs/PROTOCOL.md §3). Every
// integer is range-checked on write: an out-of-range field must throw, never wrap, or two
// different programs could share one encoding.

export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(x: number, what = "u8"): this {
    checkInt(x, 0, 0xff, what);
    this.reserve(1);
    this.buf[this.len++] = x;
    return this;
  }

  u16(x: number, what = "u16"): this {
    checkInt(x, 0, 0xffff, what);
    this.reserve(2);
    this.buf[this.len++] = x >>> 8;
    this.buf[this.len++] = x & 0xff;
    return this;
  }

  u32(x: number, what = "u32"): this {
    checkInt(x, 0, 0xffffffff, what);
    this.reserve(4);
    this.put32(x >>> 0);
    return this;
  }

  i32(x: number, what = "i32"): this {
    checkInt(x, -0x80000000, 0x7fffffff, what);
    this.reserve(4);
    this.put32(x >>> 0);
    return this;
  }

  u64(x: number | bigint, what = "u64"): this {
    const v = BigInt(x);
    if (typeof x === "number" && !Number.isSafeInteger(x)) throw new RangeError(`${what}: ${x} is not a safe integer`);
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${what}: ${x} out of u64 range`);
    this.reserve(8);
    this.put32(Number(v >> 32n));
    this.put32(Number(v & 0xffffffffn));
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  private put32(u: number): void {
    this.buf[this.len++] = u >>> 24;
    this.buf[this.len++] = (u >>> 16) & 0xff;
    this.buf[this.len++] = (u >>> 8) & 0xff;
    this.buf[this.len++] = u & 0xff;
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function checkInt(x: number, lo: number, hi: number, what: string): void {
  if (!Number.isInteger(x) || x < lo || x > hi) throw new RangeError(`${what}: ${x} out of range [${lo}, ${hi}]`);
}

export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`truncated input reading ${what} at byte ${this.pos}`);
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what = "u16"): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u32(what = "u32"): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  i32(what = "i32"): number {
    return this.u32(what) | 0;
  }

  u64(what = "u64"): bigint {
    const hi = BigInt(this.u32(what));
    const lo = BigInt(this.u32(what));
    return (hi << 32n) | lo;
  }

  bytes(n: number, what = "bytes"): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Throw unless every byte was consumed: trailing bytes would make encodings ambiguous. */
  end(what: string): void {
    if (this.pos !== this.buf.length) throw new RangeError(`${what}: ${this.buf.length - this.pos} trailing bytes`);
  }
}
