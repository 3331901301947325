// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPullPayments} from "./interfaces/IPullPayments.sol";
import {NonReentrant} from "./NonReentrant.sol";

/// @title PullPayments
/// @notice The payout books of the Coordinator and the DisputeGame: `_credit` adds to an
///         account's balance, the account withdraws it in TOKEN.
/// @dev INVARIANT: totalPayouts() = Σ payoutOf(account), and the contract holds at least that
///      much TOKEN on top of what its own books escrow (each contract states its full value
///      invariant). withdraw zeroes the balance before it transfers and is nonReentrant.
abstract contract PullPayments is IPullPayments, NonReentrant {
    using SafeERC20 for IERC20;

    /// @notice The token every payout (and every fee, bond and stake) is in.
    IERC20 public immutable TOKEN;

    mapping(address account => uint256) private _payouts;
    uint256 private _totalPayouts;

    constructor(IERC20 _token) {
        TOKEN = _token;
    }

    /// @inheritdoc IPullPayments
    function withdraw() external nonReentrant {
        uint256 amount = _payouts[msg.sender];
        if (amount == 0) revert PullPayments_NothingToWithdraw(msg.sender);
        _payouts[msg.sender] = 0;
        _totalPayouts -= amount;
        emit PayoutWithdrawn(msg.sender, amount);
        _beforePayout(amount);
        TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IPullPayments
    function payoutOf(address _account) external view returns (uint256 amount_) {
        amount_ = _payouts[_account];
    }

    /// @inheritdoc IPullPayments
    function totalPayouts() external view returns (uint256 total_) {
        total_ = _totalPayouts;
    }

    /// @dev Runs after the books are updated, before `_amount` is transferred: where a contract
    ///      holds part of its value elsewhere, it fetches it here. Empty by default: most
    ///      payers hold all they owe.
    // solhint-disable-next-line no-empty-blocks
    function _beforePayout(uint256 _amount) internal virtual {}

    /// @dev Takes up to `_amount` off what `_account` can withdraw; returns false (and takes
    ///      nothing) when its balance is smaller. The tokens stay here: debiting moves none.
    function _debit(address _account, uint256 _amount) internal returns (bool ok_) {
        uint256 balance = _payouts[_account];
        if (balance < _amount) return false;
        // unchecked: _amount ≤ balance ≤ _totalPayouts.
        unchecked {
            _payouts[_account] = balance - _amount;
            _totalPayouts -= _amount;
        }
        ok_ = true;
    }

    /// @dev Adds `_amount` to what `_account` can withdraw; nothing (no event) for 0. The
    ///      caller holds the tokens already: crediting moves none.
    function _credit(address _account, uint256 _amount) internal {
        if (_amount == 0) return;
        _payouts[_account] += _amount;
        _totalPayouts += _amount;
        emit PayoutCredited(_account, _amount);
    }
}
