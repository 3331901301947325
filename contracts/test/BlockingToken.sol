// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BlockingToken
/// @notice An ERC20 with the admin switches of real stablecoins: a global pause and a
///         blacklist. A paused token moves nothing; a blacklisted address can neither send nor
///         receive. Tests use it to show no protocol verdict depends on a transfer succeeding.
contract BlockingToken is ERC20 {
    bool public paused;
    mapping(address account => bool) public blocked;

    error BlockingToken_Paused();
    error BlockingToken_Blocked(address account);

    constructor() ERC20("Blocking Token", "BLKT") {}

    function mint(address _to, uint256 _amount) external {
        _mint(_to, _amount);
    }

    function setPaused(bool _paused) external {
        paused = _paused;
    }

    function setBlocked(address _account, bool _blocked) external {
        blocked[_account] = _blocked;
    }

    function _update(address _from, address _to, uint256 _value) internal override {
        if (paused) revert BlockingToken_Paused();
        if (blocked[_from]) revert BlockingToken_Blocked(_from);
        if (blocked[_to]) revert BlockingToken_Blocked(_to);
        super._update(_from, _to, _value);
    }
}
