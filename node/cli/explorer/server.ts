// The explorer's web server (node:http, no framework): one static page (./public) and a small
// JSON API over the same chain readers as `referee claims` and `games` (node/chain/views.ts).
// Every API call refreshes the index from the RPC, so a page that polls sees the chain live.
import { createServer, type IncomingMessage, type ServerResponse } from "http";
import { readFileSync } from "fs";
import { join } from "path";
import type { AddressInfo } from "net";
import type { Provider } from "ethers";
import type { Deployment } from "../../chain/deploy";
import { DeploymentIndex, jsonSafe, tokenInfo, type TokenInfo } from "../../chain/views";
import { shortMessageOf } from "../../chain/errors";
import { RefereeError } from "../../errors";

export interface ExplorerOptions {
  d: Deployment;
  provider: Provider;
  chainId: number;
  network: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** How often the page polls the API, ms. */
  pollMs?: number;
}

export interface Explorer {
  url: string;
  close(): Promise<void>;
}

/** The page's files, by URL path: a fixed table, so no request can name another file. */
const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};
const PUBLIC_DIR = join(__dirname, "public");

class NotFound extends Error {}

export async function startExplorer(o: ExplorerOptions): Promise<Explorer> {
  const index = new DeploymentIndex(o.d, o.provider);
  let token: TokenInfo | null = null;
  const addresses = {
    coordinator: await o.d.coordinator.getAddress(),
    game: await o.d.game.getAddress(),
    staking: await o.d.staking.getAddress(),
    registry: await o.d.registry.getAddress(),
  };

  const api = async (path: string): Promise<unknown> => {
    const time = await index.refresh();
    token ??= await tokenInfo(o.d);
    switch (path) {
      case "/api/state": {
        const [requests, claims, games] = await Promise.all([index.requests(), index.claims(), index.games()]);
        return {
          chain: { chainId: o.chainId, network: o.network, ...time },
          deployment: { ...addresses, degree: o.d.options.degree, fromBlock: o.d.fromBlock },
          token,
          pollMs: o.pollMs ?? 2000,
          requests,
          claims,
          games,
        };
      }
      case "/api/requests":
        return { ...time, requests: await index.requests() };
      case "/api/claims":
        return { ...time, claims: await index.claims() };
      case "/api/games":
        return { ...time, games: await index.games() };
    }
    const m = /^\/api\/games\/(\d+)$/.exec(path);
    if (m && index.hasGame(BigInt(m[1])))
      return { ...time, degree: o.d.options.degree, ...(await index.history(BigInt(m[1]))) };
    throw new NotFound(m ? `no game #${m[1]} in this deployment` : `no API route ${path}`);
  };

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET") return send(res, 405, "text/plain", "GET only\n");
    const file = STATIC[path];
    if (file) return send(res, 200, file.type, readFileSync(join(PUBLIC_DIR, file.file)));
    if (!path.startsWith("/api/")) return send(res, 404, "text/plain", "not found\n");
    const json = "application/json; charset=utf-8";
    try {
      send(res, 200, json, JSON.stringify(jsonSafe(await api(path))));
    } catch (e) {
      const status = e instanceof NotFound ? 404 : 502;
      send(res, status, json, JSON.stringify({ error: e instanceof NotFound ? e.message : shortMessageOf(e) }));
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new RefereeError("USAGE", `port ${o.port} is in use: pick another with --port (0 picks a free one)`, e)
          : e,
      ),
    );
    server.listen(o.port, o.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
