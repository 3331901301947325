// referee explorer --port p: serve the explorer page until interrupted.
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, connect, deploymentOf } from "../chain";
import type { CommandContext } from "../command";
import { startExplorer } from "../explorer/server";

export async function explorer(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const port = args.int("port", 8580)!;
  if (port > 65535) throw usageError(`--port expects a TCP port (0 to 65535), got ${port}`);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const server = await chainCall(() =>
    startExplorer({
      d,
      provider: c.provider,
      chainId: c.chainId,
      network: c.network,
      port,
      pollMs: args.int("poll", 2000),
    }),
  );
  ctx.out(`referee explorer: ${server.url} (chain ${c.chainId}, ${c.network}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void server.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
