// A result's output bytes (§5.2: every output in order, big-endian binary32) as one typed
// array per output, with the dims the model spec gives it (flat counts when the chain knows
// only those).
import { f32Values } from "../chain/encoding";
import { RefereeError } from "../errors";
import { product } from "../program/isa";
import type { OutputSpec } from "./spec";

export interface OutputTensor {
  name: string;
  dims: readonly number[];
  /** Row-major values; integer outputs (an argmax, token ids) are their exact binary32. */
  data: Float32Array;
}

export function decodeOutputs(output: string, outputs: readonly OutputSpec[]): OutputTensor[] {
  const values = f32Values(output);
  const want = outputs.reduce((n, o) => n + product(o.dims), 0);
  if (values.length !== want)
    throw new RefereeError(
      "CHAIN",
      `the output holds ${values.length} binary32 values, but the model's outputs take ${want} (${outputs.map((o) => `'${o.name}' ${o.dims.join("x")}`).join(" + ")})`,
    );
  let at = 0;
  return outputs.map((o) => {
    const n = product(o.dims);
    const data = values.slice(at, (at += n));
    return { name: o.name, dims: o.dims, data };
  });
}
