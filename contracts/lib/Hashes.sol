// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The two kinds of hash that cross the verifier and dispute game boundaries, as types of
// their own so that one cannot be passed where the other is meant (a program root for a
// state hash, say). Both are bytes32 in the ABI: selectors and encodings are unchanged.
// No `==` operators are attached: a UDVT operator is an internal call that the legacy
// optimizer does not inline (≈ 50 gas per comparison), so code compares the unwrapped words.
// Arrays of hashes (DisputeGame.dissect/choose) stay bytes32[]: solc ABI-encodes a StateHash[]
// element by element where a bytes32[] is one copy (≈ 150 gas more per hash, measured).

/// @notice A machine state hash: H(0x06 ‖ weightsRoot ‖ inputsRoot ‖ activationsRoot ‖ pc ‖ acc)
///         (docs/PROTOCOL.md §3.4).
type StateHash is bytes32;

/// @notice A Merkle root the protocol commits to: a program root (§3.3) or a tensor or memory
///         root (§3.1–§3.2).
type Root is bytes32;
