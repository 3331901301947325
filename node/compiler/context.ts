// What a lowering function sees of one ONNX node: its inputs as Values, typed attribute
// accessors with the ONNX defaults, and the builder to emit kernels into.
import { RefereeError } from "../errors";
import { AttrValue, GraphNode, OnnxSubgraph } from "../onnx/model";
import { ConstTensor } from "../onnx/tensor";
import { ProgramBuilder } from "./builder";
import { Value, dimsOf } from "./values";

export class NodeContext {
  constructor(
    readonly b: ProgramBuilder,
    readonly node: GraphNode,
    readonly opset: number,
    private readonly values: (Value | undefined)[],
    /** True when output 0 of the producer of input i is read only by this node (fusion is safe). */
    readonly soleConsumer: (inputIndex: number) => boolean,
    /** Lower a subgraph attribute (an If branch) in this node's scope; its output values. */
    readonly lowerSubgraph: (g: OnnxSubgraph) => Value[] = () => {
      throw new RefereeError("INTERNAL", `${node.name}: subgraphs cannot be lowered here`);
    },
  ) {}

  get name(): string {
    return this.node.outputs[0] || this.node.name;
  }

  fail(message: string): never {
    throw new RefereeError("ONNX_INVALID", `${this.node.name} (${this.node.opType}): ${message}`);
  }

  unsupported(message: string): never {
    throw new RefereeError(
      "ONNX_UNSUPPORTED_OPS",
      `unsupported ONNX op: ${this.node.opType} (${this.node.name}: ${message})`,
    );
  }

  get inputCount(): number {
    return this.values.length;
  }

  /** Input i, or undefined when absent (optional input left empty). */
  opt(i: number): Value | undefined {
    return this.values[i];
  }

  input(i: number): Value {
    const v = this.values[i];
    if (!v) this.fail(`input ${i} is required`);
    return v;
  }

  dims(i: number): number[] {
    return dimsOf(this.input(i));
  }

  /** Input i, which must be known at compile time (e.g. Reshape's shape). */
  constInput(i: number, what: string): ConstTensor {
    const v = this.input(i);
    if (v.kind !== "const") this.unsupported(`${what} (input ${i}) must be a compile-time constant`);
    return v.t;
  }

  /** Optional compile-time integer list input (absent → undefined). */
  intsInput(i: number, what: string): number[] | undefined {
    const v = this.opt(i);
    if (!v) return undefined;
    return Array.from(this.constInput(i, what).data);
  }

  private attr(name: string): AttrValue | undefined {
    return this.node.attrs.get(name);
  }

  int(name: string, def: number): number {
    const a = this.attr(name);
    if (!a) return def;
    if (a.kind === "int") return a.value;
    if (a.kind === "float") return a.value;
    this.fail(`attribute ${name} should be an int`);
  }

  float(name: string, def: number): number {
    const a = this.attr(name);
    if (!a) return def;
    if (a.kind === "float" || a.kind === "int") return a.value;
    this.fail(`attribute ${name} should be a float`);
  }

  str(name: string, def: string): string {
    const a = this.attr(name);
    if (!a) return def;
    if (a.kind === "string") return a.value;
    this.fail(`attribute ${name} should be a string`);
  }

  ints(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.kind === "ints") return a.value;
    if (a.kind === "int") return [a.value];
    this.fail(`attribute ${name} should be a list of ints`);
  }

  floats(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.kind === "floats") return a.value;
    if (a.kind === "float") return [a.value];
    this.fail(`attribute ${name} should be a list of floats`);
  }

  /** A graph attribute (If's then_branch / else_branch), which must be present. */
  graphAttr(name: string): OnnxSubgraph {
    const a = this.attr(name);
    if (!a) this.fail(`attribute ${name} is required`);
    if (a.kind === "graph") return a.value;
    this.fail(`attribute ${name} should be a graph`);
  }

  tensorAttr(name: string): ConstTensor | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.kind === "tensor") return a.value;
    this.fail(`attribute ${name} should be a tensor`);
  }

  hasAttr(name: string): boolean {
    return this.node.attrs.has(name);
  }

  attrNames(): string[] {
    return [...this.node.attrs.keys()];
  }
}

/** Normalize a possibly negative axis against a rank. */
export function normAxis(ctx: NodeContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export type Lowering = (ctx: NodeContext) => Value[];
