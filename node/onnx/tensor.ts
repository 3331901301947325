// Constant tensors as the compiler sees them, and decoding of ONNX TensorProto.
import { onnx } from "onnx-proto";
import { RefereeError } from "../errors";

/** Element types the compiler understands. Floats are carried as float32, integers and bools as float64. */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool"
  | "string";

export interface ConstTensor {
  dtype: DType;
  dims: number[];
  /** float32/float16/float64 values rounded to binary32 in a Float32Array; integer types exact in a Float64Array. */
  data: Float32Array | Float64Array;
}

const DTYPE_BY_CODE: Record<number, DType> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
};

export function dtypeOfCode(code: number): DType {
  const d = DTYPE_BY_CODE[code];
  if (!d) throw new RefereeError("ONNX_INVALID", `unsupported tensor element type code ${code}`);
  return d;
}

export function isFloatType(d: DType): boolean {
  return d === "float32" || d === "float64" || d === "float16";
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

type LongLike = number | { toNumber(): number };
export function toNum(v: LongLike | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decode a TensorProto into a ConstTensor (raw_data or typed fields). External data is refused. */
export function decodeTensor(t: onnx.ITensorProto, what: string): ConstTensor {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData && t.externalData.length > 0)) {
    throw new RefereeError("ONNX_INVALID", `${what}: tensors stored in external data files are not supported`);
  }
  const dtype = dtypeOfCode(t.dataType ?? 0);
  const dims = (t.dims ?? []).map((d) => toNum(d));
  const n = elementCount(dims);
  if (dtype === "string") throw new RefereeError("ONNX_INVALID", `${what}: string tensors are not supported`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const out = isFloatType(dtype) ? new Float32Array(n) : new Float64Array(n);
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size: Record<string, number> = {
      float32: 4,
      float64: 8,
      float16: 2,
      int64: 8,
      int32: 4,
      int16: 2,
      int8: 1,
      uint8: 1,
      uint16: 2,
      uint32: 4,
      uint64: 8,
      bool: 1,
    };
    if (raw.byteLength !== n * size[dtype]) {
      throw new RefereeError(
        "ONNX_INVALID",
        `${what}: raw_data has ${raw.byteLength} bytes, expected ${n * size[dtype]} for ${dtype}[${dims.join(",")}]`,
      );
    }
    for (let i = 0; i < n; i++) {
      switch (dtype) {
        case "float32":
          out[i] = view.getFloat32(4 * i, true);
          break;
        case "float64":
          out[i] = view.getFloat64(8 * i, true);
          break;
        case "float16":
          out[i] = halfToFloat(view.getUint16(2 * i, true));
          break;
        case "int64":
          out[i] = Number(view.getBigInt64(8 * i, true));
          break;
        case "uint64":
          out[i] = Number(view.getBigUint64(8 * i, true));
          break;
        case "int32":
          out[i] = view.getInt32(4 * i, true);
          break;
        case "uint32":
          out[i] = view.getUint32(4 * i, true);
          break;
        case "int16":
          out[i] = view.getInt16(2 * i, true);
          break;
        case "uint16":
          out[i] = view.getUint16(2 * i, true);
          break;
        case "int8":
          out[i] = view.getInt8(i);
          break;
        case "uint8":
        case "bool":
          out[i] = view.getUint8(i);
          break;
      }
    }
  } else {
    let src: ArrayLike<LongLike>;
    switch (dtype) {
      case "float32":
        src = t.floatData ?? [];
        break;
      case "float64":
        src = t.doubleData ?? [];
        break;
      case "int64":
        src = t.int64Data ?? [];
        break;
      case "uint64":
      case "uint32":
        src = t.uint64Data ?? [];
        break;
      default:
        src = t.int32Data ?? []; // int32, int16, int8, uint8, uint16, bool, float16 (bits)
    }
    if (src.length !== n) {
      throw new RefereeError(
        "ONNX_INVALID",
        `${what}: has ${src.length} values, expected ${n} for ${dtype}[${dims.join(",")}]`,
      );
    }
    for (let i = 0; i < n; i++) {
      const v = toNum(src[i]);
      out[i] = dtype === "float16" ? halfToFloat(v) : v;
    }
  }
  return { dtype, dims, data: out };
}

export function floatTensor(dims: number[], data: Float32Array): ConstTensor {
  return { dtype: "float32", dims, data };
}

export function intTensor(dims: number[], values: ArrayLike<number>, dtype: DType = "int64"): ConstTensor {
  return { dtype, dims, data: Float64Array.from(values) };
}
