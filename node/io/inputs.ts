// Reading the inputs of a compiled program from files: JSON, raw little-endian float32
// (.bin) and NumPy (.npy). Every path ends in validateInput, so the same rules (element
// count, shape, no NaN, integer and bool values exact) hold whatever the format.
import * as fs from "fs";
import * as path from "path";
import { IntegerInputType, MAX_EXACT_INTEGER, product } from "../program/isa";
import { RefereeError } from "../errors";
import { decodeNpy } from "./npy";
import { decodeWav } from "./wav";

/** What the readers need to know about one graph input: its name, concrete dims and type. */
export interface InputSpec {
  name: string;
  dims: readonly number[];
  /** An integer or bool input (absent: float32): its values must be exact (PROTOCOL.md §2). */
  elemType?: IntegerInputType;
}

/** The values an integer input type can hold, clipped to the exact binary32 integers. */
const RANGE: Record<IntegerInputType, readonly [number, number]> = {
  int64: [-MAX_EXACT_INTEGER, MAX_EXACT_INTEGER],
  int32: [-MAX_EXACT_INTEGER, MAX_EXACT_INTEGER],
  int16: [-32768, 32767],
  int8: [-128, 127],
  uint64: [0, MAX_EXACT_INTEGER],
  uint32: [0, MAX_EXACT_INTEGER],
  uint16: [0, 65535],
  uint8: [0, 255],
  bool: [0, 1],
};

/**
 * Check one value of an input before it becomes binary32: an integer or bool input takes
 * only integers of its type's range within ±2^24 (so the binary32 is exact), and a float
 * input any number. `x` may be any double (JSON, int64 .npy): the check precedes rounding.
 */
export function checkInputValue(spec: InputSpec, index: number, x: number): void {
  const t = spec.elemType;
  if (t === undefined || x !== x) return; // NaN gets validateInput's message
  const [lo, hi] = RANGE[t];
  if (!Number.isInteger(x) || x < lo || x > hi) {
    const what = t === "bool" ? "0 or 1 (false or true)" : `an integer in [${lo}, ${hi}]`;
    const why = t === "bool" || hi < MAX_EXACT_INTEGER ? "" : " (integers beyond ±2^24 are not exact in binary32)";
    throw inputError(`input '${spec.name}' (${t}) element ${index} is ${x}: expected ${what}${why}`);
  }
}

export type InputFormat = "json" | "bin" | "npy" | "wav";

function dimsText(dims: readonly number[]): string {
  return dims.length === 0 ? "scalar" : dims.join("x");
}

function inputError(msg: string): RefereeError {
  return new RefereeError("INPUT", msg);
}

/**
 * Check one input tensor against its spec: element count, and no NaN (a NaN input has no
 * single canonical meaning across producers, so Referee refuses it rather than
 * canonicalizing silently). Infinities are valid binary32 values and pass.
 */
export function validateInput(spec: InputSpec, data: Float32Array): Float32Array {
  const n = product(spec.dims);
  if (data.length !== n) {
    throw inputError(`input '${spec.name}' has ${data.length} elements, expected ${n} (dims ${dimsText(spec.dims)})`);
  }
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== data[i]) throw inputError(`input '${spec.name}' element ${i} is NaN: Referee refuses NaN inputs`);
    checkInputValue(spec, i, data[i]);
  }
  return data;
}

// ---------------------------------------------------------------------------------- JSON

// Python's json.dumps writes NaN / Infinity / -Infinity as bare tokens; accept them so a NaN
// gets the NaN message instead of a JSON syntax error. Strings are matched first and kept.
const NONSTANDARD = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const SENTINEL = "\u0000referee:";

function parseLenientJson(text: string, what: string): unknown {
  const patched = text.replace(NONSTANDARD, (m) => (m.startsWith('"') ? m : JSON.stringify(SENTINEL + m)));
  try {
    return JSON.parse(patched);
  } catch (e) {
    throw inputError(`${what}: malformed JSON (${(e as Error).message})`);
  }
}

function numberOf(v: unknown, spec: InputSpec, index: number): number {
  if (typeof v === "number") {
    checkInputValue(spec, index, v); // before rounding to binary32: 2^24 + 1 must not pass as 2^24
    return v;
  }
  if (typeof v === "boolean" && spec.elemType === "bool") return v ? 1 : 0;
  if (typeof v === "string" && v.startsWith(SENTINEL)) {
    const tok = v.slice(SENTINEL.length);
    return tok === "NaN" ? NaN : tok === "Infinity" ? Infinity : -Infinity;
  }
  const shown = JSON.stringify(v);
  throw inputError(
    `input '${spec.name}' element ${index} is not a number (got ${shown && shown.length > 40 ? shown.slice(0, 40) + "…" : shown})`,
  );
}

/** Shape of a nested array, checking it is rectangular. Leaves are anything but arrays. */
function nestedShape(v: unknown, spec: InputSpec): number[] {
  if (!Array.isArray(v)) return [];
  const shape = [v.length];
  if (v.length === 0) return shape;
  const inner = nestedShape(v[0], spec);
  for (let i = 1; i < v.length; i++) {
    const s = nestedShape(v[i], spec);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) {
      throw inputError(
        `input '${spec.name}': ragged nested array (sub-arrays of shapes ${dimsText(inner)} and ${dimsText(s)})`,
      );
    }
  }
  return shape.concat(inner);
}

function stripLeadingOnes(dims: readonly number[]): readonly number[] {
  let i = 0;
  while (i < dims.length && dims[i] === 1) i++;
  return dims.slice(i);
}

/**
 * One input from a JSON value: a number (scalar input), a flat array of all elements in
 * row-major order, or a nested array whose shape equals the input's dims (leading dims of
 * size 1 may be left out, so [[...]] and [...] both serve a 1x96 input).
 */
export function jsonToInput(value: unknown, spec: InputSpec): Float32Array {
  const leaves: unknown[] = Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value];
  const shape = nestedShape(value, spec);
  if (shape.length > 1) {
    const want = stripLeadingOnes(spec.dims);
    const got = stripLeadingOnes(shape);
    if (want.length !== got.length || want.some((d, i) => d !== got[i])) {
      throw inputError(`input '${spec.name}' has shape ${dimsText(shape)}, expected ${dimsText(spec.dims)}`);
    }
  }
  const data = new Float32Array(leaves.length);
  for (let i = 0; i < leaves.length; i++) data[i] = numberOf(leaves[i], spec, i);
  return validateInput(spec, data);
}

/**
 * Inputs from JSON text: for a single-input model, an array (flat or nested) or a number;
 * for any model, an object {inputName: array} naming every input exactly once.
 */
export function parseJsonInputs(text: string, specs: readonly InputSpec[], what = "JSON input"): Float32Array[] {
  const value = parseLenientJson(text, what);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const names = new Set(specs.map((s) => s.name));
    for (const key of Object.keys(obj)) {
      if (!names.has(key)) {
        throw inputError(
          `unknown input name '${key}' in ${what} (model inputs: ${specs.map((s) => s.name).join(", ")})`,
        );
      }
    }
    return specs.map((spec) => {
      if (!(spec.name in obj)) throw inputError(`${what} has no value for input '${spec.name}'`);
      return jsonToInput(obj[spec.name], spec);
    });
  }
  if (specs.length !== 1) {
    throw inputError(
      `the model has ${specs.length} inputs: give a JSON object {name: array} naming ${specs.map((s) => `'${s.name}'`).join(", ")}`,
    );
  }
  return [jsonToInput(value, specs[0])];
}

// ------------------------------------------------------------------------------- binary

/** Inputs from raw little-endian float32 bytes: all inputs concatenated in input order. */
export function parseBinInputs(bytes: Uint8Array, specs: readonly InputSpec[], what = "binary input"): Float32Array[] {
  const total = specs.reduce((a, s) => a + product(s.dims), 0);
  if (bytes.length % 4 !== 0 || bytes.length / 4 !== total) {
    const desc = specs.map((s) => `'${s.name}' ${dimsText(s.dims)}`).join(" + ");
    throw inputError(
      `${what} is ${bytes.length} bytes (${bytes.length / 4} float32 values), expected ${total * 4} bytes (${total} values: ${desc})`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  return specs.map((spec) => {
    const data = new Float32Array(product(spec.dims));
    for (let i = 0; i < data.length; i++, at += 4) data[i] = dv.getFloat32(at, true);
    return validateInput(spec, data);
  });
}

/** Raw little-endian float32 bytes of one tensor (the .bin format). */
export function encodeBin(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}

// ---------------------------------------------------------------------------------- npy

/** One input from a .npy file; its shape must equal the input's dims. */
export function parseNpyInput(bytes: Uint8Array, spec: InputSpec, what = "npy input"): Float32Array {
  const arr = decodeNpy(bytes, what);
  const same = arr.dims.length === spec.dims.length && arr.dims.every((d, i) => d === spec.dims[i]);
  if (!same) {
    throw inputError(
      `${what}: array for input '${spec.name}' has shape ${dimsText(arr.dims)}, expected ${dimsText(spec.dims)}`,
    );
  }
  const data = new Float32Array(arr.data.length);
  for (let i = 0; i < data.length; i++) {
    const x = arr.data[i];
    checkInputValue(spec, i, x);
    data[i] = x;
    // A float input given as an integer array must not round silently either.
    if (data[i] !== x && x === x) {
      throw inputError(`${what}: input '${spec.name}' element ${i} is ${x}, which is not exactly a binary32`);
    }
  }
  return validateInput(spec, data);
}

// ---------------------------------------------------------------------------------- wav

/** One input from a WAV file (node/io/wav.ts): its sample count must equal the input's size. */
export function parseWavInput(bytes: Uint8Array, spec: InputSpec, what = "wav input"): Float32Array {
  const { samples, sampleRate } = decodeWav(bytes, what);
  const n = product(spec.dims);
  if (samples.length !== n) {
    throw inputError(
      `${what} has ${samples.length} samples (${(samples.length / sampleRate).toFixed(3)} s), but input '${spec.name}' takes ${n} (${dimsText(spec.dims)}): pad or trim it, e.g. sox in.wav out.wav pad 0 <seconds> trim 0 ${n}s`,
    );
  }
  return validateInput(spec, samples);
}

// -------------------------------------------------------------------------------- files

export function formatOf(file: string): InputFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".npy") return "npy";
  if (ext === ".wav") return "wav";
  if (ext === ".bin" || ext === ".f32" || ext === ".raw") return "bin";
  throw inputError(`cannot tell the format of input file '${file}': use a .json, .bin, .npy or .wav extension`);
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw inputError(`cannot read input file '${file}': ${err.code === "ENOENT" ? "no such file" : err.message}`);
  }
}

/** All inputs from one file, in the order of `specs`. A .npy file serves single-input models. */
export function readInputFile(file: string, specs: readonly InputSpec[]): Float32Array[] {
  const fmt = formatOf(file);
  const bytes = readFile(file);
  if (fmt === "json") return parseJsonInputs(bytes.toString("utf8"), specs, file);
  if (fmt === "bin") return parseBinInputs(bytes, specs, file);
  if (specs.length !== 1) {
    throw inputError(
      `a .${fmt} file holds one array but the model has ${specs.length} inputs: pass --input name=file.${fmt} for each`,
    );
  }
  if (fmt === "wav") return [parseWavInput(bytes, specs[0], file)];
  return [parseNpyInput(bytes, specs[0], file)];
}

/**
 * Inputs from the command line's --input values: either one plain path holding every input,
 * or `name=path` once per input (each file then holds just that input, in any format).
 */
export function readInputArgs(args: readonly string[], specs: readonly InputSpec[]): Float32Array[] {
  // An existing file wins over the name=path reading, so paths containing '=' still work.
  const parsed = args.map((a) => {
    const m = /^([^=/\\]+)=(.+)$/.exec(a);
    return m && !fs.existsSync(a) ? { name: m[1], file: m[2] } : { name: undefined, file: a };
  });
  if (parsed.length === 1 && parsed[0].name === undefined) return readInputFile(parsed[0].file, specs);
  const byName = new Map<string, string>();
  for (const { name, file } of parsed) {
    if (name === undefined) {
      throw new RefereeError("USAGE", "with several --input options, each must be name=file, one per model input");
    }
    if (!specs.some((s) => s.name === name)) {
      throw inputError(`unknown input name '${name}' (model inputs: ${specs.map((s) => s.name).join(", ")})`);
    }
    if (byName.has(name)) throw new RefereeError("USAGE", `input '${name}' is given twice`);
    byName.set(name, file);
  }
  return specs.map((spec) => {
    const file = byName.get(spec.name);
    if (file === undefined) throw inputError(`no --input given for input '${spec.name}'`);
    return readInputFile(file, [spec])[0];
  });
}
