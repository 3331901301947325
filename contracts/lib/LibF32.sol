// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice A binary32 value carried as its bit pattern. The FO32 arithmetic lands with the verifier issue.
type F32 is uint32;
