// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ICoordinator} from "./interfaces/ICoordinator.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";

/// @title RefereeConsumer
/// @notice The base a dApp inherits to ask Referee for verified inference and act on the
///         result (as Chainlink's FunctionsClient is for Functions): it makes requests,
///         remembers them, authenticates the Coordinator's callback and hands the output of
///         each of its own requests, once, to `_fulfill`. docs/CONSUMER.md has a full example.
///
///         1. `_requestInference(modelId, input, callbackGasLimit, ttl, maxFee)` quotes the fee,
///            approves exactly that to the Coordinator, and requests with deadline
///            `block.timestamp + ttl`. The fee is paid from this contract's FEE_TOKEN balance:
///            pull it from your user first (see WakeWordVault.requestUnlock).
///         2. Operators claim, the challenge window passes, anyone calls `finalize`: the
///            Coordinator calls `onInferenceResult`, which checks everything PROTOCOL §5.5 asks
///            of a consumer and calls `_fulfill(requestId, output)`.
///         3. A request no claim answered by its deadline (or whose input held a NaN) is
///            refunded by the Coordinator to this contract (anyone may call
///            `Coordinator.refund` after the deadline): `_clearRefunded(requestId)` forgets it
///            and returns its fee, `_withdrawRefunds()` collects the refunded tokens.
///
///         Compiler: solc >=0.8.24 <0.9.0. OpenZeppelin 5.4's SafeERC20 needs ^0.8.20; this
///         file, the interfaces and the libraries they import (Types, Hashes, LibClock) use no
///         feature newer than 0.8.18 (named mapping parameters) and no Cancun opcode; 0.8.24
///         is the first solc that targets Cancun, the EVM the protocol is deployed for
///         (hardhat.config.ts), so it is the floor stated. Checked with solc 0.8.30, the one
///         installed (test/consumer-compile.test.ts: the closure's pragmas, a compile alone
///         for paris and cancun with no warning).
/// @dev INVARIANT (requests): a request id is pending here iff this contract made it with
///      `_requestInference` and it was neither fulfilled nor cleared as refunded since; its
///      record holds the model and input hash it was made with.
///      INVARIANT (allowance): FEE_TOKEN's allowance to the Coordinator is 0 between calls:
///      each request approves exactly the fee the Coordinator then pulls.
abstract contract RefereeConsumer is IInferenceConsumer {
    using SafeERC20 for IERC20;

    /// @notice What a pending request was made with: the callback must carry the same.
    /// @param modelId The model asked for; never 0 for a pending request (ids are hashes).
    /// @param inputHash keccak256 of the input bytes sent (§5.1).
    struct PendingRequest {
        bytes32 modelId;
        bytes32 inputHash;
    }

    /// @notice The Coordinator requests go to and the only caller of `onInferenceResult`.
    ICoordinator public immutable COORDINATOR;
    /// @notice The token the Coordinator charges fees (and pays refunds) in.
    IERC20 public immutable FEE_TOKEN;

    mapping(uint256 requestId => PendingRequest) private _pendingRequests;

    /// @notice This contract asked the Coordinator for inference.
    /// @param requestId The Coordinator's request id, now pending here.
    /// @param modelId The model asked for.
    /// @param inputHash keccak256 of the input bytes.
    /// @param fee FEE_TOKEN units paid: the Coordinator's quote.
    /// @param deadline Unix time (s) after which the request is refunded if no claim stood.
    event InferenceRequested(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        bytes32 inputHash,
        uint256 fee,
        uint64 deadline
    );
    /// @notice A pending request's verified result arrived and was passed to `_fulfill`.
    /// @param requestId The request, no longer pending.
    event InferenceFulfilled(uint256 indexed requestId);
    /// @notice A refunded request was forgotten; its fee is owed back to this contract.
    /// @param requestId The request, no longer pending.
    /// @param fee FEE_TOKEN units the Coordinator credited to this contract.
    event InferenceRefunded(uint256 indexed requestId, uint256 fee);

    /// @notice Constructor argument: no Coordinator.
    error RefereeConsumer_ZeroCoordinator();
    /// @notice A callback from anyone but COORDINATOR.
    /// @param caller The sender.
    error RefereeConsumer_NotCoordinator(address caller);
    /// @notice A callback, or a refund to clear, for a request that is not pending here: made
    ///         by someone else, already fulfilled (a replay) or already cleared.
    /// @param requestId The request.
    error RefereeConsumer_UnknownRequest(uint256 requestId);
    /// @notice A callback whose requester is not this contract.
    /// @param requestId The request.
    /// @param requester The requester the Coordinator named.
    error RefereeConsumer_NotOwnRequest(uint256 requestId, address requester);
    /// @notice A callback for another model than the request was made for.
    /// @param requestId The request.
    /// @param expected The model recorded at request time.
    /// @param actual The model the callback named.
    error RefereeConsumer_WrongModel(uint256 requestId, bytes32 expected, bytes32 actual);
    /// @notice A callback for other input bytes than the request sent.
    /// @param requestId The request.
    /// @param expected keccak256 of the input recorded at request time.
    /// @param actual The input hash the callback named.
    error RefereeConsumer_WrongInput(uint256 requestId, bytes32 expected, bytes32 actual);
    /// @notice The Coordinator's quote is above what the caller agreed to pay.
    /// @param fee The quote.
    /// @param maxFee The most the caller accepted.
    error RefereeConsumer_FeeAboveMax(uint256 fee, uint256 maxFee);
    /// @notice A request with a time-to-live of 0 s: its deadline would already have passed.
    error RefereeConsumer_ZeroTtl();
    /// @notice `_clearRefunded` on a request the Coordinator has not refunded.
    /// @param requestId The request.
    /// @param status Its status at the Coordinator.
    error RefereeConsumer_NotRefunded(uint256 requestId, ICoordinator.RequestStatus status);

    modifier onlyCoordinator() {
        if (msg.sender != address(COORDINATOR)) revert RefereeConsumer_NotCoordinator(msg.sender);
        _;
    }

    /// @notice Binds the consumer to a Coordinator and reads its fee token.
    /// @param _coordinator The Coordinator requests go to; not 0.
    constructor(ICoordinator _coordinator) {
        if (address(_coordinator) == address(0)) revert RefereeConsumer_ZeroCoordinator();
        COORDINATOR = _coordinator;
        FEE_TOKEN = _coordinator.TOKEN();
    }

    /// @inheritdoc IInferenceConsumer
    /// @dev Not virtual: a derived contract receives results through `_fulfill` only, after
    ///      these checks. A revert (here or in `_fulfill`) leaves the request pending and the
    ///      Coordinator records CallbackFailed; anyone may then `retryCallback`.
    function onInferenceResult(
        uint256 _requestId,
        bytes32 _modelId,
        address _requester,
        bytes32 _inputHash,
        bytes calldata _output
    ) external onlyCoordinator {
        PendingRequest memory p = _pendingRequests[_requestId];
        // INVARIANT: only requests this contract made and has not yet been given a result
        // for: anyone may name this contract as the consumer of their own request (§5.5).
        if (p.modelId == bytes32(0)) revert RefereeConsumer_UnknownRequest(_requestId);
        // Implied by the line above while the Coordinator keeps its records, checked anyway:
        // they cost little and are what §5.5 asks of every consumer.
        if (_requester != address(this)) revert RefereeConsumer_NotOwnRequest(_requestId, _requester);
        if (_modelId != p.modelId) revert RefereeConsumer_WrongModel(_requestId, p.modelId, _modelId);
        if (_inputHash != p.inputHash) revert RefereeConsumer_WrongInput(_requestId, p.inputHash, _inputHash);
        // INVARIANT: a request is fulfilled once: cleared before the derived contract runs.
        delete _pendingRequests[_requestId];
        emit InferenceFulfilled(_requestId);
        _fulfill(_requestId, _output);
    }

    /// @notice The record of a request pending here.
    /// @param _requestId Any id.
    /// @return pending_ Its model and input hash; all zero if it is not pending here.
    function pendingRequest(uint256 _requestId) external view returns (PendingRequest memory pending_) {
        pending_ = _pendingRequests[_requestId];
    }

    /// @notice The verified result of one of this contract's requests.
    /// @dev Called once per request, with the output of the claim that stood. Runs within the
    ///      request's callbackGasLimit; a revert makes the callback fail (retryable, the
    ///      request stays pending here). Read values with LibBinary32.
    /// @param _requestId The request, as returned by `_requestInference`.
    /// @param _output The model outputs in order, each value a big-endian binary32 (§5.2).
    function _fulfill(uint256 _requestId, bytes memory _output) internal virtual;

    /// @notice Requests inference of `_modelId` on `_input`, paying the Coordinator's quote
    ///         from this contract's FEE_TOKEN balance, with this contract as the consumer.
    /// @param _modelId A registered model's id.
    /// @param _input Every input value, big-endian binary32, concatenated in model order (§5.1).
    /// @param _callbackGasLimit Gas `_fulfill` gets (the quote grows with it).
    /// @param _ttl Seconds from now until the deadline; positive.
    /// @param _maxFee The most FEE_TOKEN units to pay; reverts if the quote is higher.
    /// @return requestId_ The Coordinator's request id, now pending here.
    /// @return fee_ FEE_TOKEN units paid.
    function _requestInference(
        bytes32 _modelId,
        bytes memory _input,
        uint32 _callbackGasLimit,
        uint64 _ttl,
        uint256 _maxFee
    ) internal returns (uint256 requestId_, uint256 fee_) {
        if (_ttl == 0) revert RefereeConsumer_ZeroTtl();
        fee_ = COORDINATOR.quoteFee(_modelId, _callbackGasLimit);
        if (fee_ > _maxFee) revert RefereeConsumer_FeeAboveMax(fee_, _maxFee);
        // From the block's time, not the sender's clock: a deadline is never in the past.
        uint64 deadline = uint64(block.timestamp) + _ttl;
        bytes32 inputHash = keccak256(_input);
        FEE_TOKEN.forceApprove(address(COORDINATOR), fee_);
        // The id exists only once the Coordinator returns, so the record is written after the
        // call. The Coordinator is trusted (immutable) and locked against reentry while it runs,
        // so no callback can arrive for this id before it is recorded.
        requestId_ = COORDINATOR.request(_modelId, _input, fee_, address(this), _callbackGasLimit, deadline);
        _pendingRequests[requestId_] = PendingRequest({modelId: _modelId, inputHash: inputHash});
        emit InferenceRequested(requestId_, _modelId, inputHash, fee_, deadline);
    }

    /// @notice The Coordinator's fee for a request of `_modelId` with `_callbackGasLimit`.
    /// @param _modelId A registered model's id.
    /// @param _callbackGasLimit The callback gas the request would ask for.
    /// @return fee_ FEE_TOKEN units `_requestInference` would pay now.
    function _quoteFee(bytes32 _modelId, uint32 _callbackGasLimit) internal view returns (uint256 fee_) {
        fee_ = COORDINATOR.quoteFee(_modelId, _callbackGasLimit);
    }

    /// @notice Forgets a pending request the Coordinator refunded (no claim stood by its
    ///         deadline, or its input held a NaN), so the dApp can act on it, e.g. retry or
    ///         owe the fee to whoever paid it. The fee is credited to this contract at the
    ///         Coordinator; `_withdrawRefunds` collects it.
    /// @param _requestId A request pending here.
    /// @return fee_ FEE_TOKEN units the Coordinator credited to this contract for it.
    function _clearRefunded(uint256 _requestId) internal returns (uint256 fee_) {
        if (_pendingRequests[_requestId].modelId == bytes32(0)) revert RefereeConsumer_UnknownRequest(_requestId);
        ICoordinator.Request memory r = COORDINATOR.getRequest(_requestId);
        if (r.status != ICoordinator.RequestStatus.Refunded) revert RefereeConsumer_NotRefunded(_requestId, r.status);
        delete _pendingRequests[_requestId];
        fee_ = r.fee;
        emit InferenceRefunded(_requestId, fee_);
    }

    /// @notice Moves every refund the Coordinator credited to this contract into its
    ///         FEE_TOKEN balance (the Coordinator pays refunds by pull, IPullPayments).
    /// @return amount_ FEE_TOKEN units received; 0 if nothing was credited.
    function _withdrawRefunds() internal returns (uint256 amount_) {
        amount_ = COORDINATOR.payoutOf(address(this));
        if (amount_ != 0) COORDINATOR.withdraw();
    }
}
