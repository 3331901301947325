// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IPullPayments
/// @notice Payouts a contract owes are credited to an account's balance and withdrawn by the
///         account itself (pull), so no payout ever calls into an account mid-protocol.
interface IPullPayments {
    /// @notice `amount` was added to what `account` can withdraw.
    /// @param account Who can withdraw it.
    /// @param amount Token units credited.
    event PayoutCredited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount`.
    /// @param account Who withdrew (the caller).
    /// @param amount Token units paid: all that was credited.
    event PayoutWithdrawn(address indexed account, uint256 amount);

    /// @notice `account` called withdraw with nothing credited.
    error PullPayments_NothingToWithdraw(address account);

    /// @notice The token every payout is made in (a Coordinator's fee token).
    /// @return token_ The ERC-20 contract.
    function TOKEN() external view returns (IERC20 token_);

    /// @notice Withdraws all of the caller's credited payouts.
    function withdraw() external;

    /// @notice Credited payouts of `_account` not withdrawn yet.
    /// @param _account Any address.
    /// @return amount_ Token units.
    function payoutOf(address _account) external view returns (uint256 amount_);

    /// @notice Credited payouts not withdrawn yet, over every account.
    /// @return total_ Token units.
    function totalPayouts() external view returns (uint256 total_);
}
