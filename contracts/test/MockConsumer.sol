// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/// @title MockConsumer
/// @notice An inference consumer whose behaviour tests choose: accept, revert, burn all its
///         gas, revert with a huge reason, or call back into the protocol (reentrancy).
contract MockConsumer is IInferenceConsumer {
    enum Mode {
        Accept,
        Revert,
        BurnGas,
        ReturnBomb,
        Reenter
    }

    error MockConsumer_Refused(uint256 requestId);

    Mode public mode;
    address public reenterTarget;
    bytes public reenterPayload;
    bool public reenterSucceeded;
    bytes public reenterRevert;

    uint256 public calls;
    uint256 public lastRequestId;
    bytes32 public lastModelId;
    bytes public lastOutput;
    uint256 public lastGasLeft;

    function setMode(Mode _mode) external {
        mode = _mode;
    }

    function setReentry(address _target, bytes calldata _payload) external {
        reenterTarget = _target;
        reenterPayload = _payload;
    }

    function onInferenceResult(uint256 _requestId, bytes32 _modelId, bytes calldata _output) external {
        lastGasLeft = gasleft();
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
        lastOutput = _output;
    }
}
