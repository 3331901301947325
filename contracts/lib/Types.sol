// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Types shared by the protocol contracts and their libraries (docs/PROTOCOL.md §2–§3).

/// @notice One entry of a tensor spec list (docs/PROTOCOL.md §3.5): where a model input or
///         output lives in memory, its dims and its name.
struct TensorSpec {
    uint8 space;
    uint32 slotIndex;
    uint32[] dims;
    string name;
}

/// @notice The program header bound into the program root (docs/PROTOCOL.md §3.3):
///         programRoot = H(0x05 ‖ instructionTreeRoot ‖ u32 #instructions ‖ u32 #weightSlots
///         ‖ u32 #inputSlots ‖ u32 #activationSlots).
struct ProgramHeader {
    bytes32 instructionTreeRoot;
    uint32 instructions;
    uint32 weightSlots;
    uint32 inputSlots;
    uint32 activationSlots;
}

/// @notice Every part of a model commitment (docs/PROTOCOL.md §3.5), as supplied at
///         registration. The registry recomputes the program root, both spec list hashes and
///         the commitment from these.
struct ModelParts {
    ProgramHeader program;
    bytes32 weightsRoot;
    bytes32 initialActivationsRoot;
    uint64 steps;
    TensorSpec[] inputs;
    TensorSpec[] outputs;
    bytes32 onnxFileHash;
    uint32 compilerVersion;
}

/// @notice Where one model output lives at the halted state: space, slot and value count.
struct OutputSlot {
    uint8 space;
    uint32 slotIndex;
    uint32 valueCount;
}

/// @notice A registered model as stored by the registry. `id` is the model commitment;
///         every field but `firstRegistrant` and `registeredAt` is a function of it.
struct Model {
    bytes32 id;
    /// @dev Who registered the id first: informational only, it grants no power (§3.5).
    address firstRegistrant;
    uint64 steps;
    uint32 compilerVersion;
    uint64 registeredAt;
    bytes32 programRoot;
    bytes32 weightsRoot;
    bytes32 initialActivationsRoot;
    bytes32 inputSpecsHash;
    bytes32 outputSpecsHash;
    bytes32 onnxFileHash;
    ProgramHeader program;
    /// @dev Value count of each input slot, in input (= slot) order.
    uint32[] inputLengths;
    OutputSlot[] outputs;
}

/// @notice The roots of a halted state (docs/PROTOCOL.md §5.2); pc = (#instructions, 0, 0)
///         and acc = +0 are implied.
struct FinalState {
    bytes32 weightsRoot;
    bytes32 inputsRoot;
    bytes32 activationsRoot;
}
