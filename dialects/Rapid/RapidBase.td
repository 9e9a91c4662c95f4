//===- RapidBase.td - The rapid dialect and its type constraints -*- tablegen -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_BASE_TD
#define RAPID_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Rapid_Dialect : Dialect {
  let name = "rapid";
  let cppNamespace = "::rapid";
  let summary = "Tensor-level dialect of the rapid accelerator compiler";
  let description = [{
    The `rapid` dialect models a trained deep neural network at tensor level,
    with value semantics and static shapes, as the ONNX importer produces it
    and as the mapping passes annotate it. Its operations cover what CNNs,
    MLPs and LSTMs need: convolution (grouped and depthwise, with a fused bias
    and activation), matrix products, numpy-broadcasting elementwise
    arithmetic, activations, pooling, softmax, inference batch normalization,
    data movement (concat, reshape, flatten, transpose, pad), LSTMs in
    sequence and single-timestep form, constants, and the conversions between
    the precisions of a RaPiD accelerator.

    Element types are `f32`, `f16`, the two hybrid FP8 formats (builtin
    `f8E4M3B11FNUZ` is the 1-4-3 forward format with exponent bias 11 whose
    largest value is 30; `f8E5M2` is the 1-5-2 backward format), and
    quantized integers `!rapid.quant<i8|i4|i2, scale>`.

    Two attributes describe how a layer runs on the machine, filled in by the
    DeepSpatialMatrix and DeepMatrix passes: `#rapid.spatial` (work division
    across chips and cores) and `#rapid.mapping` (per-core dataflow, tiles,
    loop order, data-transfer locations and precision). Attached to an op as
    the discardable attributes `rapid.spatial` and `rapid.mapping`, they are
    checked against the op's workload.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    /// Names of the discardable mapping attributes.
    static constexpr ::llvm::StringLiteral kSpatialAttrName = "rapid.spatial";
    static constexpr ::llvm::StringLiteral kMappingAttrName = "rapid.mapping";
    /// Training: the mappings of the back-propagation and weight-update
    /// kernels (rapid.mapping is the forward one).
    static constexpr ::llvm::StringLiteral kMappingBwdAttrName = "rapid.mapping_bwd";
    static constexpr ::llvm::StringLiteral kMappingUpdAttrName = "rapid.mapping_upd";
    /// A unit attribute on a layer whose int8-typed quantized weights hold
    /// BiScaled values (4-bit integers or 4 times one; the scale is the fine
    /// step): the PE array reads them in rapid::Precision::BiScaled4
    /// (rapid-assign-precision's int4-biscaled policy).
    static constexpr ::llvm::StringLiteral kBiScaledWeightsAttrName =
        "rapid.biscaled_weights";
    /// The mapping attribute name of a training kernel.
    static ::llvm::StringRef mappingAttrName(::rapid::Kernel kernel);

  private:
    void registerAttributes();
    void registerTypes();
  public:
  }];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Rapid_FloatElement : AnyTypeOf<[F32, F16, F8E4M3B11FNUZ, F8E5M2],
    "rapid floating-point element (f32, f16, f8E4M3B11FNUZ or f8E5M2)">;

#endif // RAPID_BASE_TD
