// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Model, ModelParts, OutputSlot, ProgramHeader} from "../lib/Types.sol";

/// @title IModelRegistry
/// @notice Registered model commitments (docs/PROTOCOL.md §3.5). A model's id is its
///         commitment, recomputed on-chain from the parts supplied at registration, so what
///         the registry stores can be checked against `referee model commit` by anyone.
///         Registration is permissionless and grants no power: no account can change,
///         deprecate or withdraw a registered model, so an id a dApp pins keeps working.
interface IModelRegistry {
    /// @notice A model was registered under its commitment, for the first time.
    /// @param modelId The model commitment.
    /// @param registrant The first registrant: recorded for information, it holds no power.
    /// @param programRoot The program root recomputed from the header (§3.3).
    /// @param weightsRoot The weights root.
    /// @param steps The step count N.
    /// @param name A display label chosen by the registrant (unauthenticated).
    /// @param uri Where the registrant says the ONNX file is (check it against onnxFileHash).
    event ModelRegistered(
        bytes32 indexed modelId,
        address indexed registrant,
        bytes32 programRoot,
        bytes32 weightsRoot,
        uint64 steps,
        string name,
        string uri
    );
    /// @notice An already registered model was registered again: nothing changed.
    /// @param modelId The model commitment.
    /// @param registrant The account that registered it again.
    event ModelAlreadyRegistered(bytes32 indexed modelId, address indexed registrant);

    /// @notice No model is registered under this id.
    error ModelRegistry_UnknownModel(bytes32 modelId);
    /// @notice A program has at least one instruction and one step.
    error ModelRegistry_EmptyProgram(uint32 instructions, uint64 steps);
    /// @notice The input spec list must name each input slot once, in slot order.
    error ModelRegistry_InputCountMismatch(uint256 specs, uint32 inputSlots);
    /// @notice Input spec `index` is not (space Input, slot `index`).
    error ModelRegistry_BadInputSpec(uint256 index, uint8 space, uint32 slotIndex);
    /// @notice A model has at least one output.
    error ModelRegistry_NoOutputs();
    /// @notice Output spec `index` names a space or slot the program does not have.
    error ModelRegistry_BadOutputSpec(uint256 index, uint8 space, uint32 slotIndex);
    /// @notice A spec has a zero dim or more than 2^32 − 1 values.
    error ModelRegistry_BadDims(bool isInput, uint256 index);

    /// @notice Registers a model from the parts of its commitment. Anyone may; registering an
    ///         id that is already registered changes nothing and returns the same id.
    /// @dev Recomputes programRoot (§3.3), both spec list hashes and the commitment (§3.5).
    /// @param _parts The commitment's parts, as printed by `referee model commit`, with the
    ///        program header and the spec lists themselves instead of their hashes.
    /// @param _name A display name (kept from the first registration only).
    /// @param _uri Where the ONNX file can be fetched (checked against `onnxFileHash` off-chain;
    ///        kept from the first registration only).
    /// @return modelId_ The model commitment.
    function register(
        ModelParts calldata _parts,
        string calldata _name,
        string calldata _uri
    ) external returns (bytes32 modelId_);

    /// @notice The commitment of `_parts`, as `register` would compute it.
    /// @param _parts As for `register`.
    /// @return modelId_ The model commitment (§3.5).
    function computeModelId(ModelParts calldata _parts) external pure returns (bytes32 modelId_);

    /// @notice Everything stored about a model. Reverts for an unknown model.
    /// @param _modelId The model commitment.
    /// @return model_ The stored record.
    function getModel(bytes32 _modelId) external view returns (Model memory model_);

    /// @notice A model's name and URI, as its first registrant labelled it: unauthenticated.
    /// @param _modelId The model commitment.
    /// @return name_ The display name.
    /// @return uri_ Where the first registrant says the ONNX file is.
    function metadata(bytes32 _modelId) external view returns (string memory name_, string memory uri_);

    /// @notice Whether a model is registered.
    /// @param _modelId Any id.
    /// @return registered_ True once registered (a registration is permanent).
    function isRegistered(bytes32 _modelId) external view returns (bool registered_);

    /// @notice What a request needs: steps and each input slot's value count.
    ///         Reverts for an unknown model.
    /// @param _modelId The model commitment.
    /// @return steps_ The step count N.
    /// @return inputLengths_ The value count of each input slot, in slot order.
    function requestSpec(bytes32 _modelId) external view returns (uint64 steps_, uint32[] memory inputLengths_);

    /// @notice What a claim needs: the weights root, the program header (instruction count
    ///         and slot counts per space) and where each output lives. Reverts for an unknown model.
    /// @param _modelId The model commitment.
    /// @return weightsRoot_ The weight space root (§3.2).
    /// @return program_ The instruction count and slot counts per space.
    /// @return outputs_ Per output, in order, its space, slot and value count (§5.2).
    function claimSpec(
        bytes32 _modelId
    ) external view returns (bytes32 weightsRoot_, ProgramHeader memory program_, OutputSlot[] memory outputs_);

    /// @notice What a dispute game needs. Reverts for an unknown model.
    /// @param _modelId The model commitment.
    /// @return programRoot_ The program root (§3.3), against which each step's instruction is proved.
    /// @return weightsRoot_ The weight space root (§3.2).
    /// @return initialActivationsRoot_ The activation space root of state 0: every slot zero (§3.2).
    /// @return steps_ N, the program's step count (§2.1): the last state of a game.
    function gameSpec(
        bytes32 _modelId
    )
        external
        view
        returns (bytes32 programRoot_, bytes32 weightsRoot_, bytes32 initialActivationsRoot_, uint64 steps_);
}
