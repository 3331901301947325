// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title LibDomains
/// @notice Domain prefixes of every hash in the protocol (docs/PROTOCOL.md §3). One byte,
///         hashed first, so that no two kinds of node can ever be confused.
library LibDomains {
    bytes1 internal constant TENSOR_NODE = 0x01;
    bytes1 internal constant MEMORY_NODE = 0x02;
    bytes1 internal constant PROGRAM_NODE = 0x03;
    bytes1 internal constant INSTRUCTION_LEAF = 0x04;
    bytes1 internal constant PROGRAM_ROOT = 0x05;
    bytes1 internal constant STATE = 0x06;
    bytes1 internal constant MODEL = 0x07;
    bytes1 internal constant SPEC_LIST = 0x08;
}
