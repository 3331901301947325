// `--metrics-port p`: the agent's metrics over HTTP for Prometheus to scrape (GET /metrics),
// with node's http module: no dependency. Port 0 picks a free port (tests); the bound port
// is returned so the start line can name it.
import { createServer } from "http";
import { RefereeError } from "../errors";

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export function serveMetrics(port: number, render: () => string, host = "0.0.0.0"): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || (path !== "/metrics" && path !== "/")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(render());
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new RefereeError("USAGE", `--metrics-port ${port}: cannot listen (${e.code ?? e.message})`, e)),
    );
    server.listen(port, host, () => {
      const bound = (server.address() as { port: number }).port;
      resolve({
        port: bound,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
