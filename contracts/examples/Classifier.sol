// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {RefereeConsumer} from "../RefereeConsumer.sol";
import {ICoordinator} from "../interfaces/ICoordinator.sol";
import {LibBinary32} from "../lib/LibBinary32.sol";

/// @title Classifier
/// @notice The smallest complete dApp on RefereeConsumer (docs/CONSUMER.md): anyone pays the
///         fee to have an input classified by one model; the verified label (the first
///         maximum of the model's class scores) and whether its score clears a confidence
///         threshold are stored and emitted. A request nobody answered is refunded to whoever
///         paid for it.
/// @dev Compiles with solc >=0.8.24 <0.9.0, as RefereeConsumer.
contract Classifier is RefereeConsumer {
    using SafeERC20 for IERC20;

    /// @notice A verified classification.
    /// @param done Whether the result arrived.
    /// @param label Index of the winning class among CLASSES.
    /// @param confident Whether the winning score is above CONFIDENCE_BITS.
    struct Result {
        bool done;
        uint32 label;
        bool confident;
    }

    /// @notice Gas `_fulfill` gets: an argmax over a few values and one store.
    uint32 public constant CALLBACK_GAS = 150_000;
    /// @notice Seconds a request waits for a claim before it can be refunded.
    uint64 public constant TTL = 1 hours;

    /// @notice The model asked; the Coordinator's callback for any other is refused.
    bytes32 public immutable MODEL_ID;
    /// @notice Index, among all output values, of the first class score.
    uint256 public immutable SCORES_FROM;
    /// @notice Number of classes (consecutive scores from SCORES_FROM).
    uint256 public immutable CLASSES;
    /// @notice binary32 bits a winning score must exceed to count as confident.
    uint32 public immutable CONFIDENCE_BITS;

    /// @notice Who paid for each pending request; refunds go to them.
    mapping(uint256 requestId => address) public payerOf;
    mapping(uint256 requestId => Result) private _results;

    /// @notice An input was sent to be classified.
    /// @param requestId The Coordinator's request id.
    /// @param payer Who paid the fee.
    event ClassificationRequested(uint256 indexed requestId, address indexed payer);
    /// @notice A verified classification arrived.
    /// @param requestId The request.
    /// @param label The winning class.
    /// @param confident Whether its score is above CONFIDENCE_BITS.
    event Classified(uint256 indexed requestId, uint256 label, bool confident);
    /// @notice A refunded request's fee went back to its payer.
    /// @param requestId The request.
    /// @param payer Who was paid.
    /// @param fee FEE_TOKEN units paid.
    event FeeReturned(uint256 indexed requestId, address indexed payer, uint256 fee);

    /// @notice Constructor arguments: at least one class is needed.
    error Classifier_NoClasses();

    /// @notice Sets the coordinator, the model and where its class scores are.
    /// @param _coordinator The Coordinator requests go to.
    /// @param _modelId The classifier model's id.
    /// @param _scoresFrom Index of the first class score among the output values.
    /// @param _classes Number of classes; positive.
    /// @param _confidenceBits binary32 bits a winning score must exceed to be confident.
    constructor(
        ICoordinator _coordinator,
        bytes32 _modelId,
        uint256 _scoresFrom,
        uint256 _classes,
        uint32 _confidenceBits
    ) RefereeConsumer(_coordinator) {
        if (_classes == 0) revert Classifier_NoClasses();
        MODEL_ID = _modelId;
        SCORES_FROM = _scoresFrom;
        CLASSES = _classes;
        CONFIDENCE_BITS = _confidenceBits;
    }

    /// @notice Has `_input` classified, paying the Coordinator's quote (pulled from the caller).
    /// @param _input The model input: every value a big-endian binary32, concatenated (§5.1).
    /// @param _maxFee The most FEE_TOKEN units the caller pays; it must have approved them.
    /// @return requestId_ The Coordinator's request id.
    function classify(bytes calldata _input, uint256 _maxFee) external returns (uint256 requestId_) {
        uint256 fee = _quoteFee(MODEL_ID, CALLBACK_GAS);
        if (fee > _maxFee) revert RefereeConsumer_FeeAboveMax(fee, _maxFee);
        // The fee token is the Coordinator's, trusted like it: pull, then request.
        FEE_TOKEN.safeTransferFrom(msg.sender, address(this), fee);
        (requestId_, ) = _requestInference(MODEL_ID, _input, CALLBACK_GAS, TTL, fee);
        payerOf[requestId_] = msg.sender;
        emit ClassificationRequested(requestId_, msg.sender);
    }

    /// @notice Returns the fee of a request the Coordinator refunded to its payer. Anyone may call.
    /// @param _requestId A request made here and refunded (no claim stood by its deadline).
    function returnFee(uint256 _requestId) external {
        // Reverts unless the request is pending here and refunded: each fee is returned once.
        uint256 fee = _clearRefunded(_requestId);
        address payer = payerOf[_requestId];
        delete payerOf[_requestId];
        emit FeeReturned(_requestId, payer, fee);
        // INVARIANT: FEE_TOKEN balance + Coordinator credit ≥ the fees of refunded requests not
        // yet returned: each refund credits its fee, each return pays exactly that fee.
        _withdrawRefunds();
        FEE_TOKEN.safeTransfer(payer, fee);
    }

    /// @notice A request's classification.
    /// @param _requestId The request.
    /// @return result_ Its result; `done` is false until the verified output arrives.
    function resultOf(uint256 _requestId) external view returns (Result memory result_) {
        result_ = _results[_requestId];
    }

    /// @notice Stores the verified label: the first maximum of the class scores.
    /// @param _requestId A request made by `classify`, checked by RefereeConsumer.
    /// @param _output The model outputs; scores at [SCORES_FROM, SCORES_FROM + CLASSES).
    function _fulfill(uint256 _requestId, bytes memory _output) internal override {
        // Reverts (LibBinary32_RangeOutOfBounds) if the output is shorter than the model's
        // spec says: the callback fails and nothing is stored.
        uint256 label = LibBinary32.argmax(_output, SCORES_FROM, CLASSES);
        bool confident = LibBinary32.greaterThan(_output, SCORES_FROM + label, CONFIDENCE_BITS);
        // label < CLASSES ≤ count(output), far below 2^32: calldata gas bounds an output's size.
        _results[_requestId] = Result({done: true, label: uint32(label), confident: confident});
        delete payerOf[_requestId];
        emit Classified(_requestId, label, confident);
    }
}
