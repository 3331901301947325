// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";
import {Root, StateHash} from "../lib/Hashes.sol";

/// @title AlphabetVerifier
/// @notice A toy one-step verifier over a toy trace, to test the dispute game apart from the
///         real VM (as Optimism's AlphabetVM does). For a run starting at state hash S_0:
///
///             S_0 = S_0,   S_s = keccak256(abi.encode(S_0, s)) for 0 < s < N,
///             S_N = the honest halted state registered for S_0,   S_s = S_N for s > N.
///
///         N is registered per program root; S_N per S_0 (the "execution" of the toy model,
///         done by the test). The proof of step s is abi.encode(S_0, s): the verifier
///         checks the pre-state is S_s of that run and returns S_{s+1}, so a claimer whose
///         hash at some step differs from the toy trace loses the one-step proof there.
contract AlphabetVerifier is IOneStepVerifier {
    error AlphabetVerifier_NotOwner(address caller);
    error AlphabetVerifier_UnknownProgram(bytes32 programRoot);
    error AlphabetVerifier_UnknownRun(bytes32 initialStateHash);
    error AlphabetVerifier_AlreadySet(bytes32 key);
    error AlphabetVerifier_PreStateMismatch(uint64 step, bytes32 expected, bytes32 actual);

    address public immutable OWNER;
    mapping(bytes32 programRoot => uint64) public stepsOf;
    mapping(bytes32 initialStateHash => bytes32) public finalOf;

    constructor() {
        OWNER = msg.sender;
    }

    /// @inheritdoc IOneStepVerifier
    /// @dev One verifier for every step: itself.
    function kindVerifiers() external view returns (IOneStepVerifier[4] memory verifiers_) {
        for (uint256 i; i < 4; ++i) verifiers_[i] = this;
    }

    function setProgram(bytes32 _programRoot, uint64 _steps) external {
        if (msg.sender != OWNER) revert AlphabetVerifier_NotOwner(msg.sender);
        if (stepsOf[_programRoot] != 0) revert AlphabetVerifier_AlreadySet(_programRoot);
        stepsOf[_programRoot] = _steps;
    }

    function setRun(bytes32 _initialStateHash, bytes32 _finalStateHash) external {
        if (msg.sender != OWNER) revert AlphabetVerifier_NotOwner(msg.sender);
        if (finalOf[_initialStateHash] != 0) revert AlphabetVerifier_AlreadySet(_initialStateHash);
        finalOf[_initialStateHash] = _finalStateHash;
    }

    /// @notice S_s of the run from `_initial` of a program of `_steps` steps.
    function stateAt(bytes32 _initial, uint64 _s, uint64 _steps) public view returns (bytes32 state_) {
        if (_s == 0) return _initial;
        if (_s >= _steps) return finalOf[_initial];
        state_ = keccak256(abi.encode(_initial, _s));
    }

    /// @inheritdoc IOneStepVerifier
    function step(
        Root _programRoot,
        StateHash _preStateHash,
        bytes calldata _proof
    ) external view returns (StateHash postStateHash_) {
        uint64 n = stepsOf[Root.unwrap(_programRoot)];
        if (n == 0) revert AlphabetVerifier_UnknownProgram(Root.unwrap(_programRoot));
        (bytes32 initial, uint64 s) = abi.decode(_proof, (bytes32, uint64));
        if (finalOf[initial] == 0) revert AlphabetVerifier_UnknownRun(initial);
        bytes32 expected = stateAt(initial, s, n);
        // INVARIANT: the witness names the pre-state it proves from.
        if (expected != StateHash.unwrap(_preStateHash)) {
            revert AlphabetVerifier_PreStateMismatch(s, expected, StateHash.unwrap(_preStateHash));
        }
        postStateHash_ = StateHash.wrap(stateAt(initial, s + 1, n));
    }
}
