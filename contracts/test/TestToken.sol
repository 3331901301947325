// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice A plain ERC20 anyone can mint, for tests and local deployments.
contract TestToken is ERC20 {
    constructor() ERC20("Referee Test Token", "REFT") {}

    function mint(address _to, uint256 _amount) external {
        _mint(_to, _amount);
    }
}
