// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IStaking
/// @notice Operator stakes in one ERC20. A stake is bonded (free or locked behind open
///         claims) or unbonding (withdrawable after the unbonding delay). Locked stake is
///         the claim bonds; only it can be slashed, and only by the protocol.
interface IStaking {
    /// @notice `amount` was added to `operator`'s bonded stake.
    /// @param operator Whose stake grew.
    /// @param amount Token units added.
    /// @param bonded The operator's bonded stake after it.
    event Staked(address indexed operator, uint256 amount, uint256 bonded);
    /// @notice `amount` of free stake started unbonding; all of `unbonding` is withdrawable at `readyAt`.
    /// @param operator Whose stake is unbonding.
    /// @param amount Token units moved from free stake to unbonding.
    /// @param unbonding The operator's whole unbonding amount after it.
    /// @param readyAt Unix time (s) from which `unbonding` can be withdrawn.
    event UnbondRequested(address indexed operator, uint256 amount, uint256 unbonding, uint64 readyAt);
    /// @notice Unbonded stake was paid out.
    /// @param operator Who was paid.
    /// @param amount Token units paid out: all that was unbonding.
    event Withdrawn(address indexed operator, uint256 amount);
    /// @notice `amount` of free stake was locked as a claim bond.
    /// @param operator Whose stake was locked.
    /// @param amount Token units locked.
    /// @param locked The operator's locked stake after it.
    event StakeLocked(address indexed operator, uint256 amount, uint256 locked);
    /// @notice `amount` of locked stake was released.
    /// @param operator Whose stake was released.
    /// @param amount Token units released back to free stake.
    /// @param locked The operator's locked stake after it.
    event StakeUnlocked(address indexed operator, uint256 amount, uint256 locked);
    /// @notice `amount` of locked stake was slashed and sent to `recipient`.
    /// @param operator Whose locked (and bonded) stake shrank.
    /// @param amount Token units taken.
    /// @param recipient Who received them (the dispute game, for the winner).
    event StakeSlashed(address indexed operator, uint256 amount, address indexed recipient);

    /// @notice Amounts are positive.
    error Staking_ZeroAmount();
    /// @notice Not enough free (bonded, unlocked) stake.
    error Staking_InsufficientFreeStake(address operator, uint256 free, uint256 needed);
    /// @notice Not enough locked stake to unlock or slash.
    error Staking_InsufficientLockedStake(address operator, uint256 locked, uint256 needed);
    /// @notice Nothing is unbonding.
    error Staking_NothingUnbonding(address operator);
    /// @notice The unbonding delay has not passed.
    error Staking_UnbondingNotReady(address operator, uint64 readyAt, uint64 timestamp);
    /// @notice Constructor arguments: a token is needed.
    error Staking_ZeroAddress();

    /// @notice Adds `_amount` tokens (pulled from the caller) to the caller's bonded stake.
    /// @param _amount Token units; positive; the caller must have approved them.
    function stake(uint256 _amount) external;

    /// @notice Moves `_amount` of free stake to unbonding; the whole unbonding amount becomes
    ///         withdrawable one unbonding delay from now.
    /// @param _amount Token units of the caller's free stake; positive.
    function requestUnbond(uint256 _amount) external;

    /// @notice Pays out the caller's unbonding stake once the delay has passed.
    function withdraw() external;

    /// @notice Locks `_amount` of `_operator`'s free stake as a claim bond. LOCKER_ROLE.
    /// @param _operator The claimer.
    /// @param _amount Token units of its free stake (the claim bond); positive.
    function lock(address _operator, uint256 _amount) external;

    /// @notice Releases `_amount` of `_operator`'s locked stake. LOCKER_ROLE.
    /// @param _operator The claimer.
    /// @param _amount Token units of its locked stake to free, at most all of it.
    function unlock(address _operator, uint256 _amount) external;

    /// @notice Takes `_amount` of `_operator`'s locked stake and sends it to `_recipient`. SLASHER_ROLE.
    /// @param _operator The claimer that lost.
    /// @param _amount Token units of its locked stake, at most all of it.
    /// @param _recipient Who receives them; not 0.
    function slash(address _operator, uint256 _amount, address _recipient) external;

    /// @notice Bonded stake (free + locked).
    /// @param _operator Any address.
    /// @return bonded_ Token units.
    function bondedOf(address _operator) external view returns (uint256 bonded_);
    /// @notice Locked stake (open claim bonds).
    /// @param _operator Any address.
    /// @return locked_ Token units.
    function lockedOf(address _operator) external view returns (uint256 locked_);
    /// @notice Bonded stake not locked: what can be locked or unbonded.
    /// @param _operator Any address.
    /// @return free_ Token units: bonded − locked.
    function freeStakeOf(address _operator) external view returns (uint256 free_);
    /// @notice Unbonding stake and when it can be withdrawn.
    /// @param _operator Any address.
    /// @return amount_ Token units unbonding.
    /// @return readyAt_ Unix time (s) from which they can be withdrawn; 0 when none.
    function unbondingOf(address _operator) external view returns (uint256 amount_, uint64 readyAt_);
    /// @notice Every token this contract holds for operators: Σ bonded + Σ unbonding.
    /// @return total_ Token units.
    function totalStaked() external view returns (uint256 total_);
}
