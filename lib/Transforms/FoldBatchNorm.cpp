//===- FoldBatchNorm.cpp - rapid-fold-batchnorm ---------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/ConstantValues.h"
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

/// The values of a constant float tensor (dense or dense_resource), or
/// std::nullopt.
static std::optional<SmallVector<double>> constantValues(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return readFloatElements(attr);
}

/// A rapid.constant of `type` (float elements) holding `values`.
static Value createConstant(OpBuilder &builder, Location loc, ShapedType type,
                            ArrayRef<double> values) {
  return builder.create<ConstantOp>(loc, makeFloatElements(type, values));
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
    auto shift = constantValues(bn.getBias());
    auto mean = constantValues(bn.getMean());
    auto var = constantValues(bn.getVariance());
    if (!scale || !shift || !mean || !var)
      return failure();
    ChannelAffine affine =
        batchNormAffine(*scale, *shift, *mean, *var, bn.getEpsilonValue());

    // Both producers are (input, weight, optional bias) with the same operand
    // positions; they differ in where the output channels lie in the weight.
    Value weight = producer->getOperand(1);
    Value bias =
        producer->getNumOperands() > 2 ? producer->getOperand(2) : Value();
    bool channelsOutermost = true; // conv2d: OxCxKHxKW
    ActivationAttr activation;
    if (auto conv = dyn_cast<Conv2DOp>(producer)) {
      activation = conv.getActivationAttr();
    } else {
      auto gemm = cast<GemmOp>(producer);
      activation = gemm.getActivationAttr();
      // gemm output features are the rows of B when it is transposed, else
      // its columns; its bias must be one value per feature at beta = 1.
      channelsOutermost = gemm.getTransposeB();
      // A per-column bias has shape N or 1xN; anything else (e.g. Mx1 with
      // M == N) varies along rows and cannot absorb the per-column scale.
      if (bias) {
        ArrayRef<int64_t> c = cast<ShapedType>(bias.getType()).getShape();
        int64_t n = affine.mul.size();
        bool perColumn = (c.size() == 1 && c[0] == n) ||
                         (c.size() == 2 && c[0] == 1 && c[1] == n);
        if (!perColumn || gemm.getBetaValue() != 1.0)
          return failure();
      }
    }
    auto weights = constantValues(weight);
    std::optional<SmallVector<double>> oldBias;
    if (activation || !weights || weights->empty() || affine.mul.empty() ||
        (bias && !(oldBias = constantValues(bias))))
      return failure();

    int64_t rest = weights->size() / affine.mul.size();
    scaleChannels(*weights, affine.mul, channelsOutermost ? 1 : rest,
                  channelsOutermost ? rest : 1);
    SmallVector<double> newBias = foldBias(
        oldBias ? ArrayRef<double>(*oldBias) : ArrayRef<double>(), affine);

    IRRewriter rewriter(producer);
    auto biasType = RankedTensorType::get(
        {static_cast<int64_t>(newBias.size())},
        cast<ShapedType>(producer->getResult(0).getType()).getElementType());
    Value w = createConstant(rewriter, producer->getLoc(),
                             cast<ShapedType>(weight.getType()), *weights);
    Value b = createConstant(rewriter, bn.getLoc(), biasType, newBias);
    rewriter.modifyOpInPlace(producer, [&] {
      producer->setOperand(1, w);
      setLayerBias(producer, b);
      if (auto gemm = dyn_cast<GemmOp>(producer))
        gemm.removeBetaAttr();
    });
    // The producer now computes the normalized value.
    producer->setLoc(
        FusedLoc::get(bn.getContext(), {producer->getLoc(), bn.getLoc()}));
    rewriter.replaceOp(bn, producer->getResults());
    return success();
  }
};
} // namespace
