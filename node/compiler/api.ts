// The compiler's public surface (implementation: node/compiler/compile.ts).
import type { Program, SlotRef } from "../program/isa";
import type { ConstTensor } from "../onnx/tensor";

export interface CompileOptions {
  /** Concrete dims for graph inputs, by input name; required where the model's dims are symbolic. */
  shapes?: Record<string, number[]>;
  /**
   * Graph inputs fixed at compile time, by name: they become constants (weights) rather than
   * runtime inputs. For parameters an op needs as constants (Clip bounds, Resize scales, …)
   * that a model exposes as inputs.
   */
  frozenInputs?: Record<string, ConstTensor>;
  /**
   * Scalar integer or bool graph inputs given their value at compile time, by name (CLI
   * `--fix name=value`): e.g. Silero VAD's sample rate, which selects an If branch. Each
   * becomes a constant, no longer a runtime input; the value is in the program bytes, so the
   * model commitment covers it.
   */
  fixedInputs?: Record<string, number>;
  /**
   * keccak256 of bytes as 0x-prefixed hex, for the file hash (onnxHash). Default: ethers'
   * JavaScript keccak, ~10 MB/s: callers that have a WebAssembly keccak ready pass it (the
   * CLI does), which matters for big models (a 650 MB file took 58 s of CPU).
   */
  hash?: (bytes: Uint8Array) => string;
}

/**
 * A runtime index the program reads (a Gather on runtime indices): every value of `slot`
 * must be an integer in [−size, size) for the lookup to select a row. Out of range the step
 * result is still defined (no row: zeros, PROTOCOL §2), so this is a check for tools, not
 * part of the program or its commitment.
 */
export interface IndexCheck {
  /** The ONNX node. */
  node: string;
  slot: SlotRef;
  size: number;
}

export interface CompiledModel {
  program: Program;
  /** Runtime indices to check after a run (see IndexCheck); empty for most models. */
  indexChecks: IndexCheck[];
  /** keccak256 of the .onnx file bytes, 0x-prefixed hex. */
  onnxHash: string;
  /** Node count per ONNX op type in the source graph. */
  opCounts: Record<string, number>;
}

export interface TensorInfo {
  name: string;
  elemType: string; // e.g. "float32", "int64"
  dims: (number | string)[]; // symbolic dims as their names
}

export interface ModelInfo {
  irVersion: number;
  opsets: Record<string, number>; // domain ("" = ai.onnx) → version
  producer: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  opCounts: Record<string, number>;
  initializers: number;
  parameters: number; // total elements in initializers
  unsupported: string[]; // op types the compiler cannot lower, sorted
}
