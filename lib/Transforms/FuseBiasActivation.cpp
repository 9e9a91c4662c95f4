//===- FuseBiasActivation.cpp - rapid-fuse-bias-activation ----------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/ConstantValues.h"
#include "rapid/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace rapid {
#define GEN_PASS_DEF_RAPIDFUSEBIASACTIVATION
#include "rapid/Transforms/Passes.h.inc"
} // namespace rapid

using namespace mlir;
using namespace rapid;

namespace {

/// The per-channel values of a constant bias operand for `channels` output
/// channels, when its shape makes it one value per channel (or a single
/// value); `channelDimFromEnd` is the channel's position counted from the
/// last dimension of the layer output (2 for NCHW, 0 for MxN).
std::optional<SmallVector<double>> perChannelBias(Value value, int64_t channels,
                                                  int64_t outputRank,
                                                  int64_t channelDimFromEnd) {
  ElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  std::optional<SmallVector<double>> values = readFloatElements(attr);
  if (!values)
    return std::nullopt;
  ArrayRef<int64_t> shape = cast<ShapedType>(value.getType()).getShape();
  if (static_cast<int64_t>(shape.size()) > outputRank)
    return std::nullopt;
  if (values->size() == 1)
    return SmallVector<double>(channels, values->front());
  // Every dimension but the channel's must be 1 (or absent).
  for (int64_t i = 0, rank = shape.size(); i < rank; ++i) {
    int64_t fromEnd = rank - 1 - i;
    if (fromEnd == channelDimFromEnd ? shape[i] != channels : shape[i] != 1)
      return std::nullopt;
  }
  if (static_cast<int64_t>(shape.size()) <= channelDimFromEnd)
    return std::nullopt;
  return values;
}

/// The activation attribute equivalent to a unary activation op, if any.
ActivationAttr activationOf(Operation *op) {
  MLIRContext *ctx = op->getContext();
  if (isa<ReluOp>(op))
    return ActivationAttr::get(ctx, ActivationKind::relu);
  if (isa<SigmoidOp>(op))
    return ActivationAttr::get(ctx, ActivationKind::sigmoid);
  if (isa<TanhOp>(op))
    return ActivationAttr::get(ctx, ActivationKind::tanh);
  if (auto clip = dyn_cast<ClipOp>(op))
    return ActivationAttr::get(ctx, ActivationKind::clip,
                               clip.getMin().convertToDouble(),
                               clip.getMax().convertToDouble());
  if (auto leaky = dyn_cast<LeakyReluOp>(op))
    return ActivationAttr::get(ctx, ActivationKind::leaky_relu,
                               leaky.getAlpha().convertToDouble());
  if (auto hs = dyn_cast<HardSigmoidOp>(op))
    return ActivationAttr::get(ctx, ActivationKind::hard_sigmoid,
                               hs.getAlpha().convertToDouble(),
                               hs.getBeta().convertToDouble());
  return {};
}

struct FuseBiasActivationPass
    : public rapid::impl::RapidFuseBiasActivationBase<FuseBiasActivationPass> {
  void runOnOperation() override {
    SmallVector<Operation *> adds, activations;
    getOperation()->walk([&](Operation *op) {
      if (isa<AddOp>(op))
        adds.push_back(op);
      else if (activationOf(op))
        activations.push_back(op);
    });
    // Biases first, so that conv + add + relu becomes one op.
    for (Operation *op : adds)
      if (succeeded(fuseBias(cast<AddOp>(op))))
        ++numBiasFused;
    for (Operation *op : activations)
      if (succeeded(fuseActivation(op)))
        ++numActivationFused;
  }

  /// The layer operand of an add and its other (constant) operand.
  static std::pair<Operation *, Value> splitAdd(AddOp add) {
    for (int i = 0; i < 2; ++i) {
      Operation *producer = add->getOperand(i).getDefiningOp();
      if (producer && isa<Conv2DOp, MatMulOp, GemmOp>(producer))
        return {producer, add->getOperand(1 - i)};
    }
    return {nullptr, Value()};
  }

  LogicalResult fuseBias(AddOp add) {
    auto [producer, other] = splitAdd(add);
    if (!producer || !producer->hasOneUse() ||
        add.getType() != producer->getResult(0).getType())
      return failure();
    auto resultType = cast<ShapedType>(add.getType());
    int64_t rank = resultType.getRank();
    IRRewriter rewriter(producer);
    Location loc =
        FusedLoc::get(add.getContext(), {producer->getLoc(), add.getLoc()});

    if (auto conv = dyn_cast<Conv2DOp>(producer)) {
      if (conv.getActivation())
        return failure();
      int64_t channels = resultType.getDimSize(1);
      auto bias = perChannelBias(other, channels, rank, /*fromEnd=*/2);
      if (!bias)
        return failure();
      if (Value old = conv.getBias()) {
        ElementsAttr attr;
        if (!matchPattern(old, m_Constant(&attr)))
          return failure();
        auto oldValues = readFloatElements(attr);
        if (!oldValues)
          return failure();
        for (int64_t c = 0; c < channels; ++c)
          (*bias)[c] += (*oldValues)[c];
      }
      absorbAdd(rewriter, add, conv, *bias, loc);
      return success();
    }

    if (rank != 2)
      return failure();
    int64_t columns = resultType.getDimSize(1);
    auto bias = perChannelBias(other, columns, rank, /*fromEnd=*/0);
    if (!bias)
      return failure();
    if (auto mm = dyn_cast<MatMulOp>(producer)) {
      if (cast<ShapedType>(mm.getLhs().getType()).getRank() != 2 ||
          cast<ShapedType>(mm.getRhs().getType()).getRank() != 2)
        return failure();
      Value b = makeBias(rewriter, loc, *bias, resultType.getElementType());
      rewriter.setInsertionPoint(add);
      rewriter.replaceOpWithNewOp<GemmOp>(
          add, add.getType(), mm.getLhs(), mm.getRhs(), b, UnitAttr(),
          UnitAttr(), FloatAttr(), FloatAttr(), ActivationAttr());
      rewriter.eraseOp(mm);
      return success();
    }
    auto gemm = cast<GemmOp>(producer);
    if (gemm.getActivation() || gemm.getBetaValue() != 1.0)
      return failure();
    if (Value old = gemm.getC()) {
      // Only a per-column bias can absorb another per-column bias.
      auto oldValues = perChannelBias(old, columns, rank, /*fromEnd=*/0);
      if (!oldValues)
        return failure();
      for (int64_t c = 0; c < columns; ++c)
        (*bias)[c] += (*oldValues)[c];
    }
    absorbAdd(rewriter, add, gemm, *bias, loc);
    return success();
  }

  /// Gives `layer` the combined `bias` and the add's location, then lets the
  /// layer's result stand in for the add.
  static void absorbAdd(RewriterBase &rewriter, AddOp add, Operation *layer,
                        ArrayRef<double> bias, Location loc) {
    Type element = cast<ShapedType>(add.getType()).getElementType();
    Value b = makeBias(rewriter, loc, bias, element);
    rewriter.modifyOpInPlace(layer, [&] {
      setLayerBias(layer, b);
      layer->setLoc(loc);
    });
    rewriter.replaceOp(add, layer->getResults());
  }

  static Value makeBias(OpBuilder &builder, Location loc,
                        ArrayRef<double> values, Type element) {
    auto type =
        RankedTensorType::get({static_cast<int64_t>(values.size())}, element);
    return builder.create<ConstantOp>(loc, makeFloatElements(type, values));
  }

  LogicalResult fuseActivation(Operation *act) {
    Operation *producer = act->getOperand(0).getDefiningOp();
    if (!producer || !producer->hasOneUse() || !isa<Conv2DOp, GemmOp>(producer))
      return failure();
    if (producer->getAttr("activation"))
      return failure();
    IRRewriter rewriter(act);
    rewriter.modifyOpInPlace(producer, [&] {
      producer->setAttr("activation", activationOf(act));
      producer->setLoc(FusedLoc::get(act->getContext(),
                                     {producer->getLoc(), act->getLoc()}));
    });
    rewriter.replaceOp(act, producer->getResults());
    return success();
  }
};
} // namespace
