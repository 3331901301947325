// A request's inputs as typed arrays, encoded as PROTOCOL.md §5.1 says: every input in model
// order, each value a big-endian binary32 (integer and bool values as their exact binary32),
// concatenated. The array's type is its dtype: Float32Array for float inputs, Int32Array or
// BigInt64Array for integer ones (token ids), Uint8Array for bool (0 / 1) or uint8. Every
// check is node/io's (element count, NaN, integer range), so a file read by the CLI and an
// array given to the client obey one set of rules.
import { f32Bytes } from "../chain/encoding";
import { RefereeError } from "../errors";
import { type InputSpec, validateInput } from "../io/inputs";
import { type IntegerInputType, MAX_EXACT_INTEGER } from "../program/isa";
import type { ModelSpec } from "./spec";

export type InputArray = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** In model order, or by input name; a lone array for a single-input model. */
export type RequestInputs = InputArray | readonly InputArray[] | Readonly<Record<string, InputArray>>;

const inputError = (msg: string) => new RefereeError("INPUT", msg);

function kindOf(a: InputArray): string {
  return a.constructor.name;
}

function isInputArray(v: unknown): v is InputArray {
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof BigInt64Array || v instanceof Uint8Array;
}

/** The arrays a dtype accepts (`known` false: the chain does not record dtypes, so any array, read by its own type). */
function accepted(t: IntegerInputType | undefined): string {
  if (t === undefined) return "a Float32Array";
  if (t === "bool") return "a Uint8Array of 0 and 1";
  return "an Int32Array, a BigInt64Array or a Uint8Array";
}

function fits(t: IntegerInputType | undefined, a: InputArray): boolean {
  if (t === undefined) return a instanceof Float32Array;
  if (t === "bool") return a instanceof Uint8Array;
  return !(a instanceof Float32Array);
}

/** The element type an array is checked as when the model's dtype is not known. */
function ownType(a: InputArray): IntegerInputType | undefined {
  if (a instanceof Float32Array) return undefined;
  if (a instanceof Uint8Array) return "uint8";
  return "int64";
}

/** One input as the binary32 values it travels as, checked against its spec. */
function toValues(spec: InputSpec, a: InputArray, typesKnown: boolean): Float32Array {
  if (!isInputArray(a))
    throw inputError(
      `input '${spec.name}' is not a typed array: pass a Float32Array, Int32Array, BigInt64Array or Uint8Array`,
    );
  if (typesKnown && !fits(spec.elemType, a))
    throw inputError(
      `input '${spec.name}' is ${spec.elemType ?? "float32"}: pass ${accepted(spec.elemType)}, got a ${kindOf(a)}`,
    );
  const checked: InputSpec = { ...spec, elemType: typesKnown ? spec.elemType : ownType(a) };
  if (a instanceof BigInt64Array) {
    // Range first: Number() of a huge bigint would round before validateInput saw it.
    const bad = a.findIndex((v) => v < -BigInt(MAX_EXACT_INTEGER) || v > BigInt(MAX_EXACT_INTEGER));
    if (bad >= 0)
      throw inputError(
        `input '${spec.name}' element ${bad} is ${a[bad]}: integers beyond ±2^24 are not exact in binary32`,
      );
  }
  const values = a instanceof Float32Array ? a : Float32Array.from(a, Number);
  return validateInput(checked, values);
}

/** The arrays of `inputs` in model order, by name or position. */
function ordered(spec: ModelSpec, inputs: RequestInputs): readonly InputArray[] {
  const names = spec.inputs.map((s) => `'${s.name}'`).join(", ");
  if (isInputArray(inputs)) {
    if (spec.inputs.length !== 1)
      throw inputError(`the model has ${spec.inputs.length} inputs (${names}): pass one array per input`);
    return [inputs];
  }
  if (Array.isArray(inputs)) {
    const list = inputs as readonly InputArray[];
    if (list.length !== spec.inputs.length)
      throw inputError(`the model has ${spec.inputs.length} inputs (${names}), got ${list.length} arrays`);
    return list;
  }
  const byName = inputs as Readonly<Record<string, InputArray>>;
  for (const k of Object.keys(byName))
    if (!spec.inputs.some((s) => s.name === k)) throw inputError(`unknown input name '${k}' (model inputs: ${names})`);
  return spec.inputs.map((s) => {
    const a = byName[s.name];
    if (a === undefined) throw inputError(`no array given for input '${s.name}' (model inputs: ${names})`);
    return a;
  });
}

/** The request input bytes (§5.1, 0x-hex) of `inputs` for the model `spec` describes. */
export function encodeRequestInputs(spec: ModelSpec, inputs: RequestInputs): string {
  const arrays = ordered(spec, inputs);
  const typesKnown = spec.source === "compiled";
  return f32Bytes(spec.inputs.map((s, i) => toValues(s, arrays[i], typesKnown)));
}
