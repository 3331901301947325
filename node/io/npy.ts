// NumPy .npy (format versions 1.0–3.0) for float32 tensors, and the integer and bool arrays
// integer inputs come in (token ids, masks): the format Python users already have, so
// inputs and outputs cross over without a conversion script.
import { product } from "../program/isa";
import { RefereeError } from "../errors";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

export interface NpyArray {
  dims: number[];
  /** float32 arrays as read; integer and bool arrays as exact doubles (int64 beyond 2^53 rounded). */
  data: Float32Array | Float64Array;
  /** The array's dtype descr, e.g. '<f4', '<i8', '|b1'. */
  descr: string;
}

/** Little-endian element readers by descr: byte size and the read of element i. */
const READERS: Record<string, { size: number; read: (dv: DataView, at: number) => number }> = {
  "<f4": { size: 4, read: (dv, at) => dv.getFloat32(at, true) },
  "<i8": { size: 8, read: (dv, at) => Number(dv.getBigInt64(at, true)) },
  "<u8": { size: 8, read: (dv, at) => Number(dv.getBigUint64(at, true)) },
  "<i4": { size: 4, read: (dv, at) => dv.getInt32(at, true) },
  "<u4": { size: 4, read: (dv, at) => dv.getUint32(at, true) },
  "<i2": { size: 2, read: (dv, at) => dv.getInt16(at, true) },
  "<u2": { size: 2, read: (dv, at) => dv.getUint16(at, true) },
  "|i1": { size: 1, read: (dv, at) => dv.getInt8(at) },
  "|u1": { size: 1, read: (dv, at) => dv.getUint8(at) },
  "|b1": { size: 1, read: (dv, at) => dv.getUint8(at) },
};

/** Encode a float32 tensor as a version 1.0 .npy file ('<f4', C order). */
export function encodeNpy(data: Float32Array, dims: readonly number[]): Uint8Array {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // Header (with magic, version and length) padded with spaces to a multiple of 64, ending in \n.
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/** Decode a .npy file holding a little-endian float32, integer or bool C-order array. `what` names it in errors. */
export function decodeNpy(bytes: Uint8Array, what: string): NpyArray {
  const bad = (msg: string) => new RefereeError("INPUT", `${what}: ${msg}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad("not a .npy file (bad magic)");
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad("truncated .npy header");
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw bad(`unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) throw bad("truncated .npy header");
  const header = Buffer.from(bytes.subarray(start, start + headerLen)).toString(major === 3 ? "utf8" : "latin1");

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) throw bad("malformed .npy header");
  const reader = READERS[descr[1]];
  if (reader === undefined) {
    throw bad(
      `dtype '${descr[1]}' is not supported: save the array as little-endian float32 ('<f4'), e.g. a.astype('<f4'), or as a little-endian integer or bool array`,
    );
  }
  if (fortran[1] !== "False")
    throw bad("Fortran-order arrays are not supported: save a C-order array (np.ascontiguousarray)");
  const dims: number[] = [];
  for (const part of shapeM[1].split(",")) {
    const t = part.trim();
    if (t === "") continue;
    if (!/^\d+$/.test(t)) throw bad(`malformed shape (${shapeM[1]})`);
    dims.push(Number(t));
  }
  const count = product(dims);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart !== count * reader.size) {
    throw bad(`data is ${bytes.length - dataStart} bytes, shape (${dims.join(", ")}) needs ${count * reader.size}`);
  }
  const data = descr[1] === "<f4" ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = reader.read(dv, dataStart + i * reader.size);
  if (descr[1] === "|b1") {
    const bad1 = data.findIndex((v) => v > 1);
    if (bad1 >= 0) throw bad(`bool element ${bad1} is byte ${data[bad1]}, not 0 or 1`);
  }
  return { dims, data, descr: descr[1] };
}
