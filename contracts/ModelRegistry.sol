// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {LibCommitment} from "./lib/LibCommitment.sol";
import {Space} from "./lib/Isa.sol";
import {Model, ModelParts, OutputSlot, ProgramHeader, TensorSpec} from "./lib/Types.sol";

/// @title ModelRegistry
/// @notice Model commitments (docs/PROTOCOL.md §3.5), each registered with the parts it is
///         the hash of. The id of a model is its commitment: two registrations of the same
///         compiled model collide, and anyone can recompute the id from the ONNX file.
/// @dev Permissionless and ownerless: registering an id grants no power over it. Everything
///      stored but the first registrant, its time and its label is a function of the id, so
///      a repeated registration has nothing to change and returns the same id; nobody can
///      change, deprecate or withdraw a registered model, and an id a dApp pins keeps working.
contract ModelRegistry is IModelRegistry {
    struct Metadata {
        string name;
        string uri;
    }

    mapping(bytes32 modelId => Model) private _models;
    mapping(bytes32 modelId => Metadata) private _metadata;

    /// @inheritdoc IModelRegistry
    function register(
        ModelParts calldata _parts,
        string calldata _name,
        string calldata _uri
    ) external returns (bytes32 modelId_) {
        _validate(_parts);
        LibCommitment.ModelHashes memory h = LibCommitment.modelHashes(_parts);
        modelId_ = h.commitment;
        Model storage m = _models[modelId_];
        // INVARIANT: a registered id is never written again. Its parts are its preimage, so a
        // second registration (a front-run one included) would store the same model: it is a
        // no-op that returns the id, never a revert that would stop the caller's deployment.
        if (m.firstRegistrant != address(0)) {
            emit ModelAlreadyRegistered(modelId_, msg.sender);
            return modelId_;
        }

        m.id = modelId_;
        m.firstRegistrant = msg.sender;
        m.steps = _parts.steps;
        m.compilerVersion = _parts.compilerVersion;
        m.registeredAt = uint64(block.timestamp);
        m.programRoot = h.programRoot;
        m.weightsRoot = _parts.weightsRoot;
        m.initialActivationsRoot = _parts.initialActivationsRoot;
        m.inputSpecsHash = h.inputSpecsHash;
        m.outputSpecsHash = h.outputSpecsHash;
        m.onnxFileHash = _parts.onnxFileHash;
        m.program = _parts.program;
        for (uint256 i; i < _parts.inputs.length; ++i) {
            m.inputLengths.push(_length(_parts.inputs[i].dims));
        }
        for (uint256 i; i < _parts.outputs.length; ++i) {
            TensorSpec calldata s = _parts.outputs[i];
            m.outputs.push(OutputSlot({space: s.space, slotIndex: s.slotIndex, valueCount: _length(s.dims)}));
        }
        _metadata[modelId_] = Metadata({name: _name, uri: _uri});
        emit ModelRegistered(modelId_, msg.sender, h.programRoot, _parts.weightsRoot, _parts.steps, _name, _uri);
    }

    /// @inheritdoc IModelRegistry
    function computeModelId(ModelParts calldata _parts) external pure returns (bytes32 modelId_) {
        modelId_ = LibCommitment.modelHashes(_parts).commitment;
    }

    /// @inheritdoc IModelRegistry
    function getModel(bytes32 _modelId) external view returns (Model memory model_) {
        model_ = _known(_modelId);
    }

    /// @inheritdoc IModelRegistry
    function metadata(bytes32 _modelId) external view returns (string memory name_, string memory uri_) {
        _known(_modelId);
        Metadata storage md = _metadata[_modelId];
        (name_, uri_) = (md.name, md.uri);
    }

    /// @inheritdoc IModelRegistry
    function isRegistered(bytes32 _modelId) external view returns (bool registered_) {
        registered_ = _models[_modelId].firstRegistrant != address(0);
    }

    /// @inheritdoc IModelRegistry
    function requestSpec(bytes32 _modelId) external view returns (uint64 steps_, uint32[] memory inputLengths_) {
        Model storage m = _known(_modelId);
        (steps_, inputLengths_) = (m.steps, m.inputLengths);
    }

    /// @inheritdoc IModelRegistry
    function claimSpec(
        bytes32 _modelId
    ) external view returns (bytes32 weightsRoot_, ProgramHeader memory program_, OutputSlot[] memory outputs_) {
        Model storage m = _known(_modelId);
        (weightsRoot_, program_, outputs_) = (m.weightsRoot, m.program, m.outputs);
    }

    /// @inheritdoc IModelRegistry
    function gameSpec(
        bytes32 _modelId
    )
        external
        view
        returns (bytes32 programRoot_, bytes32 weightsRoot_, bytes32 initialActivationsRoot_, uint64 steps_)
    {
        Model storage m = _known(_modelId);
        (programRoot_, weightsRoot_, initialActivationsRoot_, steps_) = (
            m.programRoot,
            m.weightsRoot,
            m.initialActivationsRoot,
            m.steps
        );
    }

    function _known(bytes32 _modelId) private view returns (Model storage m_) {
        m_ = _models[_modelId];
        if (m_.firstRegistrant == address(0)) revert ModelRegistry_UnknownModel(_modelId);
    }

    /// @dev What the contracts downstream rely on: a program that runs at least one step;
    ///      input spec i is input slot i (so the inputs root is over the request's tensors in
    ///      order); outputs in existing slots; every tensor with 1 ≤ values < 2^32.
    function _validate(ModelParts calldata _parts) private pure {
        ProgramHeader calldata h = _parts.program;
        if (h.instructions == 0 || _parts.steps == 0) revert ModelRegistry_EmptyProgram(h.instructions, _parts.steps);
        if (_parts.inputs.length != h.inputSlots) {
            revert ModelRegistry_InputCountMismatch(_parts.inputs.length, h.inputSlots);
        }
        for (uint256 i; i < _parts.inputs.length; ++i) {
            TensorSpec calldata s = _parts.inputs[i];
            if (s.space != Space.INPUT || s.slotIndex != i) revert ModelRegistry_BadInputSpec(i, s.space, s.slotIndex);
            if (!_dimsOk(s.dims)) revert ModelRegistry_BadDims(true, i);
        }
        if (_parts.outputs.length == 0) revert ModelRegistry_NoOutputs();
        for (uint256 i; i < _parts.outputs.length; ++i) {
            TensorSpec calldata s = _parts.outputs[i];
            uint256 slots =
                s.space == Space.WEIGHT
                    ? h.weightSlots
                    : s.space == Space.INPUT
                        ? h.inputSlots
                        : s.space == Space.ACTIVATION
                            ? h.activationSlots
                            : 0;
            if (s.slotIndex >= slots) revert ModelRegistry_BadOutputSpec(i, s.space, s.slotIndex);
            if (!_dimsOk(s.dims)) revert ModelRegistry_BadDims(false, i);
        }
    }

    function _dimsOk(uint32[] calldata _dims) private pure returns (bool ok_) {
        uint256 p = 1;
        for (uint256 j; j < _dims.length; ++j) {
            if (_dims[j] == 0) return false;
            p *= _dims[j];
            if (p > type(uint32).max) return false;
        }
        ok_ = true;
    }

    /// @dev Values of a tensor with validated dims (< 2^32).
    function _length(uint32[] calldata _dims) private pure returns (uint32 length_) {
        uint256 p = 1;
        for (uint256 j; j < _dims.length; ++j) p *= _dims[j];
        length_ = uint32(p);
    }
}
