//===- FoldBatchNorm.cpp - rapid-fold-batchnorm ---------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/BatchNormFolding.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace rapid {
#define GEN_PASS_DEF_RAPIDFOLDBATCHNORM
#include "rapid/Transforms/Passes.h.inc"
} // namespace rapid

using namespace mlir;
using namespace rapid;

/// The values of a constant float tensor, or std::nullopt.
static std::optional<SmallVector<double>> constantValues(Value value) {
  DenseFPElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> values;
  values.reserve(attr.getNumElements());
  for (const APFloat &v : attr.getValues<APFloat>())
    values.push_back(v.convertToDouble());
  return values;
}

/// A rapid.constant of `type` (float elements) holding `values`.
static Value createConstant(OpBuilder &builder, Location loc, ShapedType type,
                            ArrayRef<double> values) {
  auto floatType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> elements;
  for (double v : values) {
    APFloat f(v);
    bool losesInfo;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    elements.push_back(f);
  }
  return builder.create<ConstantOp>(loc,
                                    DenseElementsAttr::get(type, elements));
}

namespace {
struct FoldBatchNormPass
    : public rapid::impl::RapidFoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    SmallVector<BatchNormOp> norms;
    getOperation()->walk([&](BatchNormOp op) { norms.push_back(op); });
    for (BatchNormOp bn : norms) {
      if (succeeded(fold(bn)))
        ++numFolded;
      else
        ++numKept;
    }
  }

  LogicalResult fold(BatchNormOp bn) {
    Operation *producer = bn.getInput().getDefiningOp();
    if (!producer || !producer->hasOneUse() || !isa<Conv2DOp, GemmOp>(producer))
      return failure();
    auto scale = constantValues(bn.getScale());
    auto bias = constantValues(bn.getBias());
    auto mean = constantValues(bn.getMean());
    auto var = constantValues(bn.getVariance());
    if (!scale || !bias || !mean || !var)
      return failure();
    ChannelAffine affine =
        batchNormAffine(*scale, *bias, *mean, *var, bn.getEpsilonValue());

    IRRewriter rewriter(bn);
    rewriter.setInsertionPoint(producer);
    if (auto conv = dyn_cast<Conv2DOp>(producer)) {
      auto weight = constantValues(conv.getWeight());
      std::optional<SmallVector<double>> oldBias;
      if (conv.getActivation() || !weight ||
          (conv.getBias() && !(oldBias = constantValues(conv.getBias()))))
        return failure();
      auto weightType = cast<ShapedType>(conv.getWeight().getType());
      scaleChannels(*weight, affine.mul, /*outer=*/1,
                    weight->size() / affine.mul.size());
      SmallVector<double> newBias = foldBias(
          oldBias ? ArrayRef<double>(*oldBias) : ArrayRef<double>(), affine);
      auto biasType = RankedTensorType::get(
          {static_cast<int64_t>(newBias.size())},
          cast<ShapedType>(conv.getType()).getElementType());
      Value w = createConstant(rewriter, conv.getLoc(), weightType, *weight);
      Value b = createConstant(rewriter, bn.getLoc(), biasType, newBias);
      rewriter.modifyOpInPlace(conv, [&] {
        conv.getWeightMutable().assign(w);
        if (conv.getBias())
          conv.getBiasMutable().assign(b);
        else
          conv.getBiasMutable().append(b);
      });
    } else {
      auto gemm = cast<GemmOp>(producer);
      auto weight = constantValues(gemm.getB());
      std::optional<SmallVector<double>> oldBias;
      auto cType =
          gemm.getC() ? cast<ShapedType>(gemm.getC().getType()) : ShapedType();
      // The bias must be one value per output feature, at beta = 1.
      if (gemm.getActivation() || !weight ||
          (cType &&
           (cType.getNumElements() != static_cast<int64_t>(affine.mul.size()) ||
            gemm.getBetaValue() != 1.0 ||
            !(oldBias = constantValues(gemm.getC())))))
        return failure();
      // Output features are the rows of B when it is transposed, else its
      // columns.
      int64_t n = affine.mul.size(), k = weight->size() / n;
      if (gemm.getTransposeB())
        scaleChannels(*weight, affine.mul, /*outer=*/1, /*inner=*/k);
      else
        scaleChannels(*weight, affine.mul, /*outer=*/k, /*inner=*/1);
      SmallVector<double> newBias = foldBias(
          oldBias ? ArrayRef<double>(*oldBias) : ArrayRef<double>(), affine);
      auto biasType = RankedTensorType::get(
          {n}, cast<ShapedType>(gemm.getType()).getElementType());
      Value w =
          createConstant(rewriter, gemm.getLoc(),
                         cast<ShapedType>(gemm.getB().getType()), *weight);
      Value b = createConstant(rewriter, bn.getLoc(), biasType, newBias);
      rewriter.modifyOpInPlace(gemm, [&] {
        gemm.getBMutable().assign(w);
        if (gemm.getC())
          gemm.getCMutable().assign(b);
        else
          gemm.getCMutable().append(b);
        gemm.removeBetaAttr();
      });
    }
    // The producer now computes the normalized value.
    producer->setLoc(
        FusedLoc::get(bn.getContext(), {producer->getLoc(), bn.getLoc()}));
    rewriter.replaceOp(bn, producer->getResults());
    return success();
  }
};
} // namespace
