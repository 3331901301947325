// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {NonReentrant} from "./NonReentrant.sol";
import {IStaking} from "./interfaces/IStaking.sol";

/// @title Staking
/// @notice Operator stakes in one ERC20 (no fee-on-transfer or rebasing tokens).
///
///         bonded ──requestUnbond──▶ unbonding ──(delay)──▶ withdraw
///           │ lock / unlock (LOCKER_ROLE: the coordinator, per claim)
///           ▼
///         locked ──slash (SLASHER_ROLE: the coordinator, when a claim loses a game)──▶ recipient
///
/// @dev INVARIANT (value): token.balanceOf(this) ≥ totalStaked() = Σ bonded + Σ unbonding,
///      with equality unless tokens were sent here directly; locked ≤ bonded per operator.
contract Staking is IStaking, AccessControl, NonReentrant {
    using SafeERC20 for IERC20;

    /// @notice May lock and unlock stake as claim bonds: the coordinator.
    bytes32 public constant LOCKER_ROLE = keccak256("LOCKER_ROLE");
    /// @notice May slash locked stake: the coordinator, when a claim loses a game.
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");

    /// @notice The one ERC20 every stake is held in.
    IERC20 public immutable TOKEN;
    /// @notice Seconds between a request to unbond and the withdrawal it allows.
    uint64 public immutable UNBONDING_DELAY;

    struct Account {
        uint128 bonded;
        uint128 locked;
        uint128 unbonding;
        uint64 readyAt;
    }

    mapping(address operator => Account) private _accounts;
    uint256 private _totalStaked;

    /// @param _token The staking token.
    /// @param _unbondingDelay Seconds an unbonding stake waits; longer than any claim's
    ///        window plus dispute, so a stake backing a claim cannot leave before it is judged
    ///        (locked stake cannot unbond at all; this covers stake freed in between).
    /// @param _admin Grants LOCKER_ROLE and SLASHER_ROLE.
    /// @notice Sets the token and unbonding delay; `_admin` holds DEFAULT_ADMIN_ROLE.
    constructor(IERC20 _token, uint64 _unbondingDelay, address _admin) {
        if (address(_token) == address(0) || _admin == address(0)) revert Staking_ZeroAddress();
        TOKEN = _token;
        UNBONDING_DELAY = _unbondingDelay;
        _grantRole(DEFAULT_ADMIN_ROLE, _admin);
    }

    /// @inheritdoc IStaking
    function stake(uint256 _amount) external nonReentrant {
        if (_amount == 0) revert Staking_ZeroAmount();
        Account storage a = _accounts[msg.sender];
        a.bonded += SafeCast.toUint128(_amount);
        _totalStaked += _amount;
        emit Staked(msg.sender, _amount, a.bonded);
        TOKEN.safeTransferFrom(msg.sender, address(this), _amount);
    }

    /// @inheritdoc IStaking
    function requestUnbond(uint256 _amount) external nonReentrant {
        if (_amount == 0) revert Staking_ZeroAmount();
        Account storage a = _accounts[msg.sender];
        uint256 free = a.bonded - a.locked;
        if (_amount > free) revert Staking_InsufficientFreeStake(msg.sender, free, _amount);
        // unchecked: _amount ≤ free ≤ bonded.
        unchecked {
            a.bonded -= uint128(_amount);
        }
        a.unbonding += uint128(_amount);
        a.readyAt = uint64(block.timestamp) + UNBONDING_DELAY;
        emit UnbondRequested(msg.sender, _amount, a.unbonding, a.readyAt);
    }

    /// @inheritdoc IStaking
    function withdraw() external nonReentrant {
        Account storage a = _accounts[msg.sender];
        uint256 amount = a.unbonding;
        if (amount == 0) revert Staking_NothingUnbonding(msg.sender);
        if (block.timestamp < a.readyAt) {
            revert Staking_UnbondingNotReady(msg.sender, a.readyAt, uint64(block.timestamp));
        }
        a.unbonding = 0;
        a.readyAt = 0;
        _totalStaked -= amount;
        emit Withdrawn(msg.sender, amount);
        TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function lock(address _operator, uint256 _amount) external onlyRole(LOCKER_ROLE) {
        if (_amount == 0) revert Staking_ZeroAmount();
        Account storage a = _accounts[_operator];
        uint256 free = a.bonded - a.locked;
        if (_amount > free) revert Staking_InsufficientFreeStake(_operator, free, _amount);
        // unchecked: locked + _amount ≤ bonded < 2^128.
        unchecked {
            a.locked += uint128(_amount);
        }
        emit StakeLocked(_operator, _amount, a.locked);
    }

    /// @inheritdoc IStaking
    function unlock(address _operator, uint256 _amount) external onlyRole(LOCKER_ROLE) {
        Account storage a = _accounts[_operator];
        if (_amount > a.locked) revert Staking_InsufficientLockedStake(_operator, a.locked, _amount);
        // unchecked: _amount ≤ locked.
        unchecked {
            a.locked -= uint128(_amount);
        }
        emit StakeUnlocked(_operator, _amount, a.locked);
    }

    /// @inheritdoc IStaking
    function slash(
        address _operator,
        uint256 _amount,
        address _recipient
    ) external onlyRole(SLASHER_ROLE) nonReentrant {
        if (_recipient == address(0)) revert Staking_ZeroAddress();
        Account storage a = _accounts[_operator];
        if (_amount > a.locked) revert Staking_InsufficientLockedStake(_operator, a.locked, _amount);
        // unchecked: _amount ≤ locked ≤ bonded, and _amount ≤ _totalStaked which counts bonded.
        unchecked {
            a.locked -= uint128(_amount);
            a.bonded -= uint128(_amount);
            _totalStaked -= _amount;
        }
        emit StakeSlashed(_operator, _amount, _recipient);
        TOKEN.safeTransfer(_recipient, _amount);
    }

    /// @inheritdoc IStaking
    function bondedOf(address _operator) external view returns (uint256 bonded_) {
        bonded_ = _accounts[_operator].bonded;
    }

    /// @inheritdoc IStaking
    function lockedOf(address _operator) external view returns (uint256 locked_) {
        locked_ = _accounts[_operator].locked;
    }

    /// @inheritdoc IStaking
    function freeStakeOf(address _operator) external view returns (uint256 free_) {
        Account storage a = _accounts[_operator];
        free_ = a.bonded - a.locked;
    }

    /// @inheritdoc IStaking
    function unbondingOf(address _operator) external view returns (uint256 amount_, uint64 readyAt_) {
        Account storage a = _accounts[_operator];
        (amount_, readyAt_) = (a.unbonding, a.readyAt);
    }

    /// @inheritdoc IStaking
    function totalStaked() external view returns (uint256 total_) {
        total_ = _totalStaked;
    }
}
