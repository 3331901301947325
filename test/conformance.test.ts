// The required ops against ONNX's own backend tests (a curated subset of the suite that
// `npm run conformance` runs whole). Skips when Debian's libonnx-testdata is not installed.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_SUITE_DIR, primaryOp, runCase } from "../node/reference/conformance";

/** Op → suite tests that exercise it (the plain forms; variants are in the full suite). */
const REQUIRED: Record<string, string[]> = {
  Gemm: ["test_gemm_default_no_bias", "test_gemm_all_attributes", "test_gemm_default_vector_bias"],
  MatMul: ["test_matmul_2d", "test_matmul_3d", "test_matmul_4d"],
  Conv: ["test_basic_conv_with_padding", "test_conv_with_strides_padding", "test_conv_with_autopad_same"],
  BatchNormalization: ["test_batchnorm_example", "test_batchnorm_epsilon"],
  Add: ["test_add", "test_add_bcast"],
  Sub: ["test_sub", "test_sub_bcast"],
  Mul: ["test_mul", "test_mul_bcast"],
  Div: ["test_div", "test_div_bcast"],
  Pow: ["test_pow", "test_pow_bcast_array", "test_pow_example"],
  Sqrt: ["test_sqrt", "test_sqrt_example"],
  ReduceMean: [
    "test_reduce_mean_keepdims_random",
    "test_reduce_mean_do_not_keepdims_random",
    "test_reduce_mean_default_axes_keepdims_random",
  ],
  ReduceSum: ["test_reduce_sum_keepdims_random", "test_reduce_sum_do_not_keepdims_random"],
  ReduceMax: ["test_reduce_max_keepdims_random", "test_reduce_max_do_not_keepdims_random"],
  Relu: ["test_relu"],
  LeakyRelu: ["test_leakyrelu", "test_leakyrelu_default"],
  Clip: ["test_clip", "test_clip_default_min", "test_clip_inbounds"],
  HardSigmoid: ["test_hardsigmoid", "test_hardsigmoid_default"],
  HardSwish: ["test_hardswish"],
  Sigmoid: ["test_sigmoid", "test_sigmoid_example"],
  Tanh: ["test_tanh", "test_tanh_example"],
  Exp: ["test_exp", "test_exp_example"],
  Log: ["test_log", "test_log_example"],
  Erf: ["test_erf"],
  Softmax: ["test_softmax_axis_1", "test_softmax_default_axis", "test_softmax_large_number"],
  LayerNormalization: ["test_layer_normalization_2d_axis1", "test_layer_normalization_4d_axis_negative_1"],
  GlobalAveragePool: ["test_globalaveragepool", "test_globalaveragepool_precomputed"],
  AveragePool: ["test_averagepool_2d_default", "test_averagepool_2d_pads", "test_averagepool_2d_strides"],
  MaxPool: ["test_maxpool_2d_default", "test_maxpool_2d_pads", "test_maxpool_2d_strides"],
  Flatten: ["test_flatten_axis1", "test_flatten_default_axis", "test_flatten_negative_axis1"],
  Reshape: ["test_reshape_reordered_all_dims", "test_reshape_negative_dim", "test_reshape_extended_dims"],
  Transpose: ["test_transpose_default", "test_transpose_all_permutations_3"],
  Squeeze: ["test_squeeze", "test_squeeze_negative_axes"],
  Unsqueeze: ["test_unsqueeze_axis_0", "test_unsqueeze_two_axes"],
  Concat: ["test_concat_2d_axis_0", "test_concat_3d_axis_1", "test_concat_1d_axis_negative_1"],
  Slice: ["test_slice", "test_slice_neg_steps", "test_slice_default_axes"],
  Gather: ["test_gather_0", "test_gather_1", "test_gather_negative_indices"],
  Pad: ["test_constant_pad", "test_reflect_pad", "test_edge_pad"],
  Resize: ["test_resize_upsample_scales_nearest", "test_resize_downsample_scales_nearest"],
  Shape: ["test_shape", "test_shape_start_1"],
  Cast: ["test_cast_FLOAT_to_DOUBLE", "test_cast_DOUBLE_to_FLOAT"],
  Constant: ["test_constant"],
  Identity: ["test_identity"],
  // Runtime comparisons and selection (issue 12): Map ops Equal / Less / LessOrEqual / Where.
  Less: ["test_less", "test_less_bcast"],
  LessOrEqual: ["test_less_equal", "test_less_equal_bcast_expanded"],
  Greater: ["test_greater", "test_greater_bcast"],
  GreaterOrEqual: ["test_greater_equal", "test_greater_equal_bcast"],
  Where: ["test_where_example", "test_where_long_example"],
  ArgMax: ["test_argmax_keepdims_random", "test_argmax_no_keepdims_example_select_last_index"],
  ArgMin: ["test_argmin_default_axis_random", "test_argmin_negative_axis_keepdims_random_select_last_index"],
  Hardmax: ["test_hardmax_axis_1", "test_hardmax_one_hot"],
  IsInf: ["test_isinf", "test_isinf_negative"],
  IsNaN: ["test_isnan"],
  Shrink: ["test_shrink_hard", "test_shrink_soft"],
  ThresholdedRelu: ["test_thresholdedrelu", "test_thresholdedrelu_default"],
  Trilu: ["test_triu", "test_triu_neg"],
  GatherElements: ["test_gather_elements_0", "test_gather_elements_negative_indices"],
  NegativeLogLikelihoodLoss: [
    "test_nllloss_NCd1_weight_ii_expanded",
    "test_nllloss_NCd1d2d3_sum_weight_high_ii_expanded",
    "test_nllloss_NCd1_mean_weight_negative_ii",
    "test_nllloss_NCd1d2d3_none_no_weight_negative_ii",
  ],
  SoftmaxCrossEntropyLoss: ["test_sce_mean_no_weight_ii_3d_log_prob", "test_sce_NCd1d2d3_sum_weight_high_ii"],
  OneHot: ["test_onehot_with_axis", "test_onehot_negative_indices"],
  EyeLike: ["test_eyelike_populate_off_main_diagonal"],
  CumSum: ["test_cumsum_2d_axis_1", "test_cumsum_1d_reverse_exclusive"],
  Mod: ["test_mod_mixed_sign_int64", "test_mod_int64_fmod"],
  ReduceProd: ["test_reduce_prod_keepdims_random", "test_reduce_prod_do_not_keepdims_random"],
  QuantizeLinear: ["test_quantizelinear", "test_quantizelinear_axis"],
  DequantizeLinear: ["test_dequantizelinear"],
  Compress: ["test_compress_0", "test_compress_default_axis"],
  BitShift: ["test_bitshift_left_uint8", "test_bitshift_right_uint64"],
  HannWindow: ["test_hannwindow"],
  LSTM: ["test_lstm_with_peepholes", "test_lstm_batchwise"],
  GRU: ["test_gru_seq_length", "test_gru_with_initial_bias"],
  RNN: ["test_rnn_seq_length", "test_simple_rnn_batchwise"],
  If: ["test_if"],
  Einsum: ["test_einsum_batch_matmul", "test_einsum_batch_diagonal", "test_einsum_sum"],
  Celu: ["test_celu"],
  Sinh: ["test_sinh"],
  Cosh: ["test_cosh"],
  Tan: ["test_tan"],
  MeanVarianceNormalization: ["test_mvn"],
  GatherND: ["test_gathernd_example_float32", "test_gathernd_example_int32_batch_dim1"],
  ReverseSequence: ["test_reversesequence_batch", "test_reversesequence_time"],
  TopK: ["test_top_k", "test_top_k_smallest", "test_top_k_negative_axis"],
  ScatterElements: ["test_scatter_elements_with_duplicate_indices", "test_scatter_elements_with_negative_indices"],
  ScatterND: ["test_scatternd", "test_scatternd_add", "test_scatternd_multiply"],
};

describe("conformance: ONNX backend tests for the required ops", function () {
  const present = fs.existsSync(DEFAULT_SUITE_DIR);

  before(function () {
    if (!present) {
      console.log(`    (skipped: ONNX test data not found at ${DEFAULT_SUITE_DIR}; install Debian's libonnx-testdata)`);
      this.skip();
    }
  });

  for (const [op, tests] of Object.entries(REQUIRED)) {
    describe(op, () => {
      for (const name of tests) {
        it(name, function () {
          const dir = path.join(DEFAULT_SUITE_DIR, name);
          if (!fs.existsSync(dir)) this.skip();
          const r = runCase({ name, dir });
          expect(r.status, `${name}: ${r.reason ?? ""}`).to.equal("pass");
        });
      }
    });
  }
});

describe("conformance: attributing tests to ops", () => {
  it("uses the single op, the unexpanded twin, or the longest op name prefixing the test name", () => {
    expect(primaryOp("test_relu", ["Relu"])).to.equal("Relu");
    const twins = new Map([["test_softmax_axis_0", "Softmax"]]);
    expect(primaryOp("test_softmax_axis_0_expanded", ["Div", "Exp", "ReduceMax", "ReduceSum", "Sub"], twins)).to.equal(
      "Softmax",
    );
    expect(primaryOp("test_reduce_sum_square_x", ["ReduceSum", "ReduceSumSquare", "Mul"])).to.equal("ReduceSumSquare");
    expect(primaryOp("test_other", ["Add", "Mul"])).to.equal("Add+Mul");
  });
});
