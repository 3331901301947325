// Fixed inputs (CompileOptions.fixedInputs, `--fix name=value`): a scalar integer or bool
// graph input given its value at compile time. It becomes a constant, so whatever it selects
// (an If branch, a shape) is folded, and it is no longer a runtime input. The value lives in
// the program's bytes, so the model commitment covers it.
import { RefereeError } from "../errors";
import { checkInputValue } from "../io/inputs";
import type { OnnxGraph } from "../onnx/model";
import type { ConstTensor } from "../onnx/tensor";
import { INTEGER_INPUT_TYPES, IntegerInputType } from "../program/isa";

/** The constant each fixed input becomes, after checking it names a scalar integer input and fits its type. */
export function fixedInputTensors(g: OnnxGraph, fixed: Readonly<Record<string, number>>): Record<string, ConstTensor> {
  const out: Record<string, ConstTensor> = {};
  for (const name of Object.keys(fixed)) {
    if (!g.inputs.some((i) => i.name === name))
      throw new RefereeError(
        "SHAPE",
        `--fix names '${name}', which is not an input of the model (inputs: ${g.inputs.map((i) => i.name).join(", ")})`,
      );
  }
  // Graph input order, not option order: the same values must always give the same program.
  for (const inp of g.inputs) {
    if (!(inp.name in fixed)) continue;
    const name = inp.name;
    const value = fixed[name];
    const dims = inp.dims;
    if (!dims || dims.some((d) => d !== 1))
      throw new RefereeError(
        "SHAPE",
        `--fix ${name}: only a scalar input can be fixed, '${name}' has dims [${dims?.join(",") ?? "unknown"}]`,
      );
    if (!(INTEGER_INPUT_TYPES as readonly string[]).includes(inp.elemType))
      throw new RefereeError(
        "SHAPE",
        `--fix ${name}: only an integer or bool input can be fixed, '${name}' is ${inp.elemType}`,
      );
    if (!Number.isFinite(value))
      throw new RefereeError("SHAPE", `--fix ${name}: the value must be a number, got ${value}`);
    const elemType = inp.elemType as IntegerInputType;
    // The same rule as the value a runtime input of this type may take (PROTOCOL.md §2).
    checkInputValue({ name, dims: dims as number[], elemType }, 0, value);
    out[name] = { dtype: elemType, dims: dims as number[], data: Float64Array.of(value) };
  }
  return out;
}
