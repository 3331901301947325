// One-node LSTM / GRU / RNN models with seeded weights, for the recurrent-op tests.
import { onnx } from "onnx-proto";
import { seededInputs } from "./models";

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface CellSpec {
  op: "LSTM" | "GRU" | "RNN";
  T: number;
  B: number;
  I: number;
  H: number;
  direction: string;
  layout?: number;
  /** Attributes beyond direction / hidden_size / layout. */
  attrs?: onnx.IAttributeProto[];
  bias?: boolean;
  peepholes?: boolean;
  initial?: boolean;
  /** Static sequence lengths (an int32 initializer). */
  lens?: number[];
  /** sequence_lens as a runtime input instead. */
  runtimeLens?: boolean;
}

/**
 * A one-node model: X (and initial states) runtime inputs, weights seeded initializers.
 * `asLayout0`: the same function with a layout-0 node between Transposes (onnxruntime's CPU
 * kernels refuse layout 1, so this is the reference for a layout-1 model).
 */
export function cellModel(c: CellSpec, asLayout0 = false): Uint8Array {
  const G = { LSTM: 4, GRU: 3, RNN: 1 }[c.op];
  const D = c.direction === "bidirectional" ? 2 : 1;
  const layout = c.layout ?? 0;
  let seed = 7;
  const init = (name: string, dims: number[]): onnx.ITensorProto => {
    const [data] = seededInputs([dims], seed++);
    return { name, dims, dataType: FLOAT, floatData: Array.from(data, (x) => x * 0.6) };
  };
  const vi = (name: string, dims: number[], elemType = FLOAT): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const xDims = layout === 0 ? [c.T, c.B, c.I] : [c.B, c.T, c.I];
  const stateDims = layout === 0 ? [D, c.B, c.H] : [c.B, D, c.H];
  const yDims = layout === 0 ? [c.T, D, c.B, c.H] : [c.B, c.T, D, c.H];
  const initializer = [init("W", [D, G * c.H, c.I]), init("R", [D, G * c.H, c.H])];
  const inputs = [vi("X", xDims)];
  const nodeInputs = ["X", "W", "R", "", "", "", "", ""];
  if (c.bias) {
    initializer.push(init("B", [D, 2 * G * c.H]));
    nodeInputs[3] = "B";
  }
  if (c.lens) {
    initializer.push({ name: "L", dims: [c.B], dataType: onnx.TensorProto.DataType.INT32, int32Data: c.lens });
    nodeInputs[4] = "L";
  }
  if (c.runtimeLens) {
    inputs.push(vi("L", [c.B], onnx.TensorProto.DataType.INT32));
    nodeInputs[4] = "L";
  }
  if (c.initial) {
    inputs.push(vi("H0", stateDims));
    nodeInputs[5] = "H0";
    if (c.op === "LSTM") {
      inputs.push(vi("C0", stateDims));
      nodeInputs[6] = "C0";
    }
  }
  if (c.peepholes) {
    initializer.push(init("P", [D, 3 * c.H]));
    nodeInputs[7] = "P";
  }
  while (nodeInputs[nodeInputs.length - 1] === "") nodeInputs.pop();
  const outputs = [vi("Y", yDims), vi("Y_h", stateDims), ...(c.op === "LSTM" ? [vi("Y_c", stateDims)] : [])];
  const attribute: onnx.IAttributeProto[] = [
    { name: "direction", type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(c.direction) },
    { name: "hidden_size", type: onnx.AttributeProto.AttributeType.INT, i: c.H },
    { name: "layout", type: onnx.AttributeProto.AttributeType.INT, i: asLayout0 ? 0 : layout },
    ...(c.attrs ?? []),
  ];
  const node: onnx.INodeProto = {
    opType: c.op,
    name: "cell",
    input: nodeInputs,
    output: outputs.map((o) => o.name!),
    attribute,
  };
  const nodes = [node];
  if (asLayout0 && layout === 1) {
    const perm = (p: number[]): onnx.IAttributeProto[] => [
      { name: "perm", type: onnx.AttributeProto.AttributeType.INTS, ints: p },
    ];
    const wrapIn = (i: number) => {
      const name = node.input![i];
      node.input![i] = `${name}_t`;
      nodes.unshift({ opType: "Transpose", input: [name], output: [`${name}_t`], attribute: perm([1, 0, 2]) });
    };
    [0, 5, 6].forEach((i) => {
      if ((node.input![i] ?? "") !== "") wrapIn(i);
    });
    node.output = node.output!.map((o) => `${o}_t`);
    node.output.forEach((o, k) =>
      nodes.push({
        opType: "Transpose",
        input: [o],
        output: [outputs[k].name!],
        attribute: perm(k === 0 ? [2, 0, 1, 3] : [1, 0, 2]),
      }),
    );
  }
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 14 }],
    graph: {
      name: "g",
      node: nodes,
      input: inputs,
      output: outputs,
      initializer,
    },
  }).finish();
}

export const intAttr = (name: string, i: number): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i,
});
