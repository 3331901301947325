// The shape of a CLI command, and the options several commands share.
import type { CommandSpec, OptionSpec, ParsedArgs } from "./args";
import type { Progress } from "./progress";

export interface CommandContext {
  /** Write to stdout. */
  out(text: string): void;
  progress: Progress;
}

export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, ctx: CommandContext): Promise<void>;
}

export const MODEL_ARG = { name: "model.onnx", help: "the ONNX model file" };

export const OPT_JSON: OptionSpec = { name: "json", kind: "flag", help: "print one JSON object (the last line of output)" };
export const OPT_SHAPE: OptionSpec = {
  name: "shape",
  kind: "list",
  metavar: "name=DIMS",
  help: "concrete dims of an input, e.g. x=1x3x48x192 (needed for dynamic dims; the name may be left out for a single-input model)",
};
export const OPT_INPUT: OptionSpec = {
  name: "input",
  kind: "list",
  metavar: "file",
  help: "input file (.json, .bin, .npy); for several inputs, name=file once per input",
};
export const OPT_SEED: OptionSpec = { name: "random-seed", kind: "value", metavar: "n", help: "use random inputs from seed n instead of --input" };
export const OPT_DIST: OptionSpec = {
  name: "random-dist",
  kind: "value",
  metavar: "uniform|normal",
  help: "distribution of random inputs (default uniform)",
};

export const INPUT_DETAILS = `input files:
  .json  a flat or nested array (single-input model), or {"inputName": array, ...};
         NaN / Infinity tokens are read (and NaN refused)
  .bin   raw little-endian float32, all inputs concatenated in input order
  .npy   NumPy float32 ('<f4', C order) of exactly the input's shape
  Referee refuses NaN inputs. Integer inputs are not runtime inputs (they must be constants).

random inputs (--random-seed n):
  mulberry32 seeded with n; inputs filled in order, elements row-major; each value rounded
  to float32. uniform: -1 + 2u, u = next()/2^32, in [-1, 1). normal: Box-Muller,
  sqrt(-2 ln(1-u1)) cos(2 pi u2), one value per two draws.`;
