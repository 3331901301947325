// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

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
    /// @notice `amount` of locked stake was slashed and credited to `recipient` (see withdrawSlashed).
    /// @param operator The operator whose claim bond was slashed.
    /// @param amount The amount taken off its locked and bonded stake.
    /// @param recipient The account credited; it withdraws the tokens itself.
    event StakeSlashed(address indexed operator, uint256 amount, address indexed recipient);
    /// @notice `account` withdrew the slashed stake credited to it.
    /// @param account The recipient of earlier slashes.
    /// @param amount The tokens paid out.
    event SlashedWithdrawn(address indexed account, uint256 amount);
    /// @notice LOCKER_ROLE and SLASHER_ROLE were granted to `protocol`, for good.
    /// @param protocol The account that locks, unlocks and slashes (the coordinator).
    event ProtocolWired(address indexed protocol);

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
    /// @notice `account` withdrew slashed stake with none credited.
    /// @param account The caller.
    error Staking_NothingSlashed(address account);
    /// @notice Only the deployer named at construction may wire the protocol.
    /// @param caller The caller.
    error Staking_NotWirer(address caller);
    /// @notice The protocol was wired already.
    /// @param protocol The account holding the roles.
    error Staking_AlreadyWired(address protocol);

    /// @notice Grants LOCKER_ROLE and SLASHER_ROLE to `_protocol`; the deployer only, once.
    ///         No account holds DEFAULT_ADMIN_ROLE, so the roles can never change afterwards.
    /// @param _protocol The coordinator.
    function wireProtocol(address _protocol) external;

    /// @notice Pays the caller the slashed stake credited to it.
    function withdrawSlashed() external;

    /// @notice Slashed stake credited to `_account` and not withdrawn yet.
    /// @param _account The recipient of slashes.
    /// @return amount_ Its credit.
    function slashedOf(address _account) external view returns (uint256 amount_);

    /// @notice Slashed stake credited and not withdrawn, over every account.
    /// @return total_ The sum of slashedOf over every account.
    function totalSlashed() external view returns (uint256 total_);

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

    /// @notice Takes `_amount` of `_operator`'s locked stake and credits it to `_recipient`, who
    ///         pulls it with withdrawSlashed: slashing moves no tokens. SLASHER_ROLE.
    /// @param _operator The operator whose claim bond is slashed.
    /// @param _amount At most its locked stake.
    /// @param _recipient The account credited.
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
