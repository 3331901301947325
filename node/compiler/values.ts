// Values flowing through the compiler: constants known at compile time, or runtime float32
// tensors living in a slot.
import { ConstTensor } from "../onnx/tensor";
import { IntegerInputType, SlotRef } from "../program/isa";

export interface ConstValue {
  kind: "const";
  t: ConstTensor;
}

export interface TensorValue {
  kind: "tensor";
  dims: number[];
  slot: SlotRef;
  /**
   * What the binary32 values stand for, where the compiler knows: an integer input's type,
   * or "bool" for comparison results (0 / 1). Absent: float32, or unknown after an op that
   * does not carry it.
   */
  dtype?: IntegerInputType;
}

export type Value = ConstValue | TensorValue;

export function dimsOf(v: Value): number[] {
  return v.kind === "const" ? v.t.dims : v.dims;
}

export function isConst(v: Value | undefined): v is ConstValue {
  return v !== undefined && v.kind === "const";
}

/**
 * An operand of a kernel, before slots are assigned: a value viewed with `dims` and an
 * affine map (see Operand in program.ts). Π dims = number of elements of the value.
 */
export interface OperandSpec {
  value: Value;
  dims: number[];
  offset: number[];
  coef: number[];
}

/** Row-major strides of dims. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}
