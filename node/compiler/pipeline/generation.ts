// The manifest of a greedy text generation (PROTOCOL §3.6, `generate` step): one decoder
// file run T times after a P-token prompt. The CLI (`referee generate`) and the agents' demo
// build the same manifest, so they register and serve the same model id.
import { PIPELINE_FORMAT } from "./manifest";

/** The pipeline tensors of a generation manifest. */
export const GENERATION_PROMPT = "prompt";
export const GENERATION_OUTPUT = "generated";

export interface GenerationSpec {
  /** The decoder file, as the manifest's `path` will name it. */
  path: string;
  /** keccak256 of its bytes. */
  keccak256: string;
  /** The decoder's token input and logits output. */
  input: string;
  output: string;
  promptTokens: number;
  steps: number;
  context: number;
}

/** The manifest of a generation (JSON), `path` as given: what `--write-manifest` writes. */
export function generationManifest(g: GenerationSpec): Record<string, unknown> {
  return {
    format: PIPELINE_FORMAT,
    description: `greedy decoding of ${g.steps} tokens after a ${g.promptTokens}-token prompt`,
    input: { name: GENERATION_PROMPT, dims: [1, g.promptTokens], type: "int64" },
    steps: [
      {
        op: "generate",
        path: g.path,
        keccak256: g.keccak256,
        input: g.input,
        output: g.output,
        from: GENERATION_PROMPT,
        steps: g.steps,
        context: g.context,
        to: GENERATION_OUTPUT,
      },
    ],
    outputs: [GENERATION_OUTPUT],
  };
}
