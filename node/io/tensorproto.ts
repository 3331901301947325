// ONNX TensorProto (.pb) files, as in ONNX's own test data (input_*.pb / output_*.pb).
// Decoding is the ONNX loader's (node/onnx/tensor.ts); this adds the file framing and the
// conversion to binary32 with a flag saying whether it was exact, so a caller can refuse
// what it cannot represent.
import { onnx } from "onnx-proto";
import { RefereeError } from "../errors";
import { ConstTensor, decodeTensor, DType } from "../onnx/tensor";

export interface DecodedTensor {
  name: string;
  dtype: DType;
  dims: number[];
  /** Values converted to binary32. */
  data: Float32Array;
  /**
   * False when an integer or bool value did not survive the conversion to binary32 (beyond
   * 2^24). Floating types count as exact: the decoder already rounds float64 to binary32.
   */
  exact: boolean;
  /** The tensor as the ONNX loader decoded it (integers exact), e.g. for CompileOptions.frozenInputs. */
  tensor: ConstTensor;
}

/** Decode TensorProto bytes. `what` names the source in errors. */
export function decodeTensorProto(bytes: Uint8Array, what = "TensorProto"): DecodedTensor {
  let t: onnx.TensorProto;
  try {
    t = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new RefereeError("INPUT", `${what}: malformed TensorProto (${(e as Error).message})`, e);
  }
  const c = decodeTensor(t, what);
  const data = c.data instanceof Float32Array ? c.data : Float32Array.from(c.data);
  let exact = true;
  if (!(c.data instanceof Float32Array)) {
    for (let i = 0; i < data.length; i++) {
      const v = c.data[i];
      if (data[i] !== v) {
        exact = false;
        break;
      }
    }
  }
  return { name: t.name, dtype: c.dtype, dims: c.dims, data, exact, tensor: c };
}

/** Encode a float32 tensor as TensorProto bytes (raw_data), for tests and fixtures. */
export function encodeFloatTensorProto(name: string, dims: readonly number[], data: Float32Array): Uint8Array {
  const raw = new Uint8Array(data.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  return onnx.TensorProto.encode({
    name,
    dims: [...dims],
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: raw,
  }).finish();
}
