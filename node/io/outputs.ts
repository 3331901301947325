// Writing tensors (a run's outputs) in the same formats the input readers accept, so the
// output of one run can be the input of another.
import * as fs from "fs";
import * as path from "path";
import { product } from "../program/isa";
import { RefereeError } from "../errors";
import { encodeBin } from "./inputs";
import { encodeNpy } from "./npy";

export interface NamedTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

/**
 * JSON text for one binary32 value: the shortest decimal that reads back to the same
 * binary32 (so files stay small and exact), "-0" for negative zero, and Python's tokens
 * for NaN and infinities (JSON has none; the input reader accepts them).
 */
export function jsonNumber(v: number): string {
  if (v !== v) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** A tensor as nested JSON arrays following its dims (a bare number for a scalar). */
export function tensorToJson(data: Float32Array, dims: readonly number[]): string {
  const walk = (axis: number, offset: number): string => {
    if (axis === dims.length) return jsonNumber(data[offset]);
    const stride = product(dims.slice(axis + 1));
    const parts: string[] = [];
    for (let i = 0; i < dims[axis]; i++) parts.push(walk(axis + 1, offset + i * stride));
    return `[${parts.join(",")}]`;
  };
  return walk(0, 0);
}

/**
 * Write tensors to `file`, the format chosen by extension: .json (an object {name: nested
 * array}), .npy (a single tensor), .bin (raw little-endian float32, concatenated in order).
 */
export function writeTensors(file: string, tensors: readonly NamedTensor[]): void {
  const ext = path.extname(file).toLowerCase();
  let bytes: Uint8Array | string;
  if (ext === ".json") {
    bytes = `{${tensors.map((t) => `${JSON.stringify(t.name)}:${tensorToJson(t.data, t.dims)}`).join(",\n")}}\n`;
  } else if (ext === ".npy") {
    if (tensors.length !== 1) {
      throw new RefereeError(
        "USAGE",
        `a .npy file holds one array but there are ${tensors.length} outputs: use .json or .bin`,
      );
    }
    bytes = encodeNpy(tensors[0].data, tensors[0].dims);
  } else if (ext === ".bin") {
    const parts = tensors.map((t) => encodeBin(t.data));
    const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    bytes = all;
  } else {
    throw new RefereeError(
      "USAGE",
      `cannot tell the format of output file '${file}': use a .json, .bin or .npy extension`,
    );
  }
  try {
    fs.writeFileSync(file, bytes);
  } catch (e) {
    throw new RefereeError("USAGE", `cannot write '${file}': ${(e as Error).message}`, e);
  }
}
