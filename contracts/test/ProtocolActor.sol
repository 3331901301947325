// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ProtocolActor
/// @notice A contract account that plays a protocol role (operator, requester, challenger)
///         through `exec`, and re-enters the protocol from `attack` — which a malicious token
///         (ReentrantToken) calls in the middle of a transfer to or from it.
contract ProtocolActor {
    address public attackTarget;
    bytes public attackPayload;
    uint256 public attacks;
    bool public lastAttackSucceeded;
    bytes public lastAttackRevert;

    /// @notice Calls `_target` with `_data` as this account, bubbling any revert.
    function exec(address _target, bytes calldata _data) external returns (bytes memory ret_) {
        bool ok;
        // Low-level on purpose: an actor forwards arbitrary calls.
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ret_) = _target.call(_data);
        if (!ok) {
            assembly {
                revert(add(ret_, 0x20), mload(ret_))
            }
        }
    }

    function setAttack(address _target, bytes calldata _payload) external {
        attackTarget = _target;
        attackPayload = _payload;
    }

    /// @notice Makes the armed call, recording (not bubbling) its outcome.
    function attack() external {
        attacks += 1;
        // Low-level on purpose: the re-entry attempt under test.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = attackTarget.call(attackPayload);
        lastAttackSucceeded = ok;
        lastAttackRevert = ret;
    }
}
