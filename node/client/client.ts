// The dApp's entry to a Referee deployment: quote a fee, send a request with typed-array
// inputs (approval and deadline handled), follow it to its verified result by events, decode
// outputs, read a request's state. Built from any ethers 6 Signer (to send) or Provider (to
// read) and the deployment's addresses.
import { ZeroAddress, getAddress, isAddress } from "ethers";
import type { ContractRunner, Interface, Provider, Signer, TransactionReceipt } from "ethers";
import type { Coordinator, ModelRegistry, TestToken } from "../../typechain-types";
import { ensureAllowance } from "../chain/allowance";
import { type DeploymentRecord, protocolInterfaces } from "../chain/deploy";
import { factories } from "../chain/factories";
import { withRetry } from "../chain/retry";
import { TxSender } from "../chain/sender";
import { RefereeError } from "../errors";
import { type RequestInputs, encodeRequestInputs } from "./inputs";
import { type OutputTensor, decodeOutputs } from "./outputs";
import { type ModelSpec, type ProgramInterface, chainModelSpec, compiledModelSpec } from "./spec";
import { type RequestView, requestView } from "./status";
import { type VerifiedResult, type WaitOptions, waitForResult } from "./wait";

/** A deployment given by address: the coordinator leads to the registry and the token. */
export interface DeploymentAddresses {
  coordinator: string;
  /** The block the deployment was made in: event scans start there (default 0). */
  fromBlock?: number;
}

export interface ClientOptions {
  /** Pause between reads of new blocks while waiting, ms (default 1000). */
  pollMs?: number;
  /** Consumer ABIs to name a failed callback's custom error by (the protocol's are always tried). */
  consumerInterfaces?: readonly Interface[];
}

export interface Quote {
  /** The coordinator's fee for the model and callback gas, in token units. */
  fee: bigint;
  /** N, the model's step count: the fee's per-step part is priced on it. */
  steps: bigint;
  /** The request's input size: 4 bytes per input value (§5.1); the fee does not depend on it, the gas does. */
  inputBytes: number;
}

export interface RequestOptions {
  /** Called back with the result at finalization (IInferenceConsumer); default none. */
  consumer?: string;
  /** Gas for the callback (priced in the fee); default 200,000 with a consumer, else 0. */
  callbackGasLimit?: number;
  /** Claims accepted for this many seconds from max(latest block time, wall clock); default 3600. */
  ttl?: number;
  /** An explicit deadline (unix s) instead of ttl. */
  deadline?: number;
  /** At least the quote (the default). */
  fee?: bigint;
  /** How to let the coordinator take the fee: "max" (one unlimited approval, the default), "exact" (the fee each time), "none" (already approved). */
  approve?: "max" | "exact" | "none";
}

export interface SentRequest {
  requestId: bigint;
  modelId: string;
  fee: bigint;
  deadline: number;
  /** The request input bytes (§5.1) and their keccak256, what a consumer is called with. */
  input: string;
  inputHash: string;
  receipt: TransactionReceipt;
}

const DEFAULT_CALLBACK_GAS = 200_000;

function isSigner(r: Signer | Provider): r is Signer {
  return typeof (r as Signer).getAddress === "function" && typeof (r as Signer).signTransaction === "function";
}

function isRecord(d: DeploymentRecord | DeploymentAddresses): d is DeploymentRecord {
  return "addresses" in d;
}

export class RefereeClient {
  private readonly specs = new Map<string, Promise<ModelSpec>>();
  private sender: Promise<TxSender> | null = null;

  private constructor(
    readonly provider: Provider,
    readonly signer: Signer | null,
    readonly coordinator: Coordinator,
    readonly registry: ModelRegistry,
    readonly token: TestToken,
    readonly coordinatorAddress: string,
    readonly fromBlock: number,
    private readonly options: ClientOptions,
  ) {}

  /**
   * A client of the deployment `deployment` (a deployments/<network>.json record, or the
   * coordinator's address), checked against the chain: a record of another chain, or an
   * address with no contract (a restarted dev node), is refused with one line.
   */
  static async connect(
    runner: Signer | Provider,
    deployment: DeploymentRecord | DeploymentAddresses,
    options: ClientOptions = {},
  ): Promise<RefereeClient> {
    const signer = isSigner(runner) ? runner : null;
    const provider = signer ? signer.provider : (runner as Provider);
    if (!provider) throw new RefereeError("USAGE", "the signer has no provider: connect it to one first");
    const address = isRecord(deployment) ? deployment.addresses.coordinator : deployment.coordinator;
    if (!isAddress(address)) throw new RefereeError("USAGE", `the coordinator address '${address}' is not an address`);
    const chainId = Number((await withRetry(() => provider.getNetwork())).chainId);
    if (isRecord(deployment) && deployment.chainId !== chainId)
      throw new RefereeError(
        "USAGE",
        `the deployment record is for chain ${deployment.chainId}, but the provider is on chain ${chainId}`,
      );
    if ((await withRetry(() => provider.getCode(address))) === "0x")
      throw new RefereeError(
        "CHAIN",
        `no contract at the coordinator address ${address} on chain ${chainId}: the deployment record is stale (a restarted dev node needs a new deployment)`,
      );
    const f = factories();
    const run: ContractRunner = signer ?? provider;
    const coordinator = f.Coordinator__factory.connect(address, run);
    const registry = f.ModelRegistry__factory.connect(await withRetry(() => coordinator.REGISTRY()), run);
    const token = f.TestToken__factory.connect(await withRetry(() => coordinator.TOKEN()), run);
    const fromBlock = isRecord(deployment) ? deployment.fromBlock : (deployment.fromBlock ?? 0);
    return new RefereeClient(provider, signer, coordinator, registry, token, getAddress(address), fromBlock, options);
  }

  /**
   * Names, dims and element types of `modelId`'s inputs and outputs from the dApp's compiled
   * model (refused unless they are the registered model's): inputs are then type-checked.
   */
  async useCompiledModel(modelId: string, program: ProgramInterface): Promise<ModelSpec> {
    const spec = compiledModelSpec(this.registry, modelId, program);
    this.specs.set(modelId.toLowerCase(), spec);
    spec.catch(() => this.specs.delete(modelId.toLowerCase()));
    return spec;
  }

  /** The model's inputs and outputs: the compiled model's if given, else what the chain records (see SpecSource). */
  modelSpec(modelId: string): Promise<ModelSpec> {
    const key = modelId.toLowerCase();
    let spec = this.specs.get(key);
    if (!spec) {
      spec = chainModelSpec(this.registry, this.provider, this.fromBlock, modelId);
      this.specs.set(key, spec);
      spec.catch(() => this.specs.delete(key));
    }
    return spec;
  }

  async quote(modelId: string, o: { callbackGasLimit?: number } = {}): Promise<Quote> {
    const spec = await this.modelSpec(modelId);
    const fee = await withRetry(() => this.coordinator.quoteFee(modelId, o.callbackGasLimit ?? 0));
    const values = spec.inputs.reduce((n, s) => n + s.dims.reduce((a, b) => a * b, 1), 0);
    return { fee, steps: spec.steps, inputBytes: 4 * values };
  }

  /** The request input bytes (§5.1) for `inputs`: what `request` sends. */
  async encodeInputs(modelId: string, inputs: RequestInputs): Promise<string> {
    return encodeRequestInputs(await this.modelSpec(modelId), inputs);
  }

  /** Sends a request for `modelId` on `inputs`, approving the fee first when needed. */
  async request(modelId: string, inputs: RequestInputs, o: RequestOptions = {}): Promise<SentRequest> {
    const sender = await this.txSender();
    // The dApp may send its own transactions from this signer between requests: read the
    // account's nonce afresh instead of trusting the sender's count.
    sender.resetNonce();
    const consumer = o.consumer ?? ZeroAddress;
    if (!isAddress(consumer)) throw new RefereeError("USAGE", `consumer '${consumer}' is not an address`);
    const callbackGas = o.callbackGasLimit ?? (consumer === ZeroAddress ? 0 : DEFAULT_CALLBACK_GAS);
    const ttl = o.ttl ?? 3600;
    if (!Number.isSafeInteger(ttl) || ttl <= 0)
      throw new RefereeError("USAGE", `ttl must be a positive whole number of seconds, got ${ttl}`);
    const input = await this.encodeInputs(modelId, inputs);
    const quote = await withRetry(() => this.coordinator.quoteFee(modelId, callbackGas));
    const fee = o.fee ?? quote;
    if (fee < quote) throw new RefereeError("USAGE", `fee ${fee} is below the coordinator's quote ${quote}`);
    const balance = await withRetry(() => this.token.balanceOf(sender.address));
    if (balance < fee)
      throw new RefereeError("CHAIN", `${sender.address} holds ${balance} token units, the fee is ${fee}`);
    const approve = o.approve ?? "max";
    if (approve === "max") await ensureAllowance(sender, this.token, this.coordinatorAddress, fee);
    else if (
      approve === "exact" &&
      (await withRetry(() => this.token.allowance(sender.address, this.coordinatorAddress))) < fee
    )
      await sender.send(() => this.token.approve.populateTransaction(this.coordinatorAddress, fee));
    const deadline = o.deadline ?? (await this.now()) + ttl;
    const sent = await sender.send(() =>
      this.coordinator.request.populateTransaction(modelId, input, fee, consumer, callbackGas, deadline),
    );
    for (const l of sent.receipt.logs) {
      if (l.address.toLowerCase() !== this.coordinatorAddress.toLowerCase()) continue;
      const ev = this.coordinator.interface.parseLog(l);
      if (ev?.name === "Requested")
        return {
          requestId: ev.args.requestId as bigint,
          modelId,
          fee,
          deadline,
          input,
          inputHash: ev.args.inputHash as string,
          receipt: sent.receipt,
        };
    }
    throw new RefereeError("CHAIN", `transaction ${sent.hash} logged no Requested event`);
  }

  /** Resolves once the request is final, from its events; rejects (RequestWaitError) on refund, expiry, timeout or abort. */
  waitForResult(requestId: bigint, o: WaitOptions = {}): Promise<VerifiedResult> {
    return waitForResult(
      {
        coordinator: this.coordinator,
        coordinatorAddress: this.coordinatorAddress,
        provider: this.provider,
        fromBlock: this.fromBlock,
        spec: (id) => this.modelSpec(id),
        callbackInterfaces: [...(this.options.consumerInterfaces ?? []), ...protocolInterfaces()],
      },
      requestId,
      { pollMs: this.options.pollMs, ...o },
    );
  }

  /** `output` bytes (§5.2) of `modelId` as one typed array per output, shaped by the model spec. */
  async decodeOutputs(modelId: string, output: string): Promise<OutputTensor[]> {
    return decodeOutputs(output, (await this.modelSpec(modelId)).outputs);
  }

  /** The request's state, its enums by name. */
  async status(requestId: bigint): Promise<RequestView> {
    // Expired by the chain's clock: a claim is accepted while the latest block is not past the deadline.
    const head = await withRetry(() => this.provider.getBlock("latest"));
    return requestView(this.coordinator, requestId, head?.timestamp ?? 0);
  }

  /**
   * Now for deadlines: the later of the latest block's time and the wall clock. An idle dev
   * chain's last block can be far behind the clock (a deadline from it would be past already),
   * and a chain whose time was moved forward is ahead of it.
   */
  async now(): Promise<number> {
    const head = await withRetry(() => this.provider.getBlock("latest"));
    return Math.max(head?.timestamp ?? 0, Math.floor(Date.now() / 1000));
  }

  private txSender(): Promise<TxSender> {
    if (this.signer === null)
      return Promise.reject(new RefereeError("USAGE", "this client was built from a provider: requests need a signer"));
    this.sender ??= TxSender.of(this.signer, protocolInterfaces());
    return this.sender;
  }
}
