// The CLI against `hardhat node`: a deployment record goes stale when the node restarts (same
// chain id 31337, and a second deploy by the same account even reuses the addresses), and the
// commands say so in one line instead of `could not decode result data`; records are found by
// the node's chain id when --network is not given.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { readDeployment, RECORD_FORMAT } from "../node/chain/deployment-record";
import { Proc, freePort, startHardhatNode, startReferee } from "../scripts/lib/processes";
import { type CliResult, lastJson, referee } from "./helpers/cli";

describe("cli: deployment records on a restarted hardhat node, and found by chain id", function () {
  this.timeout(300_000);
  let node: Proc | undefined;
  let port: number;
  let url: string;
  let root: string;

  before(async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startHardhatNode(port);
    root = mkdtempSync(path.join(tmpdir(), "referee-records-cli-"));
  });
  after(async () => {
    if (node) await node.kill();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const dirOf = (name: string) => path.join(root, name);
  const run = (dir: string, ...args: string[]) => referee(...args, "--rpc", url, "--deployments", dir);
  const ok = (r: CliResult) => {
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    return r;
  };
  /** `status 1` on a live record with no request yet: the deployment was found and answered. */
  const expectLive = (r: CliResult) => {
    expect([r.code, r.stderr.trim()]).to.deep.equal([2, "referee: error: no request #1 in this deployment"]);
  };
  const expectOneLine = (r: CliResult, code: number, pattern: RegExp) => {
    expect(r.stderr.trim(), r.stdout).to.match(pattern);
    expect(r.stderr.trim().split("\n"), "one line").to.have.length(1);
    expect(r.code).to.equal(code);
  };

  it("after a restart the record is stale (no code, then another block): one line, deploy again", async () => {
    const dir = dirOf("main");
    const printed = lastJson(ok(await run(dir, "deploy", "--account", "0", "--json")));
    const first = readDeployment(dir, "localhost");
    expect(first.format).to.equal(RECORD_FORMAT);
    // --json prints the record's addresses and blocks; the ABIs stay in the file.
    expect(printed.addresses).to.deep.equal(first.addresses);
    expect(printed).to.not.have.property("abis");
    expect(Object.keys(first.abis)).to.include("coordinator");
    expectLive(await run(dir, "status", "1"));

    await node!.kill();
    node = await startHardhatNode(port);

    // As a user runs it: its own process, one line on stderr, exit code 1.
    const p = startReferee("status", ["status", "1", "--rpc", url, "--deployments", dir], {});
    expect(await p.exited, p.tail()).to.equal(1);
    expect(p.stderr).to.deep.equal([
      `referee: error: ${path.join(dir, "localhost.json")} is stale: no contract at its token address ${first.addresses.token} on chain 31337 (${url}); the chain was restarted or reset since that deployment: run referee deploy again`,
    ]);

    // The same account deploying again on the new chain gets the same addresses: only the
    // deployment block tells the old record from the new chain.
    ok(await run(dirOf("other"), "deploy", "--account", "0"));
    const second = readDeployment(dirOf("other"), "localhost");
    expect(second.addresses).to.deep.equal(first.addresses);
    expect(second.deployBlock!.number).to.equal(first.deployBlock!.number);
    expectOneLine(
      await run(dir, "faucet", "--account", "3"),
      1,
      new RegExp(
        `^referee: error: .*localhost\\.json is stale: block ${first.deployBlock!.number} is 0x[0-9a-f]{8}…, the deployment's was ${first.deployBlock!.hash.slice(0, 10)}…`,
      ),
    );

    ok(await run(dir, "deploy", "--account", "0"));
    expectLive(await run(dir, "status", "1"));
  });

  it("without --network the record is the one for the node's chain id; several need --network", async () => {
    const dir = dirOf("named");
    const deployed = lastJson(ok(await run(dir, "deploy", "--account", "0", "--network", "devnet", "--json")));
    expect(deployed.file).to.equal(path.join(dir, "devnet.json"));
    expectLive(await run(dir, "status", "1"));
    ok(await run(dir, "deploy", "--account", "0", "--network", "devnet2"));
    expectOneLine(
      await run(dir, "status", "1"),
      2,
      /^referee: error: 2 deployment records for chain 31337 in .*named \(devnet, devnet2\): pick one with --network <name>$/,
    );
    expectLive(await run(dir, "status", "1", "--network", "devnet2"));
    // deploy without --network writes the chain's own name, never over another live record.
    const own = lastJson(ok(await run(dir, "deploy", "--account", "0", "--json")));
    expect(own.file).to.equal(path.join(dir, "localhost.json"));
    expect(readDeployment(dir, "devnet").addresses.coordinator).to.equal(
      (deployed.addresses as { coordinator: string }).coordinator,
    );
    expectLive(await run(dir, "status", "1"));
    expectOneLine(
      await run(dirOf("empty"), "status", "1"),
      2,
      /^referee: error: no deployment record .*empty\/localhost\.json: run referee deploy first \(no record in .*empty is for chain 31337/,
    );
  });
});
