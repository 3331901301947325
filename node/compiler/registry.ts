// The op registry: a data table, not a switch. Each row: ONNX op type (default domain),
// the lowest opset it is lowered for, the lowering function (named exactly like the op),
// and, for unary activations, the Map op it may fuse into a preceding Dot's epilogue.
import { Lowering, NodeContext } from "./context";
import { MapOp } from "../program/isa";
import * as C from "./ops/constant";
import * as Ctl from "./ops/control";
import * as Comp from "./ops/composite";
import * as E from "./ops/elementwise";
import * as Ein from "./ops/einsum";
import * as L from "./ops/logic";
import * as Loss from "./ops/loss";
import * as Q from "./ops/quant";
import * as S from "./ops/scan";
import * as M from "./ops/movement";
import * as N from "./ops/nn";
import * as R from "./ops/recurrent";

export interface OpEntry {
  opType: string;
  sinceOpset: number;
  lower: Lowering;
  /** Unary activation that can become a Dot epilogue: its Map op and params. */
  epilogue?: (ctx: NodeContext) => { op: MapOp; params: number[] } | undefined;
}

const act =
  (op: MapOp, params: (c: NodeContext) => number[] = () => []) =>
  (c: NodeContext) => ({ op, params: params(c) });

export const OPS: readonly OpEntry[] = [
  // products
  { opType: "MatMul", sinceOpset: 1, lower: N.MatMul },
  { opType: "Gemm", sinceOpset: 1, lower: N.Gemm },
  { opType: "Einsum", sinceOpset: 12, lower: Ein.Einsum },
  { opType: "Conv", sinceOpset: 1, lower: N.Conv },
  { opType: "ConvTranspose", sinceOpset: 1, lower: N.ConvTranspose },
  // recurrent (unrolled over the static sequence length)
  { opType: "LSTM", sinceOpset: 7, lower: R.LSTM },
  { opType: "GRU", sinceOpset: 7, lower: R.GRU },
  { opType: "RNN", sinceOpset: 7, lower: R.RNN },
  // normalization and pooling
  { opType: "BatchNormalization", sinceOpset: 1, lower: N.BatchNormalization },
  { opType: "LayerNormalization", sinceOpset: 17, lower: N.LayerNormalization },
  { opType: "InstanceNormalization", sinceOpset: 1, lower: N.InstanceNormalization },
  { opType: "Softmax", sinceOpset: 1, lower: N.Softmax },
  { opType: "LogSoftmax", sinceOpset: 1, lower: N.LogSoftmax },
  { opType: "MaxPool", sinceOpset: 1, lower: N.MaxPool },
  { opType: "AveragePool", sinceOpset: 1, lower: N.AveragePool },
  { opType: "GlobalAveragePool", sinceOpset: 1, lower: N.GlobalAveragePool },
  { opType: "GlobalMaxPool", sinceOpset: 1, lower: N.GlobalMaxPool },
  { opType: "ReduceSum", sinceOpset: 1, lower: N.ReduceSum },
  { opType: "ReduceMean", sinceOpset: 1, lower: N.ReduceMean },
  { opType: "ReduceMax", sinceOpset: 1, lower: N.ReduceMax },
  { opType: "ReduceMin", sinceOpset: 1, lower: N.ReduceMin },
  { opType: "ReduceSumSquare", sinceOpset: 1, lower: N.ReduceSumSquare },
  { opType: "ReduceL1", sinceOpset: 1, lower: N.ReduceL1 },
  { opType: "ReduceL2", sinceOpset: 1, lower: N.ReduceL2 },
  { opType: "ReduceLogSum", sinceOpset: 1, lower: N.ReduceLogSum },
  { opType: "ReduceLogSumExp", sinceOpset: 1, lower: N.ReduceLogSumExp },
  { opType: "ReduceProd", sinceOpset: 1, lower: C.ReduceProd },
  { opType: "Mod", sinceOpset: 10, lower: C.Mod },
  // elementwise
  { opType: "Add", sinceOpset: 1, lower: E.Add },
  { opType: "Sub", sinceOpset: 1, lower: E.Sub },
  { opType: "Mul", sinceOpset: 1, lower: E.Mul },
  { opType: "Div", sinceOpset: 1, lower: E.Div },
  { opType: "Pow", sinceOpset: 1, lower: E.Pow },
  { opType: "Max", sinceOpset: 1, lower: E.Max },
  { opType: "Min", sinceOpset: 1, lower: E.Min },
  { opType: "Sum", sinceOpset: 1, lower: E.Sum },
  { opType: "Mean", sinceOpset: 1, lower: E.Mean },
  { opType: "PRelu", sinceOpset: 1, lower: E.PRelu },
  { opType: "Relu", sinceOpset: 1, lower: E.Relu, epilogue: act(MapOp.Relu) },
  {
    opType: "LeakyRelu",
    sinceOpset: 1,
    lower: E.LeakyRelu,
    epilogue: act(MapOp.LeakyRelu, (c) => [c.float("alpha", 0.01)]),
  },
  {
    opType: "Clip",
    sinceOpset: 1,
    lower: E.Clip,
    epilogue: (c) => {
      const params = E.constClipBounds(c);
      return params && { op: MapOp.Clip, params };
    },
  },
  {
    opType: "HardSigmoid",
    sinceOpset: 1,
    lower: E.HardSigmoid,
    epilogue: act(MapOp.HardSigmoid, (c) => [c.float("alpha", 0.2), c.float("beta", 0.5)]),
  },
  { opType: "HardSwish", sinceOpset: 1, lower: E.HardSwish, epilogue: act(MapOp.HardSwish) },
  { opType: "Sigmoid", sinceOpset: 1, lower: E.Sigmoid, epilogue: act(MapOp.Sigmoid) },
  { opType: "Tanh", sinceOpset: 1, lower: E.Tanh, epilogue: act(MapOp.Tanh) },
  { opType: "Exp", sinceOpset: 1, lower: E.Exp },
  { opType: "Log", sinceOpset: 1, lower: E.Log },
  { opType: "Sqrt", sinceOpset: 1, lower: E.Sqrt },
  { opType: "Erf", sinceOpset: 9, lower: E.Erf },
  { opType: "Gelu", sinceOpset: 20, lower: E.Gelu },
  { opType: "Neg", sinceOpset: 1, lower: E.Neg },
  { opType: "Abs", sinceOpset: 1, lower: E.Abs },
  { opType: "Reciprocal", sinceOpset: 1, lower: E.Reciprocal },
  { opType: "Floor", sinceOpset: 1, lower: E.Floor },
  { opType: "Ceil", sinceOpset: 1, lower: E.Ceil },
  { opType: "Round", sinceOpset: 11, lower: E.Round },
  { opType: "Sign", sinceOpset: 9, lower: E.Sign },
  { opType: "Softplus", sinceOpset: 1, lower: E.Softplus },
  { opType: "Softsign", sinceOpset: 1, lower: E.Softsign },
  { opType: "Sin", sinceOpset: 7, lower: E.Sin },
  { opType: "Cos", sinceOpset: 7, lower: E.Cos },
  { opType: "Elu", sinceOpset: 1, lower: E.Elu, epilogue: act(MapOp.Elu, (c) => [c.float("alpha", 1)]) },
  { opType: "Selu", sinceOpset: 1, lower: E.Selu },
  { opType: "Celu", sinceOpset: 12, lower: Comp.Celu },
  { opType: "Sinh", sinceOpset: 9, lower: Comp.Sinh },
  { opType: "Cosh", sinceOpset: 9, lower: Comp.Cosh },
  { opType: "Tan", sinceOpset: 7, lower: Comp.Tan },
  { opType: "MeanVarianceNormalization", sinceOpset: 9, lower: Comp.MeanVarianceNormalization },
  { opType: "Identity", sinceOpset: 1, lower: E.Identity },
  // control flow
  { opType: "If", sinceOpset: 1, lower: Ctl.If },
  { opType: "Dropout", sinceOpset: 1, lower: E.Dropout },
  { opType: "Cast", sinceOpset: 1, lower: E.Cast },
  { opType: "CastLike", sinceOpset: 15, lower: E.CastLike },
  // movement
  { opType: "Transpose", sinceOpset: 1, lower: M.Transpose },
  { opType: "Reshape", sinceOpset: 1, lower: M.Reshape },
  { opType: "Flatten", sinceOpset: 1, lower: M.Flatten },
  { opType: "Squeeze", sinceOpset: 1, lower: M.Squeeze },
  { opType: "Unsqueeze", sinceOpset: 1, lower: M.Unsqueeze },
  { opType: "Concat", sinceOpset: 1, lower: M.Concat },
  { opType: "Slice", sinceOpset: 1, lower: M.Slice },
  { opType: "Gather", sinceOpset: 1, lower: M.Gather },
  { opType: "GatherElements", sinceOpset: 11, lower: M.GatherElements },
  { opType: "GatherND", sinceOpset: 11, lower: M.GatherND },
  { opType: "Scatter", sinceOpset: 9, lower: M.ScatterElements },
  { opType: "ScatterElements", sinceOpset: 11, lower: M.ScatterElements },
  { opType: "ScatterND", sinceOpset: 11, lower: M.ScatterND },
  { opType: "ReverseSequence", sinceOpset: 10, lower: M.ReverseSequence },
  // losses (constant targets)
  { opType: "NegativeLogLikelihoodLoss", sinceOpset: 12, lower: Loss.NegativeLogLikelihoodLoss },
  { opType: "SoftmaxCrossEntropyLoss", sinceOpset: 12, lower: Loss.SoftmaxCrossEntropyLoss },
  { opType: "Pad", sinceOpset: 1, lower: M.Pad },
  { opType: "Expand", sinceOpset: 8, lower: M.Expand },
  { opType: "Tile", sinceOpset: 6, lower: M.Tile },
  { opType: "Split", sinceOpset: 1, lower: M.Split },
  { opType: "Resize", sinceOpset: 10, lower: M.Resize },
  { opType: "Upsample", sinceOpset: 7, lower: M.Upsample },
  { opType: "DepthToSpace", sinceOpset: 1, lower: M.DepthToSpace },
  { opType: "SpaceToDepth", sinceOpset: 1, lower: M.SpaceToDepth },
  // compile-time only
  { opType: "Constant", sinceOpset: 1, lower: C.Constant },
  { opType: "Shape", sinceOpset: 1, lower: C.Shape },
  { opType: "Size", sinceOpset: 1, lower: C.Size },
  { opType: "ConstantOfShape", sinceOpset: 9, lower: C.ConstantOfShape },
  { opType: "Range", sinceOpset: 11, lower: C.Range },
  { opType: "Equal", sinceOpset: 1, lower: C.Equal },
  { opType: "Less", sinceOpset: 1, lower: C.Less },
  { opType: "LessOrEqual", sinceOpset: 12, lower: C.LessOrEqual },
  { opType: "Greater", sinceOpset: 1, lower: C.Greater },
  { opType: "GreaterOrEqual", sinceOpset: 12, lower: C.GreaterOrEqual },
  { opType: "And", sinceOpset: 1, lower: C.And },
  { opType: "Or", sinceOpset: 1, lower: C.Or },
  { opType: "Xor", sinceOpset: 1, lower: C.Xor },
  { opType: "Not", sinceOpset: 1, lower: C.Not },
  { opType: "Where", sinceOpset: 9, lower: C.Where },
  { opType: "ArgMax", sinceOpset: 1, lower: L.ArgMax },
  { opType: "TopK", sinceOpset: 1, lower: L.TopK },
  { opType: "ArgMin", sinceOpset: 1, lower: L.ArgMin },
  { opType: "Hardmax", sinceOpset: 1, lower: L.Hardmax },
  { opType: "IsNaN", sinceOpset: 9, lower: L.IsNaN },
  { opType: "IsInf", sinceOpset: 10, lower: L.IsInf },
  { opType: "ThresholdedRelu", sinceOpset: 10, lower: L.ThresholdedRelu },
  { opType: "Shrink", sinceOpset: 9, lower: L.Shrink },
  { opType: "Trilu", sinceOpset: 14, lower: L.Trilu },
  { opType: "OneHot", sinceOpset: 9, lower: L.OneHot },
  { opType: "EyeLike", sinceOpset: 9, lower: L.EyeLike },
  { opType: "CumSum", sinceOpset: 11, lower: S.CumSum },
  { opType: "QuantizeLinear", sinceOpset: 10, lower: Q.QuantizeLinear },
  { opType: "DequantizeLinear", sinceOpset: 10, lower: Q.DequantizeLinear },
  { opType: "Compress", sinceOpset: 9, lower: Q.Compress },
  { opType: "BitShift", sinceOpset: 11, lower: Q.BitShift },
  { opType: "HannWindow", sinceOpset: 17, lower: Q.HannWindow },
  { opType: "HammingWindow", sinceOpset: 17, lower: Q.HammingWindow },
  { opType: "BlackmanWindow", sinceOpset: 17, lower: Q.BlackmanWindow },
];

const BY_TYPE = new Map(OPS.map((e) => [e.opType, e]));

/** The registry entry for a node, or undefined when the op (or its domain/opset) is unsupported. */
export function lookupOp(domain: string, opType: string, opset: number): OpEntry | undefined {
  if (domain !== "" && domain !== "ai.onnx") return undefined;
  const e = BY_TYPE.get(opType);
  return e && opset >= e.sinceOpset ? e : undefined;
}

export function supportedOpTypes(): string[] {
  return OPS.map((e) => e.opType).sort();
}
