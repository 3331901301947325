// The shape of a CLI command handler and what it gets to work with.
import type { ParsedArgs } from "./args";
import type { Progress } from "./progress";

export interface CommandContext {
  /** Write to stdout. */
  out(text: string): void;
  progress: Progress;
}

export type Handler = (args: ParsedArgs, ctx: CommandContext) => Promise<void>;
