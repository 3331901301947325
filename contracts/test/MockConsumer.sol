// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/// @title MockConsumer
/// @notice An inference consumer whose behaviour tests choose: accept, revert, burn all its
///         gas, revert with a huge reason, or call back into the protocol (reentrancy). With
///         `setTrust` it authenticates its callbacks as IInferenceConsumer documents: only the
///         coordinator, for requests of one requester and/or on one input.
contract MockConsumer is IInferenceConsumer {
    enum Mode {
        Accept,
        Revert,
        BurnGas,
        ReturnBomb,
        Reenter
    }

    error MockConsumer_Refused(uint256 requestId);
    error MockConsumer_NotCoordinator(address caller);
    error MockConsumer_WrongRequester(uint256 requestId, address requester);
    error MockConsumer_WrongInput(uint256 requestId, bytes32 inputHash);

    /// @dev Zero: not checked.
    address public trustedCoordinator;
    address public trustedRequester;
    bytes32 public expectedInputHash;

    Mode public mode;
    address public reenterTarget;
    bytes public reenterPayload;
    bool public reenterSucceeded;
    bytes public reenterRevert;

    uint256 public calls;
    uint256 public lastRequestId;
    bytes32 public lastModelId;
    address public lastRequester;
    bytes32 public lastInputHash;
    bytes public lastOutput;
    uint256 public lastGasLeft;

    function setMode(Mode _mode) external {
        mode = _mode;
    }

    function setTrust(address _coordinator, address _requester, bytes32 _inputHash) external {
        (trustedCoordinator, trustedRequester, expectedInputHash) = (_coordinator, _requester, _inputHash);
    }

    function setReentry(address _target, bytes calldata _payload) external {
        reenterTarget = _target;
        reenterPayload = _payload;
    }

    function onInferenceResult(
        uint256 _requestId,
        bytes32 _modelId,
        address _requester,
        bytes32 _inputHash,
        bytes calldata _output
    ) external {
        lastGasLeft = gasleft();
        if (trustedCoordinator != address(0) && msg.sender != trustedCoordinator) {
            revert MockConsumer_NotCoordinator(msg.sender);
        }
        if (trustedRequester != address(0) && _requester != trustedRequester) {
            revert MockConsumer_WrongRequester(_requestId, _requester);
        }
        if (expectedInputHash != bytes32(0) && _inputHash != expectedInputHash) {
            revert MockConsumer_WrongInput(_requestId, _inputHash);
        }
        if (mode == Mode.Revert) revert MockConsumer_Refused(_requestId);
        if (mode == Mode.BurnGas) {
            uint256 x;
            while (true) x = uint256(keccak256(abi.encode(x)));
        }
        if (mode == Mode.ReturnBomb) {
            assembly {
                revert(0, 1000000)
            }
        }
        if (mode == Mode.Reenter) {
            // Low-level on purpose: the re-entry attempt under test.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = reenterTarget.call(reenterPayload);
            reenterSucceeded = ok;
            reenterRevert = ret;
        }
        calls += 1;
        lastRequestId = _requestId;
        lastModelId = _modelId;
        lastRequester = _requester;
        lastInputHash = _inputHash;
        lastOutput = _output;
    }
}
