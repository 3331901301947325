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
///         locked ──slash (SLASHER_ROLE: the coordinator, when a claim loses a game)──▶ recipient's
///                                                        slashed credit ──withdrawSlashed──▶ recipient
///
///         Slashing moves accounting only: the recipient pulls its credit later, so no
///         dispute move depends on a token transfer succeeding (a token that pauses or
///         blacklists this contract delays withdrawals, never a verdict).
///
///         Roles: nobody ever holds DEFAULT_ADMIN_ROLE. The deployer (WIRER) grants LOCKER_ROLE
///         and SLASHER_ROLE once, to the protocol (the coordinator), and has no power after.
///
/// @dev INVARIANT (value): token.balanceOf(this) ≥ totalStaked() + totalSlashed(), where
///      totalStaked() = Σ bonded + Σ unbonding and totalSlashed() = Σ slashedOf(account), with
///      equality unless tokens were sent here directly; locked ≤ bonded per operator.
contract Staking is IStaking, AccessControl, NonReentrant {
    using SafeERC20 for IERC20;

    /// @notice May lock and unlock claim bonds: granted once, to the protocol.
    bytes32 public constant LOCKER_ROLE = keccak256("LOCKER_ROLE");
    /// @notice May slash locked stake: granted once, to the protocol.
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");

    /// @notice The staking token.
    IERC20 public immutable TOKEN;
    /// @notice Seconds between a request to unbond and the withdrawal it allows.
    uint64 public immutable UNBONDING_DELAY;
    /// @notice The one account that may call `wireProtocol`, once (the deployer).
    address public immutable WIRER;

    /// @notice The account holding LOCKER_ROLE and SLASHER_ROLE; zero until wired.
    address public protocol;

    struct Account {
        uint128 bonded;
        uint128 locked;
        uint128 unbonding;
        uint64 readyAt;
    }

    mapping(address operator => Account) private _accounts;
    /// @dev Both totals in one slot: `slash` moves an amount from one to the other with one
    ///      SSTORE to an already non-zero slot instead of a second, often fresh, slot.
    struct Totals {
        uint128 staked;
        uint128 slashed;
    }
    Totals private _totals;
    mapping(address account => uint256) private _slashed;

    /// @notice Deploys unwired: no role is held until `_wirer` calls `wireProtocol`.
    /// @param _token The staking token.
    /// @param _unbondingDelay Seconds an unbonding stake waits; longer than any claim's
    ///        window plus dispute, so a stake backing a claim cannot leave before it is judged
    ///        (locked stake cannot unbond at all; this covers stake freed in between).
    /// @param _wirer May call `wireProtocol` once; holds no role.
    constructor(IERC20 _token, uint64 _unbondingDelay, address _wirer) {
        if (address(_token) == address(0) || _wirer == address(0)) revert Staking_ZeroAddress();
        TOKEN = _token;
        UNBONDING_DELAY = _unbondingDelay;
        WIRER = _wirer;
        // No DEFAULT_ADMIN_ROLE is granted, to anyone: once wired, the roles can never change.
    }

    /// @inheritdoc IStaking
    function wireProtocol(address _protocol) external {
        // INVARIANT: only the deployer wires, once; afterwards nobody can grant a role.
        if (msg.sender != WIRER) revert Staking_NotWirer(msg.sender);
        if (protocol != address(0)) revert Staking_AlreadyWired(protocol);
        if (_protocol == address(0)) revert Staking_ZeroAddress();
        protocol = _protocol;
        emit ProtocolWired(_protocol);
        _grantRole(LOCKER_ROLE, _protocol);
        _grantRole(SLASHER_ROLE, _protocol);
    }

    /// @inheritdoc IStaking
    function stake(uint256 _amount) external nonReentrant {
        if (_amount == 0) revert Staking_ZeroAmount();
        Account storage a = _accounts[msg.sender];
        a.bonded += SafeCast.toUint128(_amount);
        _totals.staked += SafeCast.toUint128(_amount);
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
        _totals.staked -= uint128(amount);
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
    function slash(address _operator, uint256 _amount, address _recipient) external onlyRole(SLASHER_ROLE) {
        if (_recipient == address(0)) revert Staking_ZeroAddress();
        Account storage a = _accounts[_operator];
        // INVARIANT: only locked stake (claim bonds) is slashed.
        if (_amount > a.locked) revert Staking_InsufficientLockedStake(_operator, a.locked, _amount);
        // Accounting only: the tokens stay here until the recipient pulls them.
        Totals memory t = _totals;
        // unchecked: _amount ≤ locked ≤ bonded, and _amount ≤ staked which counts bonded; so
        // slashed + _amount ≤ slashed + staked, which the token's balance here bounds.
        unchecked {
            a.locked -= uint128(_amount);
            a.bonded -= uint128(_amount);
            _totals = Totals({staked: t.staked - uint128(_amount), slashed: t.slashed + uint128(_amount)});
        }
        _slashed[_recipient] += _amount;
        emit StakeSlashed(_operator, _amount, _recipient);
    }

    /// @inheritdoc IStaking
    function withdrawSlashed() external nonReentrant {
        uint256 amount = _slashed[msg.sender];
        if (amount == 0) revert Staking_NothingSlashed(msg.sender);
        _slashed[msg.sender] = 0;
        _totals.slashed -= uint128(amount);
        emit SlashedWithdrawn(msg.sender, amount);
        TOKEN.safeTransfer(msg.sender, amount);
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
        total_ = _totals.staked;
    }

    /// @inheritdoc IStaking
    function slashedOf(address _account) external view returns (uint256 amount_) {
        amount_ = _slashed[_account];
    }

    /// @inheritdoc IStaking
    function totalSlashed() external view returns (uint256 total_) {
        total_ = _totals.slashed;
    }
}
