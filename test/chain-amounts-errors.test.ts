// node/chain/amounts.ts and errors.ts in detail: the amount syntax, exact scaling by a real
// token's decimals(), the fallback for a contract without them; custom-error arguments named
// from the compiled ABIs (every protocol enum covered), and the node's reasons for RPC errors.
import { expect } from "chai";
import hre from "hardhat";
import { Interface } from "ethers";
import { RefereeError } from "../node/errors";
import { type TokenInfo, formatAmount, parseAmountInput, toUnits, tokenInfo } from "../node/chain/amounts";
import { argKind, describeError, insufficientFunds, isoTime, shortMessageOf } from "../node/chain/errors";
import { factories } from "../node/chain/factories";

const REFT: TokenInfo = { address: "0x0", symbol: "REFT", decimals: 18, note: null };
const USDC: TokenInfo = { address: "0x0", symbol: "USDC", decimals: 6, note: null };
const RAW: TokenInfo = { address: "0xabc", symbol: "tokens", decimals: null, note: "no decimals()" };

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(RefereeError);
    expect((e as RefereeError).code).to.equal("USAGE");
    return (e as Error).message;
  }
  throw new Error("expected a usage error");
}

describe("chain: token amounts (decimals, symbols, exact bigints)", () => {
  it("a plain integer is base units, a decimal point or the symbol means tokens; no 2^53 limit", () => {
    const units = (text: string, t = REFT) => toUnits("--fee", parseAmountInput("--fee", text), t);
    expect(units("1000000000000000000000000000001")).to.equal(10n ** 30n + 1n);
    expect(units("1500units")).to.equal(1500n);
    expect(units("1500 unit")).to.equal(1500n);
    expect(units("0.01")).to.equal(10n ** 16n);
    expect(units(".5")).to.equal(5n * 10n ** 17n);
    expect(units("2REFT")).to.equal(2n * 10n ** 18n);
    expect(units("2 reft")).to.equal(2n * 10n ** 18n);
    expect(units("1_000")).to.equal(1000n);
    expect(units("1.000001", USDC)).to.equal(1_000_001n);
    expect(units("7", RAW)).to.equal(7n);
  });

  it("refuses what it cannot scale exactly, naming the option and the problem", () => {
    const parse =
      (text: string, t = REFT) =>
      () =>
        toUnits("--fee", parseAmountInput("--fee", text), t);
    expect(usage(parse("1.0000001", USDC))).to.equal("--fee '1.0000001': USDC has 6 decimals, the amount has more");
    expect(usage(parse("1 ETH"))).to.equal("--fee '1 ETH': this deployment's token is REFT");
    expect(usage(parse("1.5", RAW))).to.match(/token 0xabc has no decimals\(\), give the amount in base units/);
    expect(usage(parse("1e18"))).to.match(/not an exponent/);
    expect(usage(parse("0x10"))).to.match(/expects a decimal amount/);
    for (const bad of ["", "-1", "1.2.3", "1,5"]) expect(usage(parse(bad))).to.match(/expects an amount/);
  });

  it("prints '1.5 REFT', with the base units when the decimal form is long", () => {
    expect(formatAmount(15n * 10n ** 17n, REFT)).to.equal("1.5 REFT");
    expect(formatAmount(10n ** 18n, REFT)).to.equal("1 REFT");
    expect(formatAmount(0n, REFT)).to.equal("0 REFT");
    expect(formatAmount(1000n, REFT)).to.equal("0.000000000000001 REFT (1000 units)");
    expect(formatAmount(-1000n * 10n ** 18n, REFT)).to.equal("-1000 REFT");
    expect(formatAmount(1234567n, USDC)).to.equal("1.234567 USDC");
    expect(formatAmount(1234567n, RAW)).to.equal("1234567 units of tokens");
  });

  it("reads a real token's symbol and decimals; a contract without them falls back with a note", async () => {
    const [deployer] = await hre.ethers.getSigners();
    const { TestToken__factory, MockConsumer__factory } = factories();
    const token = await new TestToken__factory(deployer).deploy();
    const t = await tokenInfo(token);
    expect(t).to.deep.include({ symbol: "REFT", decimals: 18, note: null });
    const notToken = await new MockConsumer__factory(deployer).deploy();
    const f = await tokenInfo(TestToken__factory.connect(await notToken.getAddress(), deployer));
    expect(f.symbol).to.equal("tokens");
    expect(f.decimals).to.equal(null);
    expect(f.note).to.match(/has no usable symbol\(\) or decimals\(\): amounts are in its base units$/);
  });
});

describe("chain: custom errors with named arguments, RPC errors with the node's reason", () => {
  const PROTOCOL = ["Coordinator", "DisputeGame", "Staking", "ModelRegistry", "OneStepVerifier"] as const;
  const abis = () => {
    const f = factories() as unknown as Record<string, { abi: readonly Record<string, unknown>[] }>;
    return PROTOCOL.map((n) => f[`${n}__factory`].abi);
  };
  type AbiError = { type: string; name: string; inputs: { name: string; type: string; internalType?: string }[] };

  it("every enum argument of a protocol error has its name table (status.ts); timestamps are the known ones", () => {
    const timestamps = new Set<string>();
    let enums = 0;
    for (const abi of abis())
      for (const e of abi as unknown as AbiError[]) {
        if (e.type !== "error") continue;
        for (const p of e.inputs) {
          const k = argKind(p);
          if (p.internalType?.startsWith("enum ")) {
            expect(typeof k, `${e.name}.${p.name} (${p.internalType}) has no name table`).to.equal("object");
            enums++;
          }
          if (k === "timestamp") timestamps.add(`${e.name}.${p.name}`);
        }
      }
    expect(enums).to.be.above(5);
    expect([...timestamps].sort()).to.deep.equal([
      "Coordinator_ChallengeWindowClosed.challengeDeadline",
      "Coordinator_ChallengeWindowOpen.challengeDeadline",
      "Coordinator_DeadlineInPast.deadline",
      "Coordinator_DeadlineInPast.timestamp",
      "Coordinator_DeadlineNotPassed.deadline",
      "Coordinator_DeadlinePassed.deadline",
      "Staking_UnbondingNotReady.readyAt",
      "Staking_UnbondingNotReady.timestamp",
    ]);
  });

  it("describes an error as Name(arg: value, …): enum names, ISO dates, durations", () => {
    const iface = new Interface(abis()[0]);
    const sel = (name: string) => iface.getError(name)!.selector;
    expect(describeError(sel("Coordinator_RequestNotOpen"), "Coordinator_RequestNotOpen", [5n, 3n])).to.equal(
      "Coordinator_RequestNotOpen(requestId: 5, status: Finalized)",
    );
    expect(
      describeError(sel("Coordinator_DeadlineInPast"), "Coordinator_DeadlineInPast", [1796292948n, 1796292950n]),
    ).to.equal("Coordinator_DeadlineInPast(deadline: 2026-12-03T10:15:48Z, timestamp: 2026-12-03T10:15:50Z)");
    expect(describeError(sel("Coordinator_RequestNotOpen"), "Coordinator_RequestNotOpen", [5n, 9n])).to.equal(
      "Coordinator_RequestNotOpen(requestId: 5, status: Unknown(9))",
    );
    const game = new Interface(abis()[1]);
    const clock = game.getError("DisputeGame_ClockRunning")!;
    expect(describeError(clock.selector, clock.name, [1n, "0x00000000000000000000000000000000000000aA", 30n])).to.equal(
      "DisputeGame_ClockRunning(gameId: 1, player: 0x00000000000000000000000000000000000000aA, secondsLeft: 30 s)",
    );
    expect(isoTime(2n ** 64n - 1n)).to.equal("18446744073709551615");
  });

  it("names the node's reason instead of 'could not coalesce error', and reads insufficient-funds replies", () => {
    const hardhat =
      "Sender doesn't have enough funds to send tx. The max upfront cost is: 29231813352000 and the sender's balance is: 0.";
    expect(insufficientFunds(hardhat)).to.deep.equal({ has: 0n, needs: 29231813352000n });
    const geth = "insufficient funds for gas * price + value: address 0xAb… have 1000 want 21000000000000";
    expect(insufficientFunds(geth)).to.deep.equal({ has: 1000n, needs: 21000000000000n });
    expect(insufficientFunds("nonce too low")).to.equal(null);
    const coalesce = (message: string) => ({
      code: "UNKNOWN_ERROR",
      shortMessage: "could not coalesce error",
      error: { code: -32000, message, data: { message, data: null } },
    });
    expect(shortMessageOf(coalesce("nonce too low: next nonce 5, tx nonce 4"))).to.equal(
      "nonce too low: next nonce 5, tx nonce 4",
    );
    expect(shortMessageOf(coalesce(hardhat))).to.equal(
      "insufficient funds: the sender has 0 ETH, needs 0.000029231813352 ETH (gas limit × max fee per gas + value)",
    );
  });
});
