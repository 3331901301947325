// Every command's arguments, options and help text: pure data, so `referee --help` and
// argument errors need none of the heavy modules (compiler, VM, onnxruntime) loaded.
import type { CommandSpec, OptionSpec } from "./args";
import { REL_ERROR_FLOOR } from "../reference/metrics";

export const MODEL_ARG = {
  name: "model.onnx",
  help: "the ONNX model file, or a pipeline manifest (.json: docs/PROTOCOL.md §3.6)",
};

export const OPT_JSON: OptionSpec = {
  name: "json",
  kind: "flag",
  help: "print one JSON object (the last line of output)",
};
export const OPT_SHAPE: OptionSpec = {
  name: "shape",
  kind: "list",
  metavar: "name=DIMS",
  help: "concrete dims of an input, e.g. x=1x3x48x192 (needed for dynamic dims; the name may be left out for a single-input model)",
};
export const OPT_FIX: OptionSpec = {
  name: "fix",
  kind: "list",
  metavar: "name=VALUE",
  help: "fix a scalar integer input at compile time, e.g. sr=16000: it becomes a constant (part of the model id), no longer an input",
};
export const OPT_INPUT: OptionSpec = {
  name: "input",
  kind: "list",
  metavar: "file",
  help: "input file (.json, .bin, .npy, .wav); for several inputs, name=file once per input",
};
export const OPT_SEED: OptionSpec = {
  name: "random-seed",
  kind: "value",
  metavar: "n",
  help: "use random inputs from seed n instead of --input",
};
export const OPT_THREADS: OptionSpec = {
  name: "threads",
  kind: "value",
  metavar: "n",
  help: "threads to execute on at most (default: the available cores; a small model runs on one); the result is the same for any n",
};
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
  .npy   NumPy float32 ('<f4'), integer ('<i8', '<i4', ...) or bool ('|b1'), C order, of
         exactly the input's shape
  .wav   16-bit PCM mono 16 kHz audio (one input of exactly that many samples); samples are
         their int16 values as floats, not scaled to [-1, 1)
  Referee refuses NaN inputs. Integer and bool inputs (token ids, masks) are stored exactly
  as float32: integers within +-2^24 (and their type's range), bools 0/1 (JSON true/false too).

random inputs (--random-seed n):
  mulberry32 seeded with n; inputs filled in order, elements row-major; each value rounded
  to float32. uniform: -1 + 2u, u = next()/2^32, in [-1, 1). normal: Box-Muller,
  sqrt(-2 ln(1-u1)) cos(2 pi u2), one value per two draws. Integer and bool inputs: floor(2u),
  0 or 1, one draw each (a valid index, mask or flag for any model).`;

export const INSPECT_SPEC: CommandSpec = {
  path: ["model", "inspect"],
  summary: "Show a model's inputs, outputs, op counts, every op Referee does not support, and whether it compiles.",
  positionals: [MODEL_ARG],
  options: [OPT_SHAPE, OPT_FIX, OPT_JSON],
};

export const COMMIT_SPEC: CommandSpec = {
  path: ["model", "commit"],
  summary: "Compile a model and print its commitment, the commitment's parts and program statistics.",
  positionals: [MODEL_ARG],
  options: [OPT_SHAPE, OPT_FIX, OPT_JSON],
};

export const RUN_SPEC: CommandSpec = {
  path: ["run"],
  summary: "Run a model on one input: outputs, final state hash, state hash at chosen steps, timings.",
  positionals: [MODEL_ARG],
  options: [
    OPT_INPUT,
    OPT_SEED,
    OPT_DIST,
    OPT_SHAPE,
    OPT_FIX,
    {
      name: "state-at",
      kind: "list",
      metavar: "s",
      help: "also print the state hash after s steps (0 ≤ s ≤ N; repeatable)",
    },
    { name: "output", kind: "value", metavar: "file", help: "write the outputs to a .json, .npy or .bin file" },
    OPT_THREADS,
    OPT_JSON,
  ],
  details: INPUT_DETAILS,
};

export const BENCH_SPEC: CommandSpec = {
  path: ["bench"],
  summary:
    "Time Referee against onnxruntime-node on a model: execution, commitments, a state-at-step query, peak memory.",
  positionals: [MODEL_ARG],
  options: [
    OPT_INPUT,
    OPT_SEED,
    OPT_DIST,
    OPT_SHAPE,
    OPT_FIX,
    { ...OPT_THREADS, help: "threads for the multi-threaded figures (default: the available cores)" },
    { name: "reps", kind: "value", metavar: "n", help: "timed runs of each engine; medians are reported (default 7)" },
    OPT_JSON,
  ],
  details: `figures (warm medians; Referee and onnxruntime runs interleaved in one process):
  ort 1T / ort nT   onnxruntime-node CPU, 1 or n intra-op threads (1 inter-op thread)
  execute           Referee, outputs only (what a claim needs), 1 and n threads
  trace             Referee keeping the whole halted memory (what a disputed party needs), n threads
  commit            every slot tree and the final state hash over one run's memory on n
                    threads, the model's weight and program trees reused (first commit: built too)
  state@s           one state-at-step query (median over random steps): a dissection answer
  peak RSS          the process's peak resident memory, against weights + activations
inputs default to --random-seed 1.`,
};

export const COMPARE_SPEC: CommandSpec = {
  path: ["compare"],
  summary: "Compare Referee's outputs with onnxruntime-node's: max abs/rel error, argmax agreement.",
  positionals: [MODEL_ARG],
  options: [
    OPT_INPUT,
    OPT_SEED,
    {
      name: "count",
      kind: "value",
      metavar: "m",
      help: "with --random-seed n: compare on seeds n … n+m-1 (default 1)",
    },
    OPT_DIST,
    OPT_SHAPE,
    OPT_FIX,
    OPT_THREADS,
    OPT_JSON,
  ],
  details: `metrics (per output, over all runs):
  maxAbsError       max |referee - ort|
  maxRelError       max |referee - ort| / max(|ort|, ${REL_ERROR_FLOOR.toExponential()})
  meanAbsError      mean |referee - ort|
  argmaxAgreement   share of rows (all axes but the last) whose argmax over the last axis
                    agrees (first maximum wins)
  mismatchedSpecials elements where NaN / infinities differ (excluded from the errors)
onnxruntime-node runs on the CPU with 1 intra-op and 1 inter-op thread.

${INPUT_DETAILS}`,
};

export const PROVE_STEP_SPEC: CommandSpec = {
  path: ["prove-step"],
  summary: "The one-step proof of step s of a run: pre-state, instruction and its path, proof bytes, post-state.",
  positionals: [MODEL_ARG],
  options: [
    OPT_INPUT,
    OPT_SEED,
    OPT_DIST,
    OPT_SHAPE,
    OPT_FIX,
    {
      name: "step",
      kind: "value",
      metavar: "s",
      help: "the step to prove: from state s to state s+1 (0 ≤ s ≤ N; s = N is the halted state's step)",
    },
    OPT_JSON,
  ],
  details: `what a challenger submits (docs/PROTOCOL.md §6): OneStepVerifier.step(programRoot,
preStateHash, proof) returns the post-state hash printed here. The proof is checked by the
node's model of the verifier before it is printed.

${INPUT_DETAILS}`,
};

export const GENERATE_SPEC: CommandSpec = {
  path: ["generate"],
  summary: "Greedy-decode tokens after a text prompt with a decoder model, as one verifiable program.",
  positionals: [{ name: "decoder.onnx", help: "the decoder: token ids int64 [1, t] -> logits [1, V] or [1, t, V]" }],
  options: [
    {
      name: "vocab",
      kind: "value",
      metavar: "file",
      help: "the model's vocabulary (.vocab.json: BPE tokens, merges, context)",
    },
    { name: "prompt", kind: "value", metavar: "text", help: "the text to continue (tokenized with --vocab)" },
    { name: "tokens", kind: "value", metavar: "T", help: "how many tokens to generate" },
    {
      name: "context",
      kind: "value",
      metavar: "C",
      help: "the model reads the last min(length, C) tokens (default and maximum: the vocabulary's context)",
    },
    {
      name: "compare",
      kind: "flag",
      help: "also generate with onnxruntime: per-token agreement and the logits' max abs error",
    },
    {
      name: "write-manifest",
      kind: "value",
      metavar: "file",
      help: "write the generation as a pipeline manifest (.json): a model to register; its input is the prompt's ids",
    },
    OPT_JSON,
  ],
  details: `The program (docs/PROTOCOL.md §3.6, step "generate") runs the decoder T times: each step's
argmax token (the first maximum) is appended to the context the next step reads. Its input
is the prompt's P token ids (int64 [1, P]); its output, the T generated ids ([1, T]).
Printed: the generated text and ids, the program's steps N and its final state hash.
--compare: onnxruntime decodes greedily from the same prompt; a token agrees when it is the
same at the same position; logits are compared while both contexts are equal.`,
};
