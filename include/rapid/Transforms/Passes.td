//===- Passes.td - Passes over the rapid dialect -------------*- tablegen -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TRANSFORMS_PASSES_TD
#define RAPID_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RapidCanonicalize : Pass<"rapid-canonicalize"> {
  let summary = "Folds and simplifies rapid ops";
  let description = [{
    Applies the folders and canonicalization patterns of the `rapid` dialect
    until a fixed point, and erases ops whose results are unused:

    - `rapid.reshape`, `rapid.transpose`, `rapid.cast`, `rapid.pad` and
      `rapid.concat` of constants become constants (weights are re-laid out
      at compile time);
    - identity transposes, reshapes, casts, zero pads and single-input
      concats disappear; a reshape of a reshape and a transpose of a
      transpose become one op;
    - `rapid.flatten` becomes `rapid.reshape`.

    ```
    rapid-opt --rapid-canonicalize model.mlir
    ```
  }];
  let options = [
    Option<"maxIterations", "max-iterations", "int64_t", /*default=*/"10",
           "Maximum number of pattern-application sweeps before giving up">
  ];
  let statistics = [
    Statistic<"numOpsRemoved", "ops-removed", "Number of ops removed">
  ];
}

def RapidFoldBatchNorm : Pass<"rapid-fold-batchnorm"> {
  let summary = "Folds inference batch normalization into the preceding conv2d or gemm";
  let description = [{
    Rewrites `rapid.batchnorm(rapid.conv2d(x, W, b))` into
    `rapid.conv2d(x, W', b')` with, per output channel o,
    `s = scale[o] / sqrt(var[o] + eps)`, `W'[o] = s * W[o]` and
    `b'[o] = s * (b[o] - mean[o]) + bias[o]`. The same applies to a
    `rapid.gemm` whose output features are its columns. The producer must
    have constant float weights (and bias, if any), no fused activation and
    no other user; the batch-norm parameters must be constants. Other
    batch norms are left alone (the SFUs run them).

    ```
    rapid-opt --rapid-fold-batchnorm model.mlir
    ```
  }];
  let dependentDialects = ["::rapid::RapidDialect"];
  let statistics = [
    Statistic<"numFolded", "batchnorms-folded", "Number of batch norms folded">,
    Statistic<"numKept", "batchnorms-kept", "Number of batch norms left in place">
  ];
}

def RapidFuseBiasActivation : Pass<"rapid-fuse-bias-activation"> {
  let summary = "Fuses bias additions and activations into conv2d and matrix products";
  let description = [{
    Rewrites, where the producer has no other user:

    - `rapid.add(rapid.conv2d(x, W[, b]), c)` with a constant per-channel `c`
      (shape Ox1x1, 1xOx1x1 or a single value) into `rapid.conv2d(x, W, b + c)`;
    - `rapid.add(rapid.matmul(a, B), c)` with 2-D operands and a constant
      per-column `c` (shape N or 1xN) into `rapid.gemm(a, B, c)`, and the
      same bias into an existing `rapid.gemm` with beta = 1;
    - an activation (`relu`, `clip`, `leaky_relu`, `sigmoid`,
      `hard_sigmoid`, `tanh`) of a `rapid.conv2d` or `rapid.gemm` without one
      into the producer's `act`, so the SFUs apply it while the output tile
      is on chip.

    ```
    rapid-opt --rapid-fuse-bias-activation model.mlir
    ```
  }];
  let dependentDialects = ["::rapid::RapidDialect"];
  let statistics = [
    Statistic<"numBiasFused", "biases-fused", "Number of bias additions fused">,
    Statistic<"numActivationFused", "activations-fused",
              "Number of activations fused">
  ];
}

def RapidDeepSpatialMatrix
    : Pass<"rapid-deep-spatial-matrix", "::mlir::ModuleOp"> {
  let summary = "Divides every layer over chips and cores: hybrid parallelism, memory plan (DeepSpatialMatrix)";
  let description = [{
    Chooses, for every layer op, how its work is divided over the chips of
    the 2-D torus and the cores of each chip's ring, and attaches it as
    `#rapid.spatial` (docs/deep-spatial-matrix.md):

    - the parallelism kind across chips (`data`, `model`, `data_x_model_y`,
      `model_x_data_y`) and the dimensions each direction splits, the core
      split of each chip's share;
    - priced as each core's DeepMatrix mapping plus the collectives the
      division implies on the topology (feature all-gathers, partial-sum
      reductions, halo exchanges, the weight-gradient all-reduce overlapped
      with back-propagation) plus the re-layout between layers whose
      layouts differ, chosen jointly over the network by an exact dynamic
      program (chains and DAGs with skip connections);
    - then the memory plan: activation reuse (`hold_output`,
      `input_on_chip`), Dynamic Spatial Minibatching (`spatial_minibatch`),
      weight pre-loading for inference (`preload_weights`), timestep
      pipelining of LSTM chains (`pipeline_stage`).

    Runs before `rapid-deep-matrix`, which maps each core's share. With
    `baseline`, every layer gets the homogeneous division instead (data
    parallel where the minibatch allows, the default core split, no memory
    optimizations).
    ```
    rapid-opt --rapid-deep-spatial-matrix='arch=deeptools-64chip mode=train' \
              --rapid-deep-matrix='arch=deeptools-64chip mode=train' model.mlir
    ```
  }];
  let dependentDialects = ["::rapid::RapidDialect"];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"rapid-core\"",
           "Architecture preset name or description file (.json)">,
    Option<"mode", "mode", "std::string", /*default=*/"\"infer\"",
           "infer (FWD) or train (FWD, BWD, UPD)">,
    Option<"precision", "precision", "std::string", /*default=*/"\"fp16\"",
           "PE precision (as rapid-deep-matrix)">,
    Option<"budget", "budget", "int64_t", /*default=*/"100000",
           "Cost-model evaluations per core search while dividing">,
    Option<"memoryOpts", "memory-opts", "bool", /*default=*/"true",
           "Activation reuse, Dynamic Spatial Minibatching, weight "
           "pre-loading and timestep pipelining">,
    Option<"baseline", "baseline", "bool", /*default=*/"false",
           "Attach the homogeneous baseline division instead of searching">
  ];
  let statistics = [
    Statistic<"numLayers", "layers-divided", "Number of layers divided">,
    Statistic<"numPriced", "divisions-priced",
              "Number of (layer, division) pairs priced">,
    Statistic<"numSearches", "core-searches",
              "Number of per-core DeepMatrix searches">,
    Statistic<"numStates", "dp-states",
              "Number of states of the inter-layer dynamic programs">
  ];
}

def RapidAssignPrecision : Pass<"rapid-assign-precision", "::mlir::ModuleOp"> {
  let summary = "Chooses each layer's precision; quantizes its weights and inputs";
  let description = [{
    Sets the PE precision of every layer (`conv2d`, `gemm`, `matmul` with
    constant weights) by rewriting its operands' types, which
    `rapid-deep-matrix` and `rapid-lower-to-isa` then follow
    (docs/precision.md):

    - an HFP8 layer reads `rapid.cast` of its input to `f8E4M3B11FNUZ`
      (weights converted when packed; sums in FP16 chunks of 64);
    - an integer layer (int8, int4, int2) reads `rapid.quantize` of its
      input and a `rapid.quant_constant` of its weights: weights symmetric
      per tensor with the `weights` clip (SAWB, max-abs or percentile);
      inputs with the clip of a PACT `clip` (or fused clip activation) that
      produces them, else calibrated on the `calibration` inputs (`max`,
      `percentile` or the MSE-optimal clip); non-negative inputs use every
      level (zero point -2^(bits-1)). Sums are exact in FP32 and scaled back.

    Policies: `fp32`, `fp16` (leave the model to the mapping's precision);
    `hfp8`, `int8`, `int4`, `int2` (every layer; the integer ones keep the
    first and last layer in FP16 unless `quantize-ends`); `int4-biscaled`
    (as `int4`, the weights in the seed's BiScaled fixed point: 4-bit
    integers in a fine step or in 4 times it, the fine step of least
    squared error; the layer marked `rapid.biscaled_weights`); `int4-fpec`
    (as `int4`, inputs and weights in fixed point with error compensation:
    `compensated` quantized types whose elements carry their error's
    direction, and the compensated MAC); `hybrid-fp8` (the
    seed's rule: first and last layers and those feeding a softmax in FP16,
    the others in HFP8 1-4-3; in training the backward tensors would be
    1-5-2); `auto` (accuracy-aware: starting from FP16, lowers one layer at
    a time a rung down int8 -> int4, the layers the cost model says gain most
    first, keeping a step only while the calibration set's top-1 accuracy,
    against `labels` or else the FP32 model's own answers, stays within
    `tolerance` points of FP16's; each candidate is compiled and run on the
    simulator).

    With `shortcut=quantized` the operands of `add` (residual shortcuts) are
    also quantized and dequantized at the policy's width; the default `full`
    keeps them at full precision.

    Calibration compiles the FP32 model with every layer input as an extra
    output and runs it on rapid-sim's executor.
    ```
    rapid-opt --rapid-assign-precision='policy=int4 calibration=calib.npy' model.mlir
    ```
  }];
  let dependentDialects = ["::rapid::RapidDialect"];
  let options = [
    Option<"policy", "policy", "std::string", /*default=*/"\"fp16\"",
           "fp32, fp16, hfp8, hybrid-fp8, int8, int4, int4-biscaled, "
           "int4-fpec, int2 or auto">,
    Option<"weights", "weights", "std::string", /*default=*/"\"sawb\"",
           "Weight clip of integer layers: sawb, max or percentile">,
    Option<"activations", "activations", "std::string", /*default=*/"\"mse\"",
           "Calibrated input clip of integer layers without a PACT clip: "
           "max, percentile or mse">,
    Option<"percentile", "percentile", "double", /*default=*/"99.99",
           "The percentile of the percentile clips">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           ".npy of calibration inputs: [N, ...] of the model's input shape "
           "without its batch dimension, or one input">,
    Option<"samples", "samples", "int64_t", /*default=*/"256",
           "Calibration inputs used (0: all)">,
    Option<"labels", "labels", "std::string", /*default=*/"\"\"",
           "auto: .npy of the calibration inputs' class labels (without: "
           "agreement with the FP32 model's top-1)">,
    Option<"tolerance", "tolerance", "double", /*default=*/"1.0",
           "auto: top-1 accuracy points allowed below FP16's">,
    Option<"quantizeEnds", "quantize-ends", "bool", /*default=*/"false",
           "Integer policies: quantize the first and last layer too">,
    Option<"shortcut", "shortcut", "std::string", /*default=*/"\"full\"",
           "full: residual adds in full precision; quantized: their "
           "operands quantized at the policy's width">,
    Option<"arch", "arch", "std::string", /*default=*/"\"rapid-core\"",
           "Architecture preset or file: the calibration runs and the cost "
           "model's ranking (auto)">
  ];
  let statistics = [
    Statistic<"numHfp8", "layers-hfp8", "Number of layers set to HFP8">,
    Statistic<"numInteger", "layers-integer", "Number of layers quantized to integers">,
    Statistic<"numPact", "inputs-pact", "Number of inputs quantized with a PACT clip">,
    Statistic<"numCalibrated", "inputs-calibrated", "Number of inputs quantized with a calibrated clip">,
    Statistic<"numRuns", "simulator-runs", "Number of simulated calibration inputs">
  ];
}

def RapidDeepMatrix : Pass<"rapid-deep-matrix", "::mlir::ModuleOp"> {
  let summary = "Maps every layer onto a core: dataflow, tiles, loop order (DeepMatrix)";
  let description = [{
    For every layer op (`conv2d`, `conv_transpose2d`, `matmul`, `gemm`,
    `lstm`, `lstm_cell`) and every kernel it runs (FWD; in `mode=train` also
    BWD and UPD), searches the per-core mapping the waveform cost model
    prices lowest (docs/cost-model.md) and attaches it as `rapid.mapping`
    (`rapid.mapping_bwd`, `rapid.mapping_upd`).

    The core's share of the layer comes from the op's `rapid.spatial`
    (DeepSpatialMatrix) when present. Otherwise the layer is divided over
    the cores of one chip model-parallel (out, then ij, then mb, by prime
    factors of the core count), recorded as `rapid.spatial`, and the cores
    share the chip's external bandwidth.

    The search keeps the best configurations per dataflow, prunes redundant,
    over-capacity and bound-dominated configurations, and is deterministic.
    A layer with no mapping that fits is an error naming the layer.
    ```
    rapid-opt --rapid-deep-matrix='arch=rapid-core mode=infer' model.mlir
    ```
  }];
  let dependentDialects = ["::rapid::RapidDialect"];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"rapid-core\"",
           "Architecture preset name or description file (.json)">,
    Option<"mode", "mode", "std::string", /*default=*/"\"infer\"",
           "infer (FWD) or train (FWD, BWD, UPD)">,
    Option<"precision", "precision", "std::string", /*default=*/"\"fp16\"",
           "PE precision: fp32 (verification mode: fp32 operands and "
           "accumulation, emulated at a quarter of the fp16 rate), fp16 (fp32 "
           "accumulation), hfp8 (1-4-3, fp16 accumulation in chunks of 64), "
           "int8, int4, int2">,
    Option<"budget", "budget", "int64_t", /*default=*/"4000000",
           "Cost-model evaluations per layer kernel (0: unlimited)">,
    Option<"exhaustive", "exhaustive", "bool", /*default=*/"false",
           "Search every tile size and loop order without pruning (small "
           "layers only)">,
    Option<"search", "search", "bool", /*default=*/"true",
           "Search; false attaches the hand-tuned baseline mapping">
  ];
  let statistics = [
    Statistic<"numKernels", "kernels-mapped", "Number of layer kernels mapped">,
    Statistic<"numEvaluated", "configurations-evaluated",
              "Number of cost-model evaluations">,
    Statistic<"numPrunedCapacity", "pruned-capacity",
              "Number of tiles pruned for exceeding a scratchpad">,
    Statistic<"numPrunedBound", "pruned-bound",
              "Number of B tiles pruned by the lower bound">
  ];
}

def RapidLowerToISA : Pass<"rapid-lower-to-isa", "::mlir::ModuleOp"> {
  let summary = "Lowers a mapped model to a rapid_isa.program (the code of model.bin)";
  let description = [{
    Turns the model's function, its layers mapped by `rapid-deep-matrix`,
    into one `rapid_isa.program` (docs/backend.md):

    - every layer becomes the code its mapping dictates (lib/Backend):
      `conv2d` (any window, depthwise, fused bias and relu/clip), `gemm` and
      `matmul` with constant weights on the PE array; `maxpool`, `avgpool`,
      `global_avgpool`, same-shape `add`/`sub`/`mul`/`max`, `relu` and `clip`
      on the SFUs; `reshape` and `flatten` alias their operand;
    - weights and biases are converted to the mapping's precision and
      packed into the constants image at compile time; sparse weights are
      stored bitmap-compressed per B tile when it pays
      (`compress-weights`, docs/backend.md) and expanded into Lx by
      `ext_to_lx_unpack` DMAs;
    - activations live in external memory, placed by their lifetimes so
      that dead tensors' bytes are reused; each layer's Lx and L0 buffers
      are memory-map regions live for its step, which the program's
      verifier checks against the capacities;
    - the function's arguments and results become the model's input and
      output tensors, named as in the ONNX model.

    The function is replaced by the program; each step is a layer of the
    program (`rapid_isa.layer`, with the cost model's prediction of its
    cycles) and each core's code is marked with the layers it runs
    (`rapid_isa.mark`). An op the backend does not lower yet, a layer
    without a mapping, or an architecture with more than one chip is an
    error naming the op.
    ```
    rapid-opt --rapid-deep-matrix --rapid-lower-to-isa model.mlir
    ```
  }];
  let dependentDialects = ["::rapid::isa::RapidISADialect"];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"rapid-core\"",
           "Architecture preset name or description file (.json); the one "
           "the mappings were searched for">,
    Option<"precision", "precision", "std::string", /*default=*/"\"\"",
           "The precision policy the mappings were searched with (fp32, "
           "fp16, hfp8, ...): the activations' precision when no layer has "
           "a mapping (a float policy's input precision; otherwise, and "
           "when empty, fp16). With mapped layers their input precision">,
    Option<"compressWeights", "compress-weights", "std::string",
           /*default=*/"\"auto\"",
           "Stores a layer's weights bitmap-compressed, loaded with "
           "ext_to_lx_unpack: auto (when the largest compressed B tile, its "
           "padding counted as non-zero, is at most 3/4 of a dense one), "
           "never, or always (when it is not larger than a dense one)">
  ];
  let statistics = [
    Statistic<"numLayers", "layers-lowered", "Number of layers lowered">,
    Statistic<"numCompressedLayers", "compressed-weight-layers",
              "Number of layer slices whose weights are stored compressed">,
    Statistic<"numCompressedBytesSaved", "compressed-weight-bytes-saved",
              "Bytes of weights that compression saves in the constants "
              "image">,
    Statistic<"numInstructions", "instructions", "Number of instructions emitted">,
    Statistic<"numConstantBytes", "constant-bytes",
              "Bytes of packed weights and other constants">,
    Statistic<"numActivationBytes", "activation-bytes",
              "Bytes of external memory the activations span">
  ];
}

#endif // RAPID_TRANSFORMS_PASSES_TD
