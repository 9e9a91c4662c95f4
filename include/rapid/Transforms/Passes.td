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

#endif // RAPID_TRANSFORMS_PASSES_TD
