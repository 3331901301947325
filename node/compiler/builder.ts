// Accumulates slots and instructions while the graph is lowered. A kernel whose operands are
// all constant is evaluated on the spot (constant folding); otherwise constants become
// weight slots and the kernel becomes an instruction writing a fresh activation slot.
import type { IndexCheck } from "./api";
import { RefereeError } from "../errors";
import { ConstTensor, isFloatType } from "../onnx/tensor";
import { evaluateKernel, KernelSpec } from "./evaluate";
import {
  ActivationSlot,
  Instruction,
  Kind,
  Operand,
  Program,
  Space,
  SlotRef,
  WeightSlot,
  COMPILER_VERSION,
  TensorSpec,
  IntegerInputType,
  product,
} from "../program/isa";
import { ConstValue, OperandSpec, TensorValue, Value } from "./values";

export class ProgramBuilder {
  readonly weights: WeightSlot[] = [];
  readonly activations: ActivationSlot[] = [];
  readonly instructions: Instruction[] = [];
  readonly inputs: TensorSpec[] = [];
  /** Weight slot already holding a given constant tensor object. */
  private readonly weightOf = new Map<ConstTensor, SlotRef>();
  /** Instruction index that writes each activation slot. */
  readonly producerOf = new Map<number, number>();
  /** Runtime indices whose range tools check after a run (CompiledModel.indexChecks). */
  readonly indexChecks: IndexCheck[] = [];
  /** With shareWeights: weight slots by a hash of their bits (candidates; bits compared). */
  private readonly byContent: Map<number, number[]> | null;

  /**
   * shareWeights: a weight whose bits equal an existing slot's reuses that slot (a pipeline
   * links the same file several times; its weights must not be stored once per instance).
   * Off for a single file, whose programs stay as they always were.
   */
  constructor(options: { shareWeights?: boolean } = {}) {
    this.byContent = options.shareWeights ? new Map() : null;
  }

  addInput(name: string, dims: number[], elemType?: IntegerInputType): TensorValue {
    const slot = { space: Space.Input, index: this.inputs.length };
    this.inputs.push(elemType === undefined ? { name, dims, slot } : { name, dims, slot, elemType });
    return elemType === undefined ? { kind: "tensor", dims, slot } : { kind: "tensor", dims, slot, dtype: elemType };
  }

  addWeight(name: string, data: Float32Array): SlotRef {
    const slot = { space: Space.Weight, index: this.weights.length };
    const canonical = canonicalNaNs(data);
    if (this.byContent) {
      const key = bitsHash(canonical);
      const same = this.byContent.get(key);
      const found = same?.find((i) => sameBits(this.weights[i].data, canonical));
      if (found !== undefined) return { space: Space.Weight, index: found };
      if (same) same.push(slot.index);
      else this.byContent.set(key, [slot.index]);
    }
    this.weights.push({ name, data: canonical });
    return slot;
  }

  /** The slot of a value; a constant is materialized as a float32 weight slot (once). */
  slotOf(v: Value, name: string): SlotRef {
    if (v.kind === "tensor") return v.slot;
    const existing = this.weightOf.get(v.t);
    if (existing) return existing;
    if (v.t.dtype === "bool" || v.t.dtype === "string") {
      throw new RefereeError("ONNX_INVALID", `${name}: a ${v.t.dtype} constant is used as runtime float data`);
    }
    // Integer constants meeting float data (e.g. Pow's exponent) are converted to binary32.
    const slot = this.addWeight(name, v.t.data instanceof Float32Array ? v.t.data : Float32Array.from(v.t.data));
    this.weightOf.set(v.t, slot);
    return slot;
  }

  /**
   * Add a kernel. `outDims` is the output tensor's shape (Π outDims = Π iterDims; iterDims
   * may refine it). Constant operands only → evaluated now.
   */
  kernel(spec: KernelSpec, outDims: number[], name: string): Value {
    if (product(outDims) !== product(spec.iterDims)) {
      throw new RefereeError(
        "INTERNAL",
        `${name}: output dims [${outDims}] do not match iteration dims [${spec.iterDims}]`,
      );
    }
    if (spec.inputs.every((o) => o.value.kind === "const")) return this.fold(spec, outDims);
    const inputs: Operand[] = spec.inputs.map((o, i) => ({
      slot: this.slotOf(o.value, `${name}/in${i}`),
      dims: o.dims,
      offset: o.offset,
      coef: o.coef,
    }));
    const out = { space: Space.Activation, index: this.activations.length };
    this.activations.push({ name, length: product(outDims) });
    this.producerOf.set(out.index, this.instructions.length);
    this.instructions.push({
      kind: spec.kind,
      op: spec.op,
      params: spec.params.map(Math.fround),
      iterDims: spec.iterDims,
      redDims: spec.redDims,
      out,
      inputs,
    });
    return { kind: "tensor", dims: outDims, slot: out };
  }

  private fold(spec: KernelSpec, outDims: number[]): ConstValue {
    const consts = spec.inputs.map((o) => (o.value as ConstValue).t);
    const float =
      spec.kind === Kind.Dot ||
      consts.some((t) => isFloatType(t.dtype)) ||
      (spec.kind === Kind.Move && consts.length === 0);
    const dtype = float ? "float32" : (consts[0]?.dtype ?? "int64");
    const data = consts.map((t) => (float && !(t.data instanceof Float32Array) ? Float32Array.from(t.data) : t.data));
    return {
      kind: "const",
      t: {
        dtype,
        dims: outDims,
        data: evaluateKernel({ ...spec, params: float ? spec.params.map(Math.fround) : spec.params }, data, float),
      },
    };
  }

  /** The instruction that produced a runtime value, if it is the last emitted one's kind of thing. */
  producer(v: Value): Instruction | undefined {
    if (v.kind !== "tensor" || v.slot.space !== Space.Activation) return undefined;
    const i = this.producerOf.get(v.slot.index);
    return i === undefined ? undefined : this.instructions[i];
  }

  build(outputs: TensorSpec[]): Program {
    return {
      version: COMPILER_VERSION,
      instructions: this.instructions,
      weights: this.weights,
      inputs: this.inputs,
      activations: this.activations,
      outputs,
    };
  }
}

function bitsOf(data: Float32Array): Uint32Array {
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

/** FNV-1a over the length and the bits: a cheap key; equal keys are compared in full. */
function bitsHash(data: Float32Array): number {
  let h = Math.imul(0x811c9dc5 ^ data.length, 0x01000193);
  const bits = bitsOf(data);
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 0x01000193);
  return h >>> 0;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = bitsOf(a);
  const y = bitsOf(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Every NaN stored in memory is the canonical 0x7FC00000. */
function canonicalNaNs(data: Float32Array): Float32Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < data.length; i++) if (data[i] !== data[i]) bits[i] = 0x7fc00000;
  return data;
}

/** Identity view of a value with its own dims over `iterDims` (same rank, broadcasting dims of size 1). */
export function broadcastOperand(value: Value, dims: number[], iterRank: number, redRank = 0): OperandSpec {
  const n = iterRank + redRank;
  const coef = new Array<number>(dims.length * n).fill(0);
  const shift = iterRank - dims.length;
  for (let j = 0; j < dims.length; j++) {
    if (dims[j] !== 1) coef[j * n + j + shift] = 1;
  }
  return { value, dims, offset: new Array<number>(dims.length).fill(0), coef };
}
