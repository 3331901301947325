// ONNX TensorProto (.pb) reading, for ONNX's own test data (input_*.pb / output_*.pb).
// Every numeric dtype Referee can meet in the suite is turned into float32, with a flag
// saying whether that conversion was exact, so a caller can refuse what it cannot represent.
import { onnx } from "onnx-proto";
import { RefereeError } from "../errors";

export type TensorDtype = "float32" | "float64" | "int64" | "int32" | "int16" | "int8" | "uint8" | "uint16" | "bool";

export interface DecodedTensor {
  name: string;
  dtype: TensorDtype;
  dims: number[];
  /** Values converted to binary32. */
  data: Float32Array;
  /** True iff every value converted to binary32 without rounding. */
  exact: boolean;
}

const DT = onnx.TensorProto.DataType;

const DTYPE_OF: Partial<Record<number, TensorDtype>> = {
  [DT.FLOAT]: "float32",
  [DT.DOUBLE]: "float64",
  [DT.INT64]: "int64",
  [DT.INT32]: "int32",
  [DT.INT16]: "int16",
  [DT.INT8]: "int8",
  [DT.UINT8]: "uint8",
  [DT.UINT16]: "uint16",
  [DT.BOOL]: "bool",
};

const BYTES: Record<TensorDtype, number> = {
  float32: 4,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  uint16: 2,
  bool: 1,
};

/** protobufjs gives int64 fields as numbers or Long objects depending on what is installed. */
type IntLike = number | { toString(): string };
function toNumber(v: IntLike): number {
  return typeof v === "number" ? v : Number(v.toString());
}

function dtypeName(code: number): string {
  return (DT as unknown as Record<number, string>)[code] ?? `#${code}`;
}

/** Decode TensorProto bytes. `what` names the source in errors. */
export function decodeTensorProto(bytes: Uint8Array, what = "TensorProto"): DecodedTensor {
  let t: onnx.TensorProto;
  try {
    t = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new RefereeError("INPUT", `${what}: malformed TensorProto (${(e as Error).message})`, e);
  }
  const dtype = DTYPE_OF[t.dataType];
  if (dtype === undefined) throw new RefereeError("INPUT", `${what}: unsupported tensor dtype ${dtypeName(t.dataType)}`);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new RefereeError("INPUT", `${what}: external tensor data is not supported`);
  }
  const dims = (t.dims as IntLike[]).map(toNumber);
  const n = dims.reduce((a, b) => a * b, 1);
  const values = rawValues(t, dtype, n, what);
  const data = new Float32Array(n);
  let exact = true;
  for (let i = 0; i < n; i++) {
    const v = values(i);
    data[i] = v;
    // NaN converts exactly (as NaN); anything else must survive the round trip.
    if (data[i] !== v && !(v !== v)) exact = false;
  }
  return { name: t.name, dtype, dims, data, exact };
}

/** An accessor for element i as a JS number, from raw_data or the typed repeated field. */
function rawValues(t: onnx.TensorProto, dtype: TensorDtype, n: number, what: string): (i: number) => number {
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== n * BYTES[dtype]) {
      throw new RefereeError("INPUT", `${what}: raw_data is ${raw.length} bytes, ${n} ${dtype} values need ${n * BYTES[dtype]}`);
    }
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (dtype) {
      case "float32":
        return (i) => dv.getFloat32(4 * i, true);
      case "float64":
        return (i) => dv.getFloat64(8 * i, true);
      case "int64":
        return (i) => Number(dv.getBigInt64(8 * i, true));
      case "int32":
        return (i) => dv.getInt32(4 * i, true);
      case "int16":
        return (i) => dv.getInt16(2 * i, true);
      case "uint16":
        return (i) => dv.getUint16(2 * i, true);
      case "int8":
        return (i) => dv.getInt8(i);
      case "uint8":
        return (i) => dv.getUint8(i);
      case "bool":
        return (i) => (dv.getUint8(i) !== 0 ? 1 : 0);
    }
  }
  // Typed fields: float → float_data; double → double_data; int64 → int64_data; the small
  // integer types and bool → int32_data (per onnx.proto).
  const field: IntLike[] =
    dtype === "float32" ? t.floatData : dtype === "float64" ? t.doubleData : dtype === "int64" ? (t.int64Data as IntLike[]) : t.int32Data;
  if (field.length !== n) {
    throw new RefereeError("INPUT", `${what}: ${field.length} values stored, dims ${dims(t)} need ${n}`);
  }
  return dtype === "bool" ? (i) => (toNumber(field[i]) !== 0 ? 1 : 0) : (i) => toNumber(field[i]);
}

function dims(t: onnx.TensorProto): string {
  return (t.dims as IntLike[]).map(toNumber).join("x") || "scalar";
}

/** Encode a float32 tensor as TensorProto bytes (raw_data), e.g. for tests and fixtures. */
export function encodeFloatTensorProto(name: string, dims: readonly number[], data: Float32Array): Uint8Array {
  const raw = new Uint8Array(data.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  return onnx.TensorProto.encode({ name, dims: [...dims], dataType: DT.FLOAT, rawData: raw }).finish();
}
