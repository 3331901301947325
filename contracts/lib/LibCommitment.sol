// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibDomains} from "./LibDomains.sol";
import {ModelParts, ProgramHeader, TensorSpec} from "./Types.sol";

/// @title LibCommitment
/// @notice The hashes of docs/PROTOCOL.md §3.3–§3.5 that the protocol contracts recompute:
///         program root from its header, tensor spec lists, model commitment, machine state.
library LibCommitment {
    /// @notice The hashes derived from a model's parts.
    struct ModelHashes {
        bytes32 programRoot;
        bytes32 inputSpecsHash;
        bytes32 outputSpecsHash;
        bytes32 commitment;
    }

    /// @notice A spec list entry's field does not fit its encoding width.
    error LibCommitment_SpecTooLarge(uint256 specIndex);

    /// @notice programRoot = H(0x05 ‖ instructionTreeRoot ‖ u32 #instructions
    ///         ‖ u32 #weightSlots ‖ u32 #inputSlots ‖ u32 #activationSlots).
    /// @param _h The program header: instruction tree root (§3.3) and the counts.
    /// @return root_ The program root.
    function programRoot(ProgramHeader calldata _h) internal pure returns (bytes32 root_) {
        root_ = keccak256(
            abi.encodePacked(
                LibDomains.PROGRAM_ROOT,
                _h.instructionTreeRoot,
                _h.instructions,
                _h.weightSlots,
                _h.inputSlots,
                _h.activationSlots
            )
        );
    }

    /// @notice H(0x08 ‖ u32 count ‖ per spec: u8 space ‖ u32 slotIndex ‖ u8 #dims ‖ u32 dims[]
    ///         ‖ u16 nameLength ‖ name).
    /// @param _specs Input or output specs, in order; at most 255 dims and 65535 name bytes each.
    /// @return hash_ The spec list hash (§3.5).
    function specListHash(TensorSpec[] calldata _specs) internal pure returns (bytes32 hash_) {
        bytes memory buf = abi.encodePacked(LibDomains.TENSOR_SPECS, uint32(_specs.length));
        for (uint256 i; i < _specs.length; ++i) {
            TensorSpec calldata s = _specs[i];
            bytes calldata name = bytes(s.name);
            if (s.dims.length > type(uint8).max || name.length > type(uint16).max) {
                revert LibCommitment_SpecTooLarge(i);
            }
            buf = bytes.concat(buf, abi.encodePacked(s.space, s.slotIndex, uint8(s.dims.length)));
            for (uint256 j; j < s.dims.length; ++j) buf = bytes.concat(buf, abi.encodePacked(s.dims[j]));
            buf = bytes.concat(buf, abi.encodePacked(uint16(name.length), name));
        }
        hash_ = keccak256(buf);
    }

    /// @notice modelCommitment = H(0x07 ‖ programRoot ‖ weightsRoot ‖ initialActivationsRoot
    ///         ‖ u64 N ‖ inputSpecsHash ‖ outputSpecsHash ‖ onnxFileHash ‖ u32 compilerVersion).
    /// @param _programRoot The program root (§3.3).
    /// @param _weightsRoot The weight space root (§3.2).
    /// @param _initialActivationsRoot The activation space root of state 0 (all zero).
    /// @param _steps N, the program's step count (§2.1).
    /// @param _inputSpecsHash The input spec list hash.
    /// @param _outputSpecsHash The output spec list hash.
    /// @param _onnxFileHash keccak256 of the ONNX file's bytes.
    /// @param _compilerVersion The compiler version the program was built with.
    /// @return commitment_ The model commitment: the model's id.
    function modelCommitment(
        bytes32 _programRoot,
        bytes32 _weightsRoot,
        bytes32 _initialActivationsRoot,
        uint64 _steps,
        bytes32 _inputSpecsHash,
        bytes32 _outputSpecsHash,
        bytes32 _onnxFileHash,
        uint32 _compilerVersion
    ) internal pure returns (bytes32 commitment_) {
        commitment_ = keccak256(
            abi.encodePacked(
                LibDomains.MODEL_COMMITMENT,
                _programRoot,
                _weightsRoot,
                _initialActivationsRoot,
                _steps,
                _inputSpecsHash,
                _outputSpecsHash,
                _onnxFileHash,
                _compilerVersion
            )
        );
    }

    /// @notice Program root, spec list hashes and model commitment of `_parts`.
    /// @param _parts Everything the commitment covers, with the program header and spec lists in full.
    /// @return h_ The hashes, the commitment last.
    function modelHashes(ModelParts calldata _parts) internal pure returns (ModelHashes memory h_) {
        h_.programRoot = programRoot(_parts.program);
        h_.inputSpecsHash = specListHash(_parts.inputs);
        h_.outputSpecsHash = specListHash(_parts.outputs);
        h_.commitment = modelCommitment(
            h_.programRoot,
            _parts.weightsRoot,
            _parts.initialActivationsRoot,
            _parts.steps,
            h_.inputSpecsHash,
            h_.outputSpecsHash,
            _parts.onnxFileHash,
            _parts.compilerVersion
        );
    }

    /// @notice stateHash = H(0x06 ‖ weightsRoot ‖ inputsRoot ‖ activationsRoot ‖ u32 pc.instr
    ///         ‖ u32 pc.elem ‖ u32 pc.k ‖ u32 f32(acc)) (§3.4).
    /// @param _weightsRoot The weight space root (§3.2).
    /// @param _inputsRoot The input space root.
    /// @param _activationsRoot The activation space root.
    /// @param _instr pc.instr: the instruction index; #instructions when halted.
    /// @param _elem pc.elem: the output element of that instruction.
    /// @param _k pc.k: the reduction step within the element.
    /// @param _accBits The accumulator's binary32 bits; +0 whenever k = 0 (§2.2).
    /// @return hash_ The machine state hash.
    function stateHash(
        bytes32 _weightsRoot,
        bytes32 _inputsRoot,
        bytes32 _activationsRoot,
        uint32 _instr,
        uint32 _elem,
        uint32 _k,
        uint32 _accBits
    ) internal pure returns (bytes32 hash_) {
        hash_ = keccak256(
            abi.encodePacked(
                LibDomains.MACHINE_STATE,
                _weightsRoot,
                _inputsRoot,
                _activationsRoot,
                _instr,
                _elem,
                _k,
                _accBits
            )
        );
    }

    /// @notice State 0: the model's weights and initial activations, the request's inputs,
    ///         pc = (0, 0, 0), acc = +0.
    /// @param _weightsRoot The model's weight space root.
    /// @param _inputsRoot The request's input space root.
    /// @param _initialActivationsRoot The model's activation space root of state 0.
    /// @return hash_ S_0's hash (§3.4).
    function initialStateHash(
        bytes32 _weightsRoot,
        bytes32 _inputsRoot,
        bytes32 _initialActivationsRoot
    ) internal pure returns (bytes32 hash_) {
        hash_ = stateHash(_weightsRoot, _inputsRoot, _initialActivationsRoot, 0, 0, 0, 0);
    }

    /// @notice A halted state: pc = (#instructions, 0, 0), acc = +0.
    /// @param _weightsRoot The model's weight space root.
    /// @param _inputsRoot The request's input space root.
    /// @param _activationsRoot The activation space root after the last step.
    /// @param _instructions The program's instruction count.
    /// @return hash_ The halted state's hash (§3.4).
    function haltedStateHash(
        bytes32 _weightsRoot,
        bytes32 _inputsRoot,
        bytes32 _activationsRoot,
        uint32 _instructions
    ) internal pure returns (bytes32 hash_) {
        hash_ = stateHash(_weightsRoot, _inputsRoot, _activationsRoot, _instructions, 0, 0, 0);
    }
}
