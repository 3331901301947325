// An HTTP proxy in front of a JSON-RPC node that counts the calls going through it, by client:
// each client gets its own URL (http://127.0.0.1:port/<label>), forwarded to the node's root.
// A batch counts as one call per entry: the load test reports the node's work per request.
import { IncomingMessage, Server, ServerResponse, createServer, request } from "http";

export interface RpcCounts {
  /** JSON-RPC calls (batch entries counted one by one). */
  calls: number;
  /** HTTP requests (a batch is one). */
  posts: number;
  /** Calls by method. */
  methods: Record<string, number>;
}

export class RpcCounter {
  private readonly server: Server;
  private readonly counts = new Map<string, RpcCounts>();

  constructor(private readonly targetPort: number) {
    this.server = createServer((req, res) => this.forward(req, res));
  }

  listen(): Promise<number> {
    return new Promise((res) =>
      this.server.listen(0, "127.0.0.1", () => res((this.server.address() as { port: number }).port)),
    );
  }

  /** The URL a client labelled `label` should use. */
  urlFor(port: number, label: string): string {
    return `http://127.0.0.1:${port}/${encodeURIComponent(label)}`;
  }

  /** Counts so far, by client label. */
  byClient(): Record<string, RpcCounts> {
    return Object.fromEntries([...this.counts].map(([k, v]) => [k, { ...v, methods: { ...v.methods } }]));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((res) => this.server.close(() => res()));
  }

  private count(label: string, body: string): void {
    const c = this.counts.get(label) ?? { calls: 0, posts: 0, methods: {} };
    this.counts.set(label, c);
    c.posts++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return; // not JSON: the node answers with its error; nothing to count
    }
    for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
      const method = (call as { method?: unknown })?.method;
      const name = typeof method === "string" ? method : "?";
      c.calls++;
      c.methods[name] = (c.methods[name] ?? 0) + 1;
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const label = decodeURIComponent((req.url ?? "/").slice(1)) || "(root)";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      this.count(label, body.toString("utf8"));
      const up = request(
        {
          host: "127.0.0.1",
          port: this.targetPort,
          path: "/",
          method: req.method,
          headers: { ...req.headers, host: `127.0.0.1:${this.targetPort}`, "content-length": body.length },
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(body);
    });
  }
}
