// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ICoordinator} from "./interfaces/ICoordinator.sol";
import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {PullPayments} from "./PullPayments.sol";
import {LibCommitment} from "./lib/LibCommitment.sol";
import {LibTensorRoot} from "./lib/LibTensorRoot.sol";
import {Space} from "./lib/Isa.sol";
import {FinalState, OutputSlot, ProgramHeader} from "./lib/Types.sol";

/// @title Coordinator
/// @notice Requests, claims (commit, then reveal the output), the challenge window,
///         finalization and refunds (protocol v3).
///
///     request ──▶ Open ──commitClaim, claim──▶ Claimed ──finalize (window closed, no open game)──▶ Finalized
///                  │  ▲                          │
///                  │  └─reopen, deadline + time──┤ a game rejects the claim
///                  ▼       the claim held it     │
///               refund (after the deadline)      └─ the first game finds a NaN in the input ──▶ Refunded
///                  ▼
///               Refunded
///
///     A request stores keccak256 of its input, a claim keccak256 of its output: the bytes
///     travel in calldata and events only (§5.1, §5.2), so their size is bounded by gas, not
///     storage. The inputs root is computed by the first game on the request; the claim's
///     halted state is revealed by its claimer in its first game.
///
/// @dev INVARIANT (value): token.balanceOf(this) = totalEscrowedFees() + totalPayouts()
///      (plus tokens sent here directly). Fees enter at `request` and leave escrow exactly
///      once: to the operator's payout at `finalize`, or to the requester's at a refund.
contract Coordinator is ICoordinator, Ownable, PullPayments {
    using SafeERC20 for IERC20;

    /// @notice The protocol's claim flow version (docs/PROTOCOL.md): 3 = commit–reveal claims
    ///         of output hashes, halted state revealed only in games.
    uint256 public constant PROTOCOL_VERSION = 3;

    /// @notice Gas kept on top of the callback's share: the CALL itself and the bookkeeping after it.
    uint256 public constant CALLBACK_GAS_MARGIN = 30_000;

    /// @notice Where models are registered; gives each request's input spec and step count.
    IModelRegistry public immutable REGISTRY;
    /// @notice Where operators' stakes are locked by claims and slashed when claims lose.
    IStaking public immutable STAKING;
    /// @notice Seconds after a claim during which games can be opened against it.
    uint64 public immutable CHALLENGE_WINDOW;
    /// @notice Stake locked by each claim, slashed if the claim loses a game.
    uint96 public immutable CLAIM_BOND;
    /// @notice Largest callback gas limit a request may ask for.
    uint32 public immutable MAX_CALLBACK_GAS;

    /// @notice The dispute game contract, set once by the owner.
    address public disputeGame;
    /// @notice Requests made so far; also the last request's id.
    uint256 public requestCount;
    /// @notice Claims made so far; also the last claim's id.
    uint256 public claimCount;

    FeeSchedule private _fees;
    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 claimId => Claim) private _claims;
    mapping(uint256 requestId => mapping(address operator => Commitment)) private _commitments;
    uint256 private _totalEscrowedFees;

    modifier onlyDisputeGame() {
        if (msg.sender != disputeGame) revert Coordinator_NotDisputeGame(msg.sender);
        _;
    }

    constructor(
        IERC20 _token,
        IModelRegistry _registry,
        IStaking _staking,
        uint64 _challengeWindow,
        uint96 _claimBond,
        uint32 _maxCallbackGas,
        FeeSchedule memory _feeSchedule,
        address _owner
    ) Ownable(_owner) PullPayments(_token) {
        if (address(_token) == address(0) || address(_registry) == address(0) || address(_staking) == address(0)) {
            revert Coordinator_ZeroAddress();
        }
        // A claim with nothing at stake could lie for free.
        if (_claimBond == 0) revert Coordinator_ZeroBond();
        // With no window no game could ever open: every claim would finalize unchallenged.
        if (_challengeWindow == 0) revert Coordinator_ZeroChallengeWindow();
        REGISTRY = _registry;
        STAKING = _staking;
        CHALLENGE_WINDOW = _challengeWindow;
        CLAIM_BOND = _claimBond;
        MAX_CALLBACK_GAS = _maxCallbackGas;
        _fees = _feeSchedule;
        emit FeeScheduleUpdated(_feeSchedule.base, _feeSchedule.perMillionSteps, _feeSchedule.perCallbackGas);
    }

    // ---------------------------------------------------------------------------------------
    // Administration

    /// @notice Sets the dispute game contract; once. Until then requests are refused, so no
    ///         claim exists that no game could challenge.
    /// @param _disputeGame The only caller of the dispute game hooks from now on; not 0.
    function setDisputeGame(address _disputeGame) external onlyOwner {
        if (_disputeGame == address(0)) revert Coordinator_ZeroAddress();
        if (disputeGame != address(0)) revert Coordinator_DisputeGameAlreadySet(disputeGame);
        disputeGame = _disputeGame;
        emit DisputeGameSet(_disputeGame);
    }

    /// @notice Changes the fee schedule for new requests.
    /// @param _feeSchedule Token units: base, per 10^6 steps, per unit of callback gas.
    function setFeeSchedule(FeeSchedule calldata _feeSchedule) external onlyOwner {
        _fees = _feeSchedule;
        emit FeeScheduleUpdated(_feeSchedule.base, _feeSchedule.perMillionSteps, _feeSchedule.perCallbackGas);
    }

    /// @notice The fee schedule `quoteFee` applies.
    /// @return fees_ Token units: base, per 10^6 steps, per unit of callback gas.
    function feeSchedule() external view returns (FeeSchedule memory fees_) {
        fees_ = _fees;
    }

    // ---------------------------------------------------------------------------------------
    // Requests

    /// @inheritdoc ICoordinator
    function request(
        bytes32 _modelId,
        bytes calldata _input,
        uint256 _fee,
        address _consumer,
        uint32 _callbackGasLimit,
        uint64 _deadline
    ) external nonReentrant returns (uint256 requestId_) {
        // INVARIANT: no request (so no claim, which needs one) before the dispute game is set:
        // every claim is challengeable from the moment it is made. setDisputeGame is final.
        if (disputeGame == address(0)) revert Coordinator_NotWired();
        // Reverts for an unknown model. A registered model cannot be withdrawn (§5.4): nobody
        // can stop the requests of a dApp pinned to its id.
        (uint64 steps, uint32[] memory lengths) = REGISTRY.requestSpec(_modelId);
        if (_deadline <= block.timestamp) revert Coordinator_DeadlineInPast(_deadline, block.timestamp);
        if (_callbackGasLimit > MAX_CALLBACK_GAS) {
            revert Coordinator_CallbackGasTooHigh(_callbackGasLimit, MAX_CALLBACK_GAS);
        }
        uint256 quote = _quote(steps, _callbackGasLimit);
        if (_fee < quote) revert Coordinator_FeeTooLow(_fee, quote);
        if (_fee > type(uint96).max) revert Coordinator_FeeTooHigh(_fee);
        uint256 values;
        for (uint256 i; i < lengths.length; ++i) values += lengths[i];
        // INVARIANT: the bytes are exactly the model's inputs, 4 bytes per value. Their values
        // (NaN) are checked only if a game needs the inputs root (onChallenge).
        if (_input.length != values * 4) revert Coordinator_InputLengthMismatch(_modelId, values * 4, _input.length);
        Request memory r = Request({
            requester: msg.sender,
            deadline: _deadline,
            callbackGasLimit: _callbackGasLimit,
            consumer: _consumer,
            fee: uint96(_fee),
            modelId: _modelId,
            inputsRoot: bytes32(0),
            inputHash: keccak256(_input),
            claimId: 0,
            status: RequestStatus.Open,
            callbackStatus: CallbackStatus.None
        });
        requestId_ = ++requestCount;
        _requests[requestId_] = r;
        _totalEscrowedFees += _fee;
        _emitRequested(requestId_, r, _input);
        TOKEN.safeTransferFrom(msg.sender, address(this), _fee);
    }

    /// @inheritdoc ICoordinator
    function quoteFee(bytes32 _modelId, uint32 _callbackGasLimit) external view returns (uint256 fee_) {
        (uint64 steps, ) = REGISTRY.requestSpec(_modelId);
        fee_ = _quote(steps, _callbackGasLimit);
    }

    /// @inheritdoc ICoordinator
    function refund(uint256 _requestId) external nonReentrant {
        Request storage r = _request(_requestId);
        if (r.status != RequestStatus.Open) revert Coordinator_RequestNotOpen(_requestId, r.status);
        if (block.timestamp <= r.deadline) revert Coordinator_DeadlineNotPassed(_requestId, r.deadline);
        _refund(_requestId, r);
    }

    // ---------------------------------------------------------------------------------------
    // Claims

    /// @inheritdoc ICoordinator
    function commitClaim(uint256 _requestId, bytes32 _commitment) external {
        Request storage r = _request(_requestId);
        // A commitment takes no slot and locks nothing: committing cannot block anyone, so it
        // is allowed while another claim is pending (ready for a reopening).
        if (r.status > RequestStatus.Claimed) revert Coordinator_RequestEnded(_requestId, r.status);
        _commitments[_requestId][msg.sender] = Commitment(_commitment, uint64(block.number));
        emit ClaimCommitted(_requestId, msg.sender, _commitment);
    }

    /// @inheritdoc ICoordinator
    function claim(
        uint256 _requestId,
        bytes calldata _output,
        bytes32 _salt
    ) external nonReentrant returns (uint256 claimId_) {
        Request storage r = _request(_requestId);
        // INVARIANT: one pending claim per request, and only on an open request.
        if (r.status != RequestStatus.Open) revert Coordinator_RequestNotOpen(_requestId, r.status);
        // INVARIANT: claims are accepted up to the deadline.
        if (block.timestamp > r.deadline) revert Coordinator_DeadlinePassed(_requestId, r.deadline);
        bytes32 outputHash = keccak256(_output);
        _openCommitment(_requestId, outputHash, _salt);
        claimId_ = _recordClaim(_requestId, r, _output, outputHash);
        // Reverts unless the caller has CLAIM_BOND of free stake: only staked operators claim.
        STAKING.lock(msg.sender, CLAIM_BOND);
    }

    /// @inheritdoc ICoordinator
    function finalize(uint256 _requestId, bytes calldata _output) external {
        // Outside the lock: the game calls back into the hooks. A rejection must be kept, so
        // return rather than revert (a revert would undo it).
        if (_settleTimedOutGames(_requestId)) return;
        _finalize(_requestId, _output);
    }

    function _finalize(uint256 _requestId, bytes calldata _output) private nonReentrant {
        Request storage r = _request(_requestId);
        if (r.status != RequestStatus.Claimed) revert Coordinator_RequestNotClaimed(_requestId, r.status);
        uint256 claimId = r.claimId;
        Claim storage c = _claims[claimId];
        // INVARIANT: the challenge window has closed.
        if (block.timestamp < c.challengeDeadline) revert Coordinator_ChallengeWindowOpen(claimId, c.challengeDeadline);
        // INVARIANT: every game opened against the claim ended in its favour.
        if (c.openGames != 0) revert Coordinator_GamesOpen(claimId, c.openGames);
        // INVARIANT: the consumer gets the claimed output, byte for byte.
        _checkOutputHash(claimId, c.outputHash, _output);

        c.status = ClaimStatus.Finalized;
        r.status = RequestStatus.Finalized;
        uint256 fee = r.fee;
        _totalEscrowedFees -= fee;
        _credit(c.operator, fee);
        emit Finalized(_requestId, claimId, c.operator, fee);
        STAKING.unlock(c.operator, c.bond);

        if (r.consumer == address(0)) {
            r.callbackStatus = CallbackStatus.NotRequested;
        } else {
            _deliver(_requestId, r, _output);
        }
    }

    /// @inheritdoc ICoordinator
    function retryCallback(uint256 _requestId, bytes calldata _output) external nonReentrant {
        Request storage r = _requests[_requestId];
        if (r.callbackStatus != CallbackStatus.Failed) {
            revert Coordinator_CallbackNotRetryable(_requestId, r.callbackStatus);
        }
        uint256 claimId = r.claimId;
        _checkOutputHash(claimId, _claims[claimId].outputHash, _output);
        _deliver(_requestId, r, _output);
    }

    // ---------------------------------------------------------------------------------------
    // Dispute game hooks

    /// @inheritdoc ICoordinator
    function onChallenge(
        uint256 _claimId,
        bytes calldata _input
    ) external onlyDisputeGame nonReentrant returns (ChallengeContext memory context_) {
        Claim storage c = _pendingClaim(_claimId);
        // INVARIANT: games open only inside the challenge window.
        if (block.timestamp >= c.challengeDeadline)
            revert Coordinator_ChallengeWindowClosed(_claimId, c.challengeDeadline);
        uint256 requestId = c.requestId;
        Request storage r = _requests[requestId];
        bytes32 inputsRoot = r.inputsRoot;
        if (inputsRoot == bytes32(0)) {
            // The first game on the request: the root is computed once, from the bytes the
            // request committed to (§5.1).
            bytes32 inputHash = keccak256(_input);
            if (inputHash != r.inputHash) revert Coordinator_InputHashMismatch(requestId, r.inputHash, inputHash);
            uint256 nanIndex;
            (, uint32[] memory lengths) = REGISTRY.requestSpec(r.modelId);
            (inputsRoot, nanIndex) = _computeInputsRoot(_input, lengths);
            if (nanIndex != LibTensorRoot.NO_NAN) {
                _void(requestId, r, _claimId, c, nanIndex);
                context_.voided = true;
                return context_;
            }
            r.inputsRoot = inputsRoot;
            emit InputsRootComputed(requestId, inputsRoot);
        }
        c.openGames += 1;
        emit ClaimChallenged(_claimId, c.openGames);
        context_ = ChallengeContext({
            claimer: c.operator,
            modelId: r.modelId,
            inputsRoot: inputsRoot,
            finalStateHash: c.finalStateHash,
            voided: false
        });
    }

    /// @inheritdoc ICoordinator
    function onReveal(
        uint256 _claimId,
        bytes calldata _output,
        FinalState calldata _final,
        bytes32[][] calldata _outputProofs
    ) external onlyDisputeGame nonReentrant returns (bytes32 finalStateHash_) {
        Claim storage c = _pendingClaim(_claimId);
        finalStateHash_ = c.finalStateHash;
        // Revealed once per claim, for all its games.
        if (finalStateHash_ != bytes32(0)) return finalStateHash_;
        _checkOutputHash(_claimId, c.outputHash, _output);
        Request storage r = _requests[c.requestId];
        // A game is open on the claim, so its request's inputs root is cached.
        finalStateHash_ = _verifyHaltedState(r.modelId, r.inputsRoot, _output, _final, _outputProofs);
        c.finalStateHash = finalStateHash_;
        emit ClaimRevealed(_claimId, finalStateHash_);
    }

    /// @inheritdoc ICoordinator
    function onClaimDefended(uint256 _claimId) external onlyDisputeGame nonReentrant {
        Claim storage c = _pendingClaim(_claimId);
        // A game counted by onChallenge ends once: openGames ≥ 1 here.
        c.openGames -= 1;
        emit ClaimDefended(_claimId, c.openGames);
    }

    /// @inheritdoc ICoordinator
    function rejectClaim(uint256 _claimId) external onlyDisputeGame nonReentrant returns (uint256 slashed_) {
        Claim storage c = _pendingClaim(_claimId);
        c.status = ClaimStatus.Rejected;
        uint256 requestId = c.requestId;
        Request storage r = _requests[requestId];
        r.claimId = 0;
        slashed_ = c.bond;
        emit ClaimRejected(requestId, _claimId, c.operator, slashed_);
        // INVARIANT: a refuted claim costs the requester neither its answer nor its time: the
        // deadline moves by the time the claim held the request (exploit 4), and the request
        // reopens. claimedAt ≤ old deadline, so the new deadline is ≥ now: always reopened.
        uint64 deadline = r.deadline + (uint64(block.timestamp) - c.claimedAt);
        r.deadline = deadline;
        r.status = RequestStatus.Open;
        emit RequestReopened(requestId, deadline);
        STAKING.slash(c.operator, slashed_, msg.sender);
    }

    // ---------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc ICoordinator
    function getRequest(uint256 _requestId) external view returns (Request memory request_) {
        request_ = _request(_requestId);
    }

    /// @inheritdoc ICoordinator
    function getClaim(uint256 _claimId) external view returns (Claim memory claim_) {
        claim_ = _claims[_claimId];
        if (claim_.status == ClaimStatus.None) revert Coordinator_UnknownClaim(_claimId);
    }

    /// @inheritdoc ICoordinator
    function claimStatus(uint256 _claimId) external view returns (ClaimStatus status_) {
        status_ = _claims[_claimId].status;
    }

    /// @inheritdoc ICoordinator
    function resultOf(uint256 _requestId) external view returns (bytes32 outputHash_) {
        Request storage r = _request(_requestId);
        if (r.status != RequestStatus.Finalized) revert Coordinator_RequestNotFinalized(_requestId, r.status);
        outputHash_ = _claims[r.claimId].outputHash;
    }

    /// @inheritdoc ICoordinator
    function commitmentOf(uint256 _requestId, address _operator) external view returns (Commitment memory commitment_) {
        commitment_ = _commitments[_requestId][_operator];
    }

    /// @inheritdoc ICoordinator
    function totalEscrowedFees() external view returns (uint256 total_) {
        total_ = _totalEscrowedFees;
    }

    // ---------------------------------------------------------------------------------------
    // Internals

    /// @dev Ends the games of the request's claim whose mover ran out of time (§7.6), so a
    ///      timed-out game does not wait for someone to resolve it. True if that rejected the
    ///      claim. Only trusted code runs: DisputeGame, which calls back only into the hooks.
    function _settleTimedOutGames(uint256 _requestId) private returns (bool rejected_) {
        Request storage r = _requests[_requestId];
        if (r.status != RequestStatus.Claimed) return false;
        uint256 claimId = r.claimId;
        if (_claims[claimId].openGames == 0) return false;
        IDisputeGame(disputeGame).settleTimedOut(claimId);
        rejected_ = _claims[claimId].status == ClaimStatus.Rejected;
        if (rejected_) emit FinalizeSkipped(_requestId, claimId);
    }

    function _request(uint256 _requestId) private view returns (Request storage r_) {
        r_ = _requests[_requestId];
        if (r_.status == RequestStatus.None) revert Coordinator_UnknownRequest(_requestId);
    }

    function _pendingClaim(uint256 _claimId) private view returns (Claim storage c_) {
        c_ = _claims[_claimId];
        if (c_.status != ClaimStatus.Pending) revert Coordinator_ClaimNotPending(_claimId, c_.status);
    }

    function _quote(uint64 _steps, uint32 _callbackGasLimit) private view returns (uint256 fee_) {
        FeeSchedule memory f = _fees;
        fee_ = f.base + (uint256(_steps) * f.perMillionSteps) / 1e6 + uint256(_callbackGasLimit) * f.perCallbackGas;
    }

    function _emitRequested(uint256 _requestId, Request memory _r, bytes calldata _input) private {
        emit Requested(
            _requestId,
            _r.modelId,
            _r.requester,
            _r.consumer,
            _r.fee,
            _r.deadline,
            _r.callbackGasLimit,
            _r.inputHash,
            _input
        );
    }

    /// @dev Opens the caller's commitment on `_requestId` with (outputHash, salt) and deletes it.
    function _openCommitment(uint256 _requestId, bytes32 _outputHash, bytes32 _salt) private {
        Commitment storage k = _commitments[_requestId][msg.sender];
        uint64 committedAt = k.blockNumber;
        if (committedAt == 0) revert Coordinator_NoCommitment(_requestId, msg.sender);
        // INVARIANT: the output was sealed under the caller's address before any reveal of it
        // could be seen: a copier's commitment made after seeing it lands in a later block.
        if (committedAt >= block.number) revert Coordinator_RevealTooEarly(_requestId, committedAt);
        bytes32 revealed = keccak256(abi.encode(_requestId, msg.sender, _outputHash, _salt));
        if (revealed != k.commitment) revert Coordinator_CommitmentMismatch(_requestId, k.commitment, revealed);
        delete _commitments[_requestId][msg.sender];
    }

    function _checkOutputHash(uint256 _claimId, bytes32 _expected, bytes calldata _output) private pure {
        bytes32 actual = keccak256(_output);
        if (actual != _expected) revert Coordinator_OutputHashMismatch(_claimId, _expected, actual);
    }

    /// @dev The first game on a request found a NaN: the request is refunded and the claim
    ///      released unslashed (honest operators never claim a NaN input; §5.1).
    function _void(
        uint256 _requestId,
        Request storage _r,
        uint256 _claimId,
        Claim storage _c,
        uint256 _nanIndex
    ) private {
        _c.status = ClaimStatus.Voided;
        _r.claimId = 0;
        emit RequestVoided(_requestId, _claimId, _nanIndex);
        _refund(_requestId, _r);
        STAKING.unlock(_c.operator, _c.bond);
    }

    function _refund(uint256 _requestId, Request storage _r) private {
        _r.status = RequestStatus.Refunded;
        uint256 fee = _r.fee;
        _totalEscrowedFees -= fee;
        _credit(_r.requester, fee);
        emit Refunded(_requestId, _r.requester, fee);
    }

    /// @dev inputsRoot (§3.2) over one slot per input, each slot root (§3.1) read from the
    ///      input's consecutive bytes (§5.1; their length was checked by `request`), and the
    ///      index of the first NaN value (NO_NAN for none): memory is canonical (§2.4).
    function _computeInputsRoot(
        bytes calldata _input,
        uint32[] memory _lengths
    ) private pure returns (bytes32 root_, uint256 nanIndex_) {
        bytes32[] memory roots = new bytes32[](_lengths.length);
        uint256 first; // index of the input's first value in the whole input
        for (uint256 i; i < _lengths.length; ++i) {
            (bytes32 slotRoot, uint256 nanIndex) = LibTensorRoot.slotRoot(_input, first * 4, _lengths[i]);
            if (nanIndex != LibTensorRoot.NO_NAN) return (bytes32(0), first + nanIndex);
            roots[i] = slotRoot;
            first += _lengths[i];
        }
        root_ = LibTensorRoot.spaceRoot(roots);
        nanIndex_ = LibTensorRoot.NO_NAN;
    }

    /// @dev The checks of §5.2 on a claim's halted state; returns its hash.
    function _verifyHaltedState(
        bytes32 _modelId,
        bytes32 _inputsRoot,
        bytes calldata _output,
        FinalState calldata _final,
        bytes32[][] calldata _outputProofs
    ) private view returns (bytes32 finalStateHash_) {
        (bytes32 weightsRoot, ProgramHeader memory program, OutputSlot[] memory outputs) = REGISTRY.claimSpec(_modelId);
        // INVARIANT: the final state runs the model's weights on the request's inputs.
        if (_final.weightsRoot != weightsRoot) revert Coordinator_WeightsRootMismatch(weightsRoot, _final.weightsRoot);
        if (_final.inputsRoot != _inputsRoot) revert Coordinator_InputsRootMismatch(_inputsRoot, _final.inputsRoot);
        // INVARIANT: every output is the content of its slot in that state.
        _checkOutputs(_output, _final, program, outputs, _outputProofs);
        // The final state hash is the halted state of these roots (§5.2).
        finalStateHash_ = LibCommitment.haltedStateHash(
            _final.weightsRoot,
            _final.inputsRoot,
            _final.activationsRoot,
            program.instructions
        );
    }

    function _recordClaim(
        uint256 _requestId,
        Request storage _r,
        bytes calldata _output,
        bytes32 _outputHash
    ) private returns (uint256 claimId_) {
        claimId_ = ++claimCount;
        uint64 challengeDeadline = uint64(block.timestamp) + CHALLENGE_WINDOW;
        Claim storage c = _claims[claimId_];
        c.operator = msg.sender;
        c.requestId = uint64(_requestId);
        c.claimedAt = uint64(block.timestamp);
        c.challengeDeadline = challengeDeadline;
        c.bond = CLAIM_BOND;
        c.status = ClaimStatus.Pending;
        c.outputHash = _outputHash;
        _r.claimId = uint64(claimId_);
        _r.status = RequestStatus.Claimed;
        emit Claimed(_requestId, claimId_, msg.sender, _outputHash, challengeDeadline, _output);
    }

    /// @dev Each output's slot root, from its bytes, proved into the space root its spec names.
    function _checkOutputs(
        bytes calldata _output,
        FinalState calldata _final,
        ProgramHeader memory _program,
        OutputSlot[] memory _outputs,
        bytes32[][] calldata _proofs
    ) private pure {
        uint256 values;
        for (uint256 i; i < _outputs.length; ++i) values += _outputs[i].valueCount;
        if (_output.length != values * 4) revert Coordinator_OutputLengthMismatch(values * 4, _output.length);
        if (_proofs.length != _outputs.length) revert Coordinator_OutputProofCount(_outputs.length, _proofs.length);
        uint256 offset;
        for (uint256 i; i < _outputs.length; ++i) {
            OutputSlot memory o = _outputs[i];
            (bytes32 slotRoot, ) = LibTensorRoot.slotRoot(_output, offset, o.valueCount);
            (bytes32 spaceRoot, uint256 slots) = o.space == Space.WEIGHT
                ? (_final.weightsRoot, _program.weightSlots)
                : o.space == Space.INPUT
                    ? (_final.inputsRoot, _program.inputSlots)
                    : (_final.activationsRoot, _program.activationSlots);
            bytes32 proved = LibTensorRoot.spaceRootFromProof(slotRoot, o.slotIndex, slots, _proofs[i]);
            if (proved != spaceRoot) revert Coordinator_OutputProofInvalid(i, spaceRoot, proved);
            offset += uint256(o.valueCount) * 4;
        }
    }

    /// @dev Calls the consumer with exactly its gas limit, copying no return data (a consumer
    ///      cannot grief with a huge revert reason), and records the outcome.
    function _deliver(uint256 _requestId, Request storage _r, bytes memory _output) private {
        address consumer = _r.consumer;
        uint256 gasLimit = _r.callbackGasLimit;
        // The requester and the input hash let the consumer tell its own requests from anyone
        // else's naming it as callback target (§5.5).
        bytes memory data = abi.encodeCall(
            IInferenceConsumer.onInferenceResult,
            (_requestId, _r.modelId, _r.requester, _r.inputHash, _output)
        );
        // INVARIANT: the consumer gets its whole gas limit (EIP-150 forwards at most 63/64 of
        // what is left), so a caller cannot make the callback fail by sending too little gas.
        uint256 needed = gasLimit + gasLimit / 63 + CALLBACK_GAS_MARGIN;
        if (gasleft() < needed) revert Coordinator_InsufficientGasForCallback(_requestId, gasleft(), needed);
        bool ok;
        // The outcome is recorded after the call: every entry point is nonReentrant, so the
        // consumer cannot observe or change this request's state during the call.
        assembly ("memory-safe") {
            ok := call(gasLimit, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (ok) {
            _r.callbackStatus = CallbackStatus.Delivered;
            emit CallbackDelivered(_requestId, consumer);
        } else {
            _r.callbackStatus = CallbackStatus.Failed;
            emit CallbackFailed(_requestId, consumer);
        }
    }
}
