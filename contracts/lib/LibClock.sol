// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A chess clock of one party of a dispute game, packed in 128 bits:
///
///     ┌────────────┬──────────────────────────────────────────────────────────────┐
///     │ bits       │ meaning                                                      │
///     ├────────────┼──────────────────────────────────────────────────────────────┤
///     │ [127, 64)  │ seconds left when the clock was last stopped (u64)           │
///     │ [64, 0)    │ timestamp the clock was started at, 0 while it is stopped   │
///     └────────────┴──────────────────────────────────────────────────────────────┘
///
///         A clock runs only while it is its party's move; a party whose running clock
///         has no time left has lost.
type Clock is uint128;

using LibClock for Clock global;

/// @title LibClock
/// @notice Start, stop and read chess clocks. Every function takes the current time as an
///         argument, so the library is pure and the game decides what "now" is.
library LibClock {
    /// @notice A stopped clock holding `_seconds`.
    /// @param _seconds The time the clock holds.
    /// @return clock_ The stopped clock.
    function wrap(uint64 _seconds) internal pure returns (Clock clock_) {
        clock_ = Clock.wrap(uint128(_seconds) << 64);
    }

    /// @notice Seconds left when the clock was last stopped (not counting the running time).
    /// @param _clock The clock.
    /// @return seconds_ The stored time, in seconds.
    function storedSeconds(Clock _clock) internal pure returns (uint64 seconds_) {
        seconds_ = uint64(Clock.unwrap(_clock) >> 64);
    }

    /// @notice Timestamp the running clock was started at; 0 when stopped.
    /// @param _clock The clock.
    /// @return startedAt_ Unix time (s).
    function startedAt(Clock _clock) internal pure returns (uint64 startedAt_) {
        startedAt_ = uint64(Clock.unwrap(_clock));
    }

    /// @notice Whether the clock runs (it is its party's move).
    /// @param _clock The clock.
    /// @return running_ True while started.
    function isRunning(Clock _clock) internal pure returns (bool running_) {
        running_ = startedAt(_clock) != 0;
    }

    /// @notice Seconds left at `_now` (0 once run out; a stopped clock keeps its time).
    /// @param _clock The clock.
    /// @param _now The current unix time (s).
    /// @return left_ Seconds.
    function secondsLeft(Clock _clock, uint64 _now) internal pure returns (uint64 left_) {
        uint64 stored = storedSeconds(_clock);
        uint64 started = startedAt(_clock);
        if (started == 0 || _now <= started) return stored;
        uint64 used = _now - started;
        // unchecked: the subtraction runs only when used < stored.
        unchecked {
            left_ = used >= stored ? 0 : stored - used;
        }
    }

    /// @notice Whether the clock has run out at `_now`.
    /// @param _clock The clock.
    /// @param _now The current unix time (s).
    /// @return expired_ True when no time is left: a running clock's party has lost.
    function expired(Clock _clock, uint64 _now) internal pure returns (bool expired_) {
        expired_ = secondsLeft(_clock, _now) == 0;
    }

    /// @notice The clock started at `_now` (a running clock is restarted from its time left).
    /// @param _clock The clock, running or stopped.
    /// @param _now The current unix time (s); not 0, which marks a stopped clock.
    /// @return clock_ The running clock.
    function start(Clock _clock, uint64 _now) internal pure returns (Clock clock_) {
        clock_ = Clock.wrap((uint128(secondsLeft(_clock, _now)) << 64) | uint128(_now));
    }

    /// @notice The clock stopped at `_now`, the running time charged.
    /// @param _clock The clock, running or stopped.
    /// @param _now The current unix time (s).
    /// @return clock_ The stopped clock.
    function stop(Clock _clock, uint64 _now) internal pure returns (Clock clock_) {
        clock_ = wrap(secondsLeft(_clock, _now));
    }
}
