// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title NonReentrant
/// @notice `nonReentrant`: an entry point marked with it reverts when called again before
///         it returns. The lock is a transient state variable (EIP-1153).
/// @dev Why not OpenZeppelin's ReentrancyGuardTransient: it sets the same kind of flag with
///      `tstore` in inline assembly, for which solc prints its EIP-1153 composability warning
///      on every compile (there is no per-file silence); a `transient` variable is the
///      language's own form of the same lock and compiles without it. The hazard that warning
///      names (a flag left set for a later call in the same transaction) does not arise:
///      INVARIANT: the lock is cleared before every nonReentrant call returns.
///      The error keeps OpenZeppelin's name and selector, so callers decode it as before.
abstract contract NonReentrant {
    /// @notice A nonReentrant entry point was called while one was running.
    error ReentrancyGuardReentrantCall();

    /// @dev A full word: a write is one TSTORE, no read-modify-write of a packed slot.
    uint256 private transient _locked;

    modifier nonReentrant() {
        if (_locked != 0) revert ReentrancyGuardReentrantCall();
        _locked = 1;
        _;
        _locked = 0;
    }
}
