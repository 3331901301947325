// onnx-proto's typings name a global `Long` (protobufjs's 64-bit integer) without declaring it,
// so every int64 field would be typed as an error (any). Declare what the decoder relies on.
interface Long {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
}
