// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Model, ModelParts, OutputSlot, ProgramHeader} from "../lib/Types.sol";

/// @title IModelRegistry
/// @notice Registered model commitments (docs/PROTOCOL.md §3.5). A model's id is its
///         commitment, recomputed on-chain from the parts supplied at registration, so what
///         the registry stores can be checked against `referee model commit` by anyone.
interface IModelRegistry {
    /// @notice A model was registered under its commitment.
    /// @param modelId The model commitment (§3.5).
    /// @param owner The registering account, who may change metadata and deprecate.
    /// @param programRoot The program root (§3.3).
    /// @param weightsRoot The weight space root (§3.2).
    /// @param steps N, the number of steps the program takes (§2.1).
    /// @param name A display name.
    /// @param uri Where the ONNX file can be fetched.
    event ModelRegistered(
        bytes32 indexed modelId,
        address indexed owner,
        bytes32 programRoot,
        bytes32 weightsRoot,
        uint64 steps,
        string name,
        string uri
    );
    /// @notice A model's name and URI were changed by its owner.
    /// @param modelId The model.
    /// @param name The new display name.
    /// @param uri The new URI of the ONNX file.
    event ModelMetadataUpdated(bytes32 indexed modelId, string name, string uri);
    /// @notice A model was deprecated by its owner: it takes no new requests.
    /// @param modelId The model.
    event ModelDeprecated(bytes32 indexed modelId);
    /// @notice A model's ownership (metadata, deprecation) was handed to another account.
    /// @param modelId The model.
    /// @param previousOwner The owner before.
    /// @param newOwner The owner now.
    event ModelOwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice The commitment is already registered.
    error ModelRegistry_AlreadyRegistered(bytes32 modelId);
    /// @notice No model is registered under this id.
    error ModelRegistry_UnknownModel(bytes32 modelId);
    /// @notice Only the model's owner may do this.
    error ModelRegistry_NotModelOwner(bytes32 modelId, address caller, address owner);
    /// @notice The model is already deprecated.
    error ModelRegistry_AlreadyDeprecated(bytes32 modelId);
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
    /// @notice The new owner is the zero address.
    error ModelRegistry_ZeroOwner();

    /// @notice Registers a model from the parts of its commitment.
    /// @dev Recomputes programRoot (§3.3), both spec list hashes and the commitment (§3.5).
    /// @param _parts The commitment's parts, as printed by `referee model commit`, with the
    ///        program header and the spec lists themselves instead of their hashes.
    /// @param _name A display name.
    /// @param _uri Where the ONNX file can be fetched (checked against `onnxFileHash` off-chain).
    /// @return modelId_ The model commitment.
    function register(
        ModelParts calldata _parts,
        string calldata _name,
        string calldata _uri
    ) external returns (bytes32 modelId_);

    /// @notice Changes a model's name and URI. Model owner only.
    /// @param _modelId A registered model.
    /// @param _name The new display name.
    /// @param _uri The new URI of the ONNX file.
    function setMetadata(bytes32 _modelId, string calldata _name, string calldata _uri) external;

    /// @notice Deprecates a model: no new requests; open requests run to their end. Model owner only.
    /// @param _modelId A registered model, not deprecated yet.
    function deprecate(bytes32 _modelId) external;

    /// @notice Hands a model's ownership to `_newOwner`. Model owner only.
    /// @param _modelId A registered model.
    /// @param _newOwner The new owner; not 0.
    function transferModelOwnership(bytes32 _modelId, address _newOwner) external;

    /// @notice The commitment of `_parts`, as `register` would compute it.
    /// @param _parts As for `register`.
    /// @return modelId_ The model commitment (§3.5).
    function computeModelId(ModelParts calldata _parts) external pure returns (bytes32 modelId_);

    /// @notice Everything stored about a model. Reverts for an unknown model.
    /// @param _modelId The model commitment.
    /// @return model_ The stored record.
    function getModel(bytes32 _modelId) external view returns (Model memory model_);

    /// @notice A model's name and URI.
    /// @param _modelId The model commitment.
    /// @return name_ The display name.
    /// @return uri_ Where the ONNX file can be fetched.
    function metadata(bytes32 _modelId) external view returns (string memory name_, string memory uri_);

    /// @notice Whether a model is registered.
    /// @param _modelId Any id.
    /// @return registered_ True once registered, deprecated or not.
    function isRegistered(bytes32 _modelId) external view returns (bool registered_);

    /// @notice What a request needs: deprecation, steps and each input slot's value count.
    ///         Reverts for an unknown model.
    /// @param _modelId The model commitment.
    /// @return deprecated_ True if the model takes no new requests.
    /// @return steps_ N, the program's step count (§2.1), which prices a request.
    /// @return inputLengths_ Per input slot, in slot order, its number of binary32 values (§5.1).
    function requestSpec(
        bytes32 _modelId
    ) external view returns (bool deprecated_, uint64 steps_, uint32[] memory inputLengths_);

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
