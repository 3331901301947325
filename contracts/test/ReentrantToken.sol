// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice A malicious ERC20: on every transfer it makes the armed call (e.g. a protocol
///         `withdraw` while one is paying out) before moving the tokens, and records whether
///         that call succeeded. Tests check the protocol refuses and stays balanced.
contract ReentrantToken is ERC20 {
    address public hookTarget;
    bytes public hookPayload;
    /// @notice How many more transfers trigger the call.
    uint256 public armed;
    uint256 public attempts;
    uint256 public successes;
    bytes public lastRevert;

    event ReentryAttempted(address target, bool success);

    constructor() ERC20("Reentrant Token", "RENT") {}

    function mint(address _to, uint256 _amount) external {
        _mint(_to, _amount);
    }

    /// @notice Arms the call `_payload` to `_target` for the next `_times` transfers.
    function arm(address _target, bytes calldata _payload, uint256 _times) external {
        hookTarget = _target;
        hookPayload = _payload;
        armed = _times;
    }

    function _update(address _from, address _to, uint256 _value) internal override {
        if (armed > 0 && _from != address(0)) {
            armed -= 1;
            attempts += 1;
            // Low-level on purpose: the re-entry attempt under test.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = hookTarget.call(hookPayload);
            if (ok) successes += 1;
            else lastRevert = ret;
            emit ReentryAttempted(hookTarget, ok);
        }
        super._update(_from, _to, _value);
    }
}
