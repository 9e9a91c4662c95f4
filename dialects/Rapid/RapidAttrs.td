//===- RapidAttrs.td - Attributes of the rapid dialect -------*- tablegen -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_ATTRS_TD
#define RAPID_ATTRS_TD

include "RapidBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Enumerations
//===----------------------------------------------------------------------===//

def Rapid_ActivationKind : I32EnumAttr<"ActivationKind",
    "activation fused into a convolution or matrix product", [
      I32EnumAttrCase<"relu", 0>,
      I32EnumAttrCase<"clip", 1>,
      I32EnumAttrCase<"leaky_relu", 2>,
      I32EnumAttrCase<"sigmoid", 3>,
      I32EnumAttrCase<"hard_sigmoid", 4>,
      I32EnumAttrCase<"tanh", 5>
    ]> {
  let cppNamespace = "::rapid";
  let genSpecializedAttr = 0;
}

def Rapid_PadMode : I32EnumAttr<"PadMode", "how rapid.pad fills the border", [
      I32EnumAttrCase<"constant", 0>,
      I32EnumAttrCase<"reflect", 1>,
      I32EnumAttrCase<"edge", 2>
    ]> {
  let cppNamespace = "::rapid";
}

def Rapid_LSTMDirection : I32EnumAttr<"LSTMDirection",
    "direction an LSTM runs over the sequence", [
      I32EnumAttrCase<"forward", 0>,
      I32EnumAttrCase<"reverse", 1>,
      I32EnumAttrCase<"bidirectional", 2>
    ]> {
  let cppNamespace = "::rapid";
}

//===----------------------------------------------------------------------===//
// Fused activation
//===----------------------------------------------------------------------===//

def Rapid_ActivationAttr : AttrDef<Rapid_Dialect, "Activation"> {
  let mnemonic = "act";
  let summary = "An activation function with its parameters";
  let description = [{
    The activation a `rapid.conv2d` or `rapid.gemm` applies to its result
    after the bias, so that the SFUs run it while the tile is still on chip.
    Kinds and parameters (all f32):

    | kind           | parameters     | function                          |
    |----------------|----------------|-----------------------------------|
    | `relu`         |                | max(x, 0)                         |
    | `clip`         | `min, max`     | min(max(x, min), max) (ReLU6, PACT) |
    | `leaky_relu`   | `alpha`        | x >= 0 ? x : alpha * x            |
    | `sigmoid`      |                | 1 / (1 + exp(-x))                 |
    | `hard_sigmoid` | `alpha, beta`  | max(0, min(1, alpha * x + beta))  |
    | `tanh`         |                | tanh(x)                           |

    ```mlir
    #rapid.act<relu>
    #rapid.act<clip 0.0, 6.0>
    #rapid.act<leaky_relu 0.1>
    ```
    Inside an op the attribute is written after the keyword `act`:
    `act clip 0.0, 6.0`.
  }];
  // Unused parameters of a kind are 0.
  let parameters = (ins "::rapid::ActivationKind":$kind,
                        APFloatParameter<"first parameter (min or alpha)">:$alpha,
                        APFloatParameter<"second parameter (max or beta)">:$beta);
  let builders = [
    AttrBuilder<(ins "::rapid::ActivationKind":$kind,
                     CArg<"double", "0.0">:$alpha, CArg<"double", "0.0">:$beta), [{
      return $_get($_ctxt, kind, ::llvm::APFloat(static_cast<float>(alpha)),
                   ::llvm::APFloat(static_cast<float>(beta)));
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of parameters each kind takes.
    static unsigned getNumParams(::rapid::ActivationKind kind);
    /// Parses/prints the body without the surrounding `<>`, as ops write it.
    static ::mlir::FailureOr<ActivationAttr> parseBody(::mlir::AsmParser &parser);
    void printBody(::mlir::AsmPrinter &printer) const;
    /// Applies the activation to one value (the reference semantics used by
    /// constant folding).
    double apply(double x) const;
  }];
}

//===----------------------------------------------------------------------===//
// Mapping attributes
//===----------------------------------------------------------------------===//

def Rapid_SpatialAttr : AttrDef<Rapid_Dialect, "Spatial"> {
  let mnemonic = "spatial";
  let summary = "Work division of a layer across chips and cores";
  let description = [{
    Filled in by DeepSpatialMatrix: the parallelism kind of the layer across
    the chips of the 2-D torus, the torus size (`chips = [X, Y]`), the cores
    on each chip's ring, and how many ways each workload dimension
    {in, out, ij, mb, kij} is split across chips (`chip_split`, the seed's
    ChipD) and across the cores of a chip (`core_split`, CoreD). Dimensions
    left out of a split are not split (1).

    ```mlir
    #rapid.spatial<data_x_model_y, chips = [4, 16], cores = 32,
                   chip_split = {out = 16, mb = 4}, core_split = {out = 4, mb = 8}>
    ```

    The memory plan follows as optional clauses:
    - `spatial_minibatch = S`: Dynamic Spatial Minibatching; each core's
      minibatch share runs as S sequential spatial minibatches (the per-core
      workload's `mb` is divided by S as well);
    - `hold_output`: the output stays in the scratchpads for the next layer
      (activation reuse; in training also the error flowing back);
    - `input_on_chip`: the input is read from the producer's scratchpads;
    - `preload_weights`: the weights stay in the scratchpads across
      inference jobs;
    - `lx_reserved = B`: bytes of each core's Lx the held data takes; the
      mapping stages tiles in the rest;
    - `pipeline_stage = K`: stage K of a timestep pipeline, on its own group
      of `chips` (then a `[G, 1]` sub-torus).

    ```mlir
    #rapid.spatial<data, chips = [4, 16], cores = 32, chip_split = {mb = 64},
                   core_split = {out = 4, ij = 8}, spatial_minibatch = 2,
                   hold_output, lx_reserved = 200704>
    ```

    Verified: every split is >= 1; the product of `core_split` does not
    exceed `cores`; the product of `chip_split` does not exceed X * Y; and the
    chip split fits the parallelism kind: `data` splits only `mb`; `model`
    never splits `mb`; `data_x_model_y` splits `mb` at most X ways (data
    parallel along X) and the other dimensions at most Y ways together
    (model parallel along Y); `model_x_data_y` is the mirror image; the
    spatial minibatch is >= 1, `lx_reserved` >= 0, `pipeline_stage` >= 0. On
    an op, no split (the minibatch's including the spatial minibatch) may
    exceed the op's workload dimension.
  }];
  let parameters = (ins "::rapid::Parallelism":$kind,
                        ArrayRefParameter<"int64_t", "torus size [X, Y]">:$chips,
                        "int64_t":$cores,
                        ArrayRefParameter<"int64_t", "split per dimension">:$chipSplit,
                        ArrayRefParameter<"int64_t", "split per dimension">:$coreSplit,
                        "int64_t":$spatialMinibatch,
                        "bool":$holdOutput,
                        "bool":$inputOnChip,
                        "bool":$preloadWeights,
                        "int64_t":$lxReserved,
                        "int64_t":$pipelineStage);
  let builders = [
    AttrBuilder<(ins "::rapid::Parallelism":$kind,
                     "::llvm::ArrayRef<int64_t>":$chips, "int64_t":$cores,
                     "::llvm::ArrayRef<int64_t>":$chipSplit,
                     "::llvm::ArrayRef<int64_t>":$coreSplit), [{
      return $_get($_ctxt, kind, chips, cores, chipSplit, coreSplit,
                   /*spatialMinibatch=*/1, false, false, false,
                   /*lxReserved=*/0, /*pipelineStage=*/-1);
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getChipSplit(::rapid::Dim d) const {
      return getChipSplit()[static_cast<unsigned>(d)];
    }
    int64_t getCoreSplit(::rapid::Dim d) const {
      return getCoreSplit()[static_cast<unsigned>(d)];
    }
    /// Ways each dimension is divided per core: chips x cores, and the
    /// minibatch also by the spatial minibatch.
    ::rapid::DimTuple getWorkSplit() const {
      ::rapid::DimTuple split;
      for (unsigned i = 0; i < ::rapid::kNumDims; ++i)
        split[i] = getChipSplit()[i] * getCoreSplit()[i];
      split[static_cast<unsigned>(::rapid::Dim::Mb)] *= getSpatialMinibatch();
      return split;
    }
    /// Cores of a chip the split occupies.
    int64_t getCoresUsed() const {
      int64_t n = 1;
      for (int64_t s : getCoreSplit())
        n *= s;
      return n;
    }
  }];
}

def Rapid_MappingAttr : AttrDef<Rapid_Dialect, "Mapping"> {
  let mnemonic = "mapping";
  let summary = "Per-core mapping of a layer: dataflow, tiles, loop order, transfers, precision";
  let description = [{
    Filled in by DeepMatrix: how one core executes its share of a layer.

    - `dataflow`: which data structure stays in the PE register files
      (`weight_stationary`, `output_stationary`, `input_stationary`).
    - `N`: the core's workload per dimension {in, out, ij, mb, kij}.
    - `B`, `T`: the two levels of data-staging tiles (B staged in the Lx
      scratchpad, T in L0) and `P`, the work fed to the PE array at once.
      Per dimension P <= T <= B <= N.
    - `order`: the loop order of each stage, outermost first; each is a
      permutation of the five dimensions.
    - `transfers`: for each data structure (`inp`, `ker`, `out`) the memory
      level that holds its tile and the loop (`stage.dim`) at which it is
      (re)fetched or written back.
    - `precision`: storage precision of `inp` and `ker`, the accumulation
      precision `acc` (at least as wide as either operand) and the chunk
      length of chunk-based accumulation (0: no chunking).

    ```mlir
    #rapid.mapping<weight_stationary,
      N = {in = 64, out = 128, ij = 3136, mb = 1, kij = 9},
      B = {in = 64, out = 128, ij = 784, mb = 1, kij = 9},
      T = {in = 64, out = 64, ij = 196, mb = 1, kij = 9},
      P = {in = 64, out = 64, ij = 1, mb = 1, kij = 1},
      order = {B = [mb, out, ij, in, kij], T = [out, ij, in, kij, mb],
               P = [kij, in, ij, out, mb]},
      transfers = {inp = lx at B.ij, ker = l0 at T.out, out = lx at B.ij},
      precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>
    ```
    Dimensions left out of a tile default to 1 (to N for `N` itself none may
    be left out). On an op, `N` must equal the op's workload divided by the
    `rapid.spatial` core and chip splits when present, rounded up.
  }];
  let parameters = (ins
    "::rapid::Dataflow":$dataflow,
    ArrayRefParameter<"int64_t", "N per dimension">:$n,
    ArrayRefParameter<"int64_t", "B tile per dimension">:$b,
    ArrayRefParameter<"int64_t", "T tile per dimension">:$t,
    ArrayRefParameter<"int64_t", "P per dimension">:$p,
    ArrayRefParameter<"int64_t", "loop order: 3 stages x 5 dims">:$order,
    ArrayRefParameter<"int64_t", "per data structure: level, stage, dim">:$transfers,
    ArrayRefParameter<"int64_t", "inp, ker, acc precision">:$precisions,
    "int64_t":$chunk);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Size of tile level `level` ("N", "B", "T" or "P") along `d`.
    ::llvm::ArrayRef<int64_t> getTile(::llvm::StringRef level) const;
    /// The dimension at position `pos` (outermost first) of stage `s`.
    ::rapid::Dim getLoopDim(::rapid::LoopStage s, unsigned pos) const {
      return static_cast<::rapid::Dim>(
          getOrder()[static_cast<unsigned>(s) * ::rapid::kNumDims + pos]);
    }
    ::rapid::MemLevel getTransferLevel(::rapid::DataStructure ds) const {
      return static_cast<::rapid::MemLevel>(
          getTransfers()[3 * static_cast<unsigned>(ds)]);
    }
    ::rapid::LoopStage getTransferStage(::rapid::DataStructure ds) const {
      return static_cast<::rapid::LoopStage>(
          getTransfers()[3 * static_cast<unsigned>(ds) + 1]);
    }
    ::rapid::Dim getTransferDim(::rapid::DataStructure ds) const {
      return static_cast<::rapid::Dim>(
          getTransfers()[3 * static_cast<unsigned>(ds) + 2]);
    }
    ::rapid::Precision getInputPrecision() const {
      return static_cast<::rapid::Precision>(getPrecisions()[0]);
    }
    ::rapid::Precision getKernelPrecision() const {
      return static_cast<::rapid::Precision>(getPrecisions()[1]);
    }
    ::rapid::Precision getAccumulatePrecision() const {
      return static_cast<::rapid::Precision>(getPrecisions()[2]);
    }
  }];
}

#endif // RAPID_ATTRS_TD
