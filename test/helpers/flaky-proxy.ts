// A TCP proxy in front of a JSON-RPC node that can go down on command (open connections cut,
// new ones refused): an RPC outage for one agent while the chain itself keeps running.
import { Server, Socket, connect, createServer } from "net";

export class FlakyProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;
  /** Connections cut or refused while down: proof that the outage reached a client. */
  dropped = 0;

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => {
      if (this.down) {
        this.dropped++;
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  listen(): Promise<number> {
    return new Promise((res) =>
      this.server.listen(0, "127.0.0.1", () => res((this.server.address() as { port: number }).port)),
    );
  }

  /** Cut every open connection and refuse new ones until `restore`. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) {
      this.dropped++;
      s.destroy();
    }
  }

  restore(): void {
    this.down = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((res) => this.server.close(() => res()));
  }
}
