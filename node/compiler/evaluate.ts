// Compile-time evaluation of a kernel on constant operands (constant folding). Same
// semantics as the VM step (docs/PROTOCOL.md §2.2), so a folded constant has exactly the
// bits the program would have computed; integer tensors use exact integer arithmetic.
import { RefereeError } from "../errors";
import { add, binaryFunction, div, max, min, mul, unaryFunction, where } from "../fo32";
import { Kind, MapOp, ReduceOp, FIRST_BINARY_MAP_OP, FIRST_TERNARY_MAP_OP, product } from "../program/isa";
import { OperandSpec, stridesOf } from "./values";

export interface KernelSpec {
  kind: Kind;
  op: number;
  params: number[];
  iterDims: number[];
  redDims: number[];
  inputs: OperandSpec[];
}

type Data = Float32Array | Float64Array;

/** Address of an operand at iteration point `it`, or -1 when the read is out of range. */
function address(o: OperandSpec, strides: number[], it: number[]): number {
  const n = it.length;
  let addr = 0;
  for (let j = 0; j < o.dims.length; j++) {
    let c = o.offset[j];
    const row = j * n;
    for (let i = 0; i < n; i++) c += o.coef[row + i] * it[i];
    if (c < 0 || c >= o.dims[j]) return -1;
    addr += c * strides[j];
  }
  return addr;
}

function intUnary(op: MapOp, x: number): number {
  switch (op) {
    case MapOp.None:
    case MapOp.Identity:
      return x;
    case MapOp.Neg:
      return -x;
    case MapOp.Abs:
      return Math.abs(x);
    case MapOp.Relu:
      return x > 0 ? x : 0;
    case MapOp.Sign:
      return Math.sign(x);
    default:
      throw new RefereeError("ONNX_INVALID", `integer tensors do not support ${MapOp[op]}`);
  }
}

function intBinary(op: MapOp, x: number, y: number): number {
  switch (op) {
    case MapOp.Add:
      return x + y;
    case MapOp.Sub:
      return x - y;
    case MapOp.Mul:
      return x * y;
    case MapOp.Div:
      if (y === 0) throw new RefereeError("ONNX_INVALID", "integer division by zero in a constant expression");
      return Math.trunc(x / y);
    case MapOp.Max:
      return Math.max(x, y);
    case MapOp.Min:
      return Math.min(x, y);
    case MapOp.Pow:
      return x ** y;
    case MapOp.Equal:
      return x === y ? 1 : 0;
    case MapOp.Less:
      return x < y ? 1 : 0;
    case MapOp.LessOrEqual:
      return x <= y ? 1 : 0;
    default:
      throw new RefereeError("ONNX_INVALID", `integer tensors do not support ${MapOp[op]}`);
  }
}

/** Evaluate a kernel whose operands are all constant. `float` selects FO32 or integer arithmetic. */
export function evaluateKernel(spec: KernelSpec, data: Data[], float: boolean): Data {
  const E = product(spec.iterDims);
  const K = spec.redDims.length ? product(spec.redDims) : 1;
  const out = float ? new Float32Array(E) : new Float64Array(E);
  const strides = spec.inputs.map((o) => stridesOf(o.dims));
  const nIter = spec.iterDims.length;
  const it = new Array<number>(nIter + spec.redDims.length).fill(0);
  const read = (j: number): number | undefined => {
    const a = address(spec.inputs[j], strides[j], it);
    return a < 0 ? undefined : data[j][a];
  };
  const mustRead = (j: number): number => {
    const v = read(j);
    if (v === undefined) throw new RefereeError("INTERNAL", "compiler produced an out-of-range Map read");
    return v;
  };
  const setRed = (k: number) => {
    let rem = k;
    for (let i = spec.redDims.length - 1; i >= 0; i--) {
      it[nIter + i] = rem % spec.redDims[i];
      rem = Math.floor(rem / spec.redDims[i]);
    }
  };
  const unary =
    float && spec.kind !== Kind.Reduce && spec.kind !== Kind.Move && spec.op < FIRST_BINARY_MAP_OP
      ? unaryFunction(spec.op, spec.params)
      : undefined;
  const binary =
    float && spec.kind === Kind.Map && spec.op >= FIRST_BINARY_MAP_OP && spec.op < FIRST_TERNARY_MAP_OP
      ? binaryFunction(spec.op)
      : undefined;

  for (let e = 0; e < E; e++) {
    let rem = e;
    for (let i = nIter - 1; i >= 0; i--) {
      it[i] = rem % spec.iterDims[i];
      rem = Math.floor(rem / spec.iterDims[i]);
    }
    let v: number;
    switch (spec.kind) {
      case Kind.Map: {
        if (spec.op >= FIRST_TERNARY_MAP_OP) {
          v = where(mustRead(0), mustRead(1), mustRead(2));
        } else if (spec.op >= FIRST_BINARY_MAP_OP) {
          const x = mustRead(0),
            y = mustRead(1);
          v = binary ? binary(x, y) : intBinary(spec.op, x, y);
        } else {
          const x = mustRead(0);
          v = unary ? unary(x) : intUnary(spec.op, x);
        }
        break;
      }
      case Kind.Move: {
        v = spec.params[0] ?? 0;
        for (let j = 0; j < spec.inputs.length; j++) {
          const x = read(j);
          if (x !== undefined) {
            v = x;
            break;
          }
        }
        break;
      }
      case Kind.Dot: {
        if (!float) throw new RefereeError("ONNX_INVALID", "integer matrix products are not supported");
        let acc = 0;
        for (let k = 0; k < K; k++) {
          setRed(k);
          const a = read(0),
            b = read(1);
          if (a !== undefined && b !== undefined) acc = add(acc, mul(a, b));
        }
        setRed(0);
        if (spec.inputs.length > 2) acc = add(acc, mustRead(2));
        v = unary ? unary(acc) : acc;
        break;
      }
      case Kind.Reduce: {
        const op = spec.op as ReduceOp;
        let acc = op === ReduceOp.Max ? -Infinity : op === ReduceOp.Min ? Infinity : 0;
        for (let k = 0; k < K; k++) {
          setRed(k);
          const x = read(0);
          if (x === undefined) continue;
          if (op === ReduceOp.Max) acc = float ? max(acc, x) : Math.max(acc, x);
          else if (op === ReduceOp.Min) acc = float ? min(acc, x) : Math.min(acc, x);
          else acc = float ? add(acc, x) : acc + x;
        }
        if (op === ReduceOp.Mean) acc = float ? div(acc, spec.params[0]) : Math.trunc(acc / spec.params[0]);
        v = acc;
        break;
      }
    }
    out[e] = v;
  }
  return out;
}
