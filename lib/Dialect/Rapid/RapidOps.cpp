//===- RapidOps.cpp - Operations of the rapid dialect ---------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/RapidDialect.h"
#include "rapid/Support/ShapeRules.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace rapid;
using shapes::format;

//===----------------------------------------------------------------------===//
// Custom directives
//===----------------------------------------------------------------------===//

/// The body of a fused activation after the keyword `act`: `relu`,
/// `clip 0.0, 6.0`, ...
static ParseResult parseActivation(OpAsmParser &parser, ActivationAttr &attr) {
  FailureOr<ActivationAttr> parsed = ActivationAttr::parseBody(parser);
  if (failed(parsed))
    return failure();
  attr = *parsed;
  return success();
}

static void printActivation(OpAsmPrinter &printer, Operation *,
                            ActivationAttr attr) {
  attr.printBody(printer);
}

#define GET_OP_CLASSES
#include "rapid/Dialect/Rapid/RapidOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Rewrites `op` (a reshape or transpose of a rapid.quant_constant) into a
/// quantized constant computed by `relayout` from the stored integers.
static LogicalResult relayoutQuantConstant(
    Operation *op, PatternRewriter &rewriter,
    function_ref<Attribute(DenseElementsAttr, ShapedType)> relayout) {
  auto constant = op->getOperand(0).getDefiningOp<QuantConstantOp>();
  if (!constant)
    return failure();
  auto resultType = cast<ShapedType>(op->getResult(0).getType());
  auto quant = cast<QuantType>(resultType.getElementType());
  auto stored = dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!stored)
    return failure();
  auto value = dyn_cast_or_null<ElementsAttr>(
      relayout(stored, resultType.clone(quant.getStorage())));
  if (!value)
    return failure();
  // FPEC error directions move with their elements.
  ElementsAttr directions;
  if (constant.getDirectionsAttr()) {
    auto d = dyn_cast<DenseElementsAttr>(constant.getDirectionsAttr());
    if (!d)
      return failure();
    directions = dyn_cast_or_null<ElementsAttr>(
        relayout(d, resultType.clone(IntegerType::get(op->getContext(), 2))));
    if (!directions)
      return failure();
  }
  rewriter.replaceOpWithNewOp<QuantConstantOp>(op, resultType, value,
                                               directions);
  return success();
}

static ArrayRef<int64_t> shapeOf(Value value) {
  return cast<ShapedType>(value.getType()).getShape();
}

static Type elementOf(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

/// Reports a failed shape rule, or a result whose shape differs from it.
static LogicalResult
verifyShape(Operation *op, const shapes::ShapeResult &expected, Value result) {
  if (!expected.ok())
    return op->emitOpError() << expected.error;
  if (shapeOf(result) != ArrayRef<int64_t>(expected.shape))
    return op->emitOpError()
           << "result shape " << format(shapeOf(result))
           << " does not match the expected " << format(expected.shape);
  return success();
}

/// All of `values` share one element type.
static LogicalResult verifySameElementType(Operation *op, ValueRange values) {
  for (Value v : values)
    if (elementOf(v) != elementOf(values.front()))
      return op->emitOpError()
             << "operands and result must share one element type, got "
             << elementOf(values.front()) << " and " << elementOf(v);
  return success();
}

/// A 1-D operand with `size` elements.
static LogicalResult verifyVector(Operation *op, Value value, int64_t size,
                                  StringRef name, StringRef meaning) {
  if (shapeOf(value) != ArrayRef<int64_t>{size})
    return op->emitOpError() << name << " must have shape " << size << " ("
                             << meaning << "), got " << format(shapeOf(value));
  return success();
}

static LogicalResult verifyExactShape(Operation *op, Value value,
                                      ArrayRef<int64_t> shape, StringRef name) {
  if (shapeOf(value) != shape)
    return op->emitOpError() << name << " must have shape " << format(shape)
                             << ", got " << format(shapeOf(value));
  return success();
}

//===----------------------------------------------------------------------===//
// Layer workloads
//===----------------------------------------------------------------------===//

std::optional<LayerShape> rapid::getLayerShape(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<LayerShape>>(op)
      .Case([](Conv2DOp conv) -> std::optional<LayerShape> {
        ArrayRef<int64_t> x = shapeOf(conv.getInput());
        ArrayRef<int64_t> w = shapeOf(conv.getWeight());
        ArrayRef<int64_t> o = shapeOf(conv.getOutput());
        LayerShape s = LayerShape::conv(x[0], x[1], x[2], x[3], o[1], o[2],
                                        o[3], w[2], w[3], conv.getGroupCount());
        if (std::optional<ArrayRef<int64_t>> st = conv.getStrides()) {
          s.strideH = (*st)[0];
          s.strideW = (*st)[1];
        }
        if (std::optional<ArrayRef<int64_t>> dl = conv.getDilations()) {
          s.dilationH = (*dl)[0];
          s.dilationW = (*dl)[1];
        }
        return s;
      })
      .Case([](ConvTranspose2DOp conv) -> std::optional<LayerShape> {
        // Input-centric: every input pixel meets every kernel tap, so the
        // input image plays the role of the output pixels.
        ArrayRef<int64_t> x = shapeOf(conv.getInput());
        ArrayRef<int64_t> w = shapeOf(conv.getWeight());
        ArrayRef<int64_t> o = shapeOf(conv.getOutput());
        LayerShape s = LayerShape::conv(x[0], x[1], x[2], x[3], o[1], x[2],
                                        x[3], w[2], w[3], conv.getGroupCount());
        s.inputCentric = true;
        return s;
      })
      .Case([](MatMulOp mm) -> std::optional<LayerShape> {
        ArrayRef<int64_t> o = shapeOf(mm.getOutput());
        return LayerShape::fullyConnected(shapes::numElements(o.drop_back()),
                                          shapeOf(mm.getLhs()).back(),
                                          o.back());
      })
      .Case([](GemmOp gemm) -> std::optional<LayerShape> {
        ArrayRef<int64_t> a = shapeOf(gemm.getA());
        ArrayRef<int64_t> o = shapeOf(gemm.getOutput());
        return LayerShape::fullyConnected(
            o[0], gemm.getTransposeA() ? a[0] : a[1], o[1]);
      })
      .Case([](LSTMOp lstm) -> std::optional<LayerShape> {
        ArrayRef<int64_t> x = shapeOf(lstm.getX());
        return LayerShape::lstmGates(x[0], x[1], x[2], lstm.getHiddenSize(),
                                     lstm.getNumDirections());
      })
      .Case([](LSTMCellOp cell) -> std::optional<LayerShape> {
        ArrayRef<int64_t> x = shapeOf(cell.getX());
        return LayerShape::lstmGates(1, x[0], x[1], shapeOf(cell.getH())[1], 1);
      })
      .Default([](Operation *) { return std::nullopt; });
}

std::optional<DimTuple> rapid::getLayerWorkload(Operation *op) {
  std::optional<LayerShape> layer = getLayerShape(op);
  if (!layer)
    return std::nullopt;
  return makeWorkload(*layer, Kernel::FWD).dims;
}

void rapid::setLayerBias(Operation *layer, Value bias) {
  assert((isa<Conv2DOp, ConvTranspose2DOp, GemmOp>(layer)) &&
         "a layer with an optional bias");
  if (layer->getNumOperands() > 2)
    layer->setOperand(2, bias);
  else
    layer->insertOperands(2, bias);
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

void ConstantOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  setNameFn(getResult(), "cst");
}

LogicalResult QuantConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  auto resultType = cast<ShapedType>(getType());
  auto quant = cast<QuantType>(resultType.getElementType());
  if (valueType.getShape() != resultType.getShape() ||
      valueType.getElementType() != quant.getStorage())
    return emitOpError() << "value of type " << valueType
                         << " cannot initialize " << resultType
                         << ": it must have the result's shape and the "
                            "storage type "
                         << quant.getStorage();
  std::optional<ElementsAttr> directions = getDirections();
  if (quant.getCompensated() != directions.has_value())
    return emitOpError() << (quant.getCompensated()
                                 ? "a compensated (FPEC) constant needs "
                                   "'directions'"
                                 : "'directions' belong to compensated (FPEC) "
                                   "constants only");
  if (directions) {
    auto dType = cast<ShapedType>(directions->getType());
    if (dType.getShape() != resultType.getShape() ||
        !dType.getElementType().isSignlessInteger(2))
      return emitOpError() << "directions of type " << dType
                           << " must be i2 of the result's shape";
    auto dense = dyn_cast<DenseIntElementsAttr>(*directions);
    if (dense)
      for (const APInt &x : dense.getValues<APInt>())
        if (x.getSExtValue() < -1 || x.getSExtValue() > 1)
          return emitOpError()
                 << "directions must be -1, 0 or 1, got " << x.getSExtValue();
  }
  return success();
}

void QuantConstantOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  setNameFn(getResult(), "qcst");
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(adaptor.getInput());
  if (!dense)
    return {};
  auto resultType = cast<ShapedType>(getType());
  auto floatType = cast<FloatType>(resultType.getElementType());
  const llvm::fltSemantics &sem = floatType.getFloatSemantics();
  // The HFP8 conversion units saturate instead of overflowing.
  bool saturate = floatType.getWidth() == 8;
  auto convert = [&](const APFloat &in) {
    APFloat out = in;
    bool losesInfo;
    APFloat::opStatus status =
        out.convert(sem, APFloat::rmNearestTiesToEven, &losesInfo);
    // Overflow and infinities saturate (APFloat reports no overflow for an
    // infinite input).
    if (saturate && !in.isNaN() &&
        ((status & APFloat::opOverflow) || in.isInfinity()))
      out = APFloat::getLargest(sem, in.isNegative());
    return out;
  };
  if (dense.isSplat())
    return DenseElementsAttr::get(resultType,
                                  convert(dense.getSplatValue<APFloat>()));
  SmallVector<APFloat> values;
  values.reserve(dense.getNumElements());
  for (const APFloat &v : dense.getValues<APFloat>())
    values.push_back(convert(v));
  return DenseElementsAttr::get(resultType, values);
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

/// An optional per-output-channel bias of an NCHW layer: one value per
/// channel, in the result's element type.
static LogicalResult verifyChannelBias(Operation *op, Value bias,
                                       Value output) {
  if (!bias)
    return success();
  if (failed(verifyVector(op, bias, shapeOf(output)[1], "bias",
                          "one value per output channel")))
    return failure();
  return verifySameElementType(op, {bias, output});
}

LogicalResult Conv2DOp::verify() {
  SmallVector<int64_t, 2> strides = getStrideValues();
  SmallVector<int64_t, 4> pads = getPadValues();
  SmallVector<int64_t, 2> dilations = getDilationValues();
  shapes::Window2D window{{}, strides, pads, dilations};
  if (failed(
          verifyShape(*this,
                      shapes::conv2d(shapeOf(getInput()), shapeOf(getWeight()),
                                     window, getGroupCount()),
                      getOutput())))
    return failure();
  if (failed(verifyChannelBias(*this, getBias(), getOutput())))
    return failure();
  return verifyLayerMapping(*this);
}

LogicalResult ConvTranspose2DOp::verify() {
  SmallVector<int64_t, 2> strides = getStrideValues();
  SmallVector<int64_t, 4> pads = getPadValues();
  SmallVector<int64_t, 2> dilations = getDilationValues();
  shapes::Window2D window{{}, strides, pads, dilations};
  if (failed(verifyShape(*this,
                         shapes::convTranspose2d(
                             shapeOf(getInput()), shapeOf(getWeight()), window,
                             getOutputPaddingValues(), getGroupCount()),
                         getOutput())))
    return failure();
  if (failed(verifyChannelBias(*this, getBias(), getOutput())))
    return failure();
  return verifyLayerMapping(*this);
}

LogicalResult MatMulOp::verify() {
  if (failed(verifyShape(*this,
                         shapes::matmul(shapeOf(getLhs()), shapeOf(getRhs())),
                         getOutput())))
    return failure();
  return verifyLayerMapping(*this);
}

LogicalResult GemmOp::verify() {
  shapes::ShapeResult r = shapes::gemm(shapeOf(getA()), shapeOf(getB()),
                                       getTransposeA(), getTransposeB());
  if (failed(verifyShape(*this, r, getOutput())))
    return failure();
  if (getC()) {
    if (failed(verifySameElementType(*this, {getC(), getOutput()})))
      return failure();
    shapes::ShapeResult b = shapes::broadcast(shapeOf(getC()), r.shape);
    if (!b.ok() || ArrayRef<int64_t>(b.shape) != ArrayRef<int64_t>(r.shape))
      return emitOpError() << "c of shape " << format(shapeOf(getC()))
                           << " does not broadcast to the " << format(r.shape)
                           << " result";
  }
  return verifyLayerMapping(*this);
}

LogicalResult LSTMOp::verify() {
  ArrayRef<int64_t> x = shapeOf(getX());
  if (x.size() != 3)
    return emitOpError() << "x must be rank 3 (timesteps x batch x input), got "
                         << format(x);
  int64_t s = x[0], b = x[1], in = x[2], h = getHiddenSize();
  int64_t d = getNumDirections();
  if (h < 1 || h > (int64_t(1) << 31))
    return emitOpError() << "hidden_size must be in [1, 2^31], got " << h;
  if (failed(verifyExactShape(*this, getW(), {d, 4 * h, in}, "w")) ||
      failed(verifyExactShape(*this, getR(), {d, 4 * h, h}, "r")) ||
      (getBias() &&
       failed(verifyExactShape(*this, getBias(), {d, 8 * h}, "bias"))) ||
      (getH0() && failed(verifyExactShape(*this, getH0(), {d, b, h}, "h0"))) ||
      (getC0() && failed(verifyExactShape(*this, getC0(), {d, b, h}, "c0"))) ||
      failed(verifyExactShape(*this, getY(), {s, d, b, h}, "result y")) ||
      failed(verifyExactShape(*this, getYH(), {d, b, h}, "result y_h")) ||
      failed(verifyExactShape(*this, getYC(), {d, b, h}, "result y_c")))
    return failure();
  return verifyLayerMapping(*this);
}

LogicalResult LSTMCellOp::verify() {
  ArrayRef<int64_t> x = shapeOf(getX()), hShape = shapeOf(getH());
  if (x.size() != 2 || hShape.size() != 2)
    return emitOpError() << "x and h must be rank 2 (batch x features), got "
                         << format(x) << " and " << format(hShape);
  int64_t b = x[0], in = x[1], h = hShape[1];
  if (failed(verifyExactShape(*this, getH(), {b, h}, "h")) ||
      failed(verifyExactShape(*this, getC(), {b, h}, "c")) ||
      failed(verifyExactShape(*this, getW(), {4 * h, in}, "w")) ||
      failed(verifyExactShape(*this, getR(), {4 * h, h}, "r")) ||
      (getBias() && failed(verifyVector(*this, getBias(), 8 * h, "bias",
                                        "input and recurrence biases"))) ||
      failed(verifyExactShape(*this, getHOut(), {b, h}, "result h_out")) ||
      failed(verifyExactShape(*this, getCOut(), {b, h}, "result c_out")))
    return failure();
  return verifyLayerMapping(*this);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

static LogicalResult verifyBroadcastOp(Operation *op) {
  if (failed(verifySameElementType(
          op, {op->getOperand(0), op->getOperand(1), op->getResult(0)})))
    return failure();
  return verifyShape(
      op,
      shapes::broadcast(shapeOf(op->getOperand(0)), shapeOf(op->getOperand(1))),
      op->getResult(0));
}

LogicalResult AddOp::verify() { return verifyBroadcastOp(*this); }
LogicalResult SubOp::verify() { return verifyBroadcastOp(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastOp(*this); }
LogicalResult DivOp::verify() { return verifyBroadcastOp(*this); }
LogicalResult MaxOp::verify() { return verifyBroadcastOp(*this); }

LogicalResult ClipOp::verify() {
  double lo = getMin().convertToDouble(), hi = getMax().convertToDouble();
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
    return emitOpError() << "needs finite min <= max, got [" << lo << ", " << hi
                         << "]";
  if (getPact() && lo != 0.0)
    return emitOpError() << "a PACT clip has lower bound 0, got " << lo;
  return success();
}

LogicalResult LeakyReluOp::verify() {
  if (!getAlpha().isFinite())
    return emitOpError() << "alpha must be finite";
  return success();
}

LogicalResult HardSigmoidOp::verify() {
  if (!getAlpha().isFinite() || !getBeta().isFinite())
    return emitOpError() << "alpha and beta must be finite";
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t rank = shapeOf(getInput()).size();
  if (shapes::normalizeAxis(getAxis(), rank) < 0)
    return emitOpError() << "axis " << static_cast<int64_t>(getAxis())
                         << " is out of range for rank " << rank;
  return success();
}

LogicalResult BatchNormOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (in.size() < 2)
    return emitOpError() << "input must have rank >= 2 (N x C x ...), got "
                         << format(in);
  if (getInput().getType() != getOutput().getType())
    return emitOpError() << "result type " << getOutput().getType()
                         << " must equal the input type "
                         << getInput().getType();
  Value params[] = {getScale(), getBias(), getMean(), getVariance()};
  StringRef names[] = {"scale", "bias", "mean", "variance"};
  for (auto [value, name] : llvm::zip(params, names))
    if (failed(
            verifyVector(*this, value, in[1], name, "one value per channel")))
      return failure();
  SmallVector<Value, 5> all = {getInput(), getScale(), getBias(), getMean(),
                               getVariance()};
  if (failed(verifySameElementType(*this, all)))
    return failure();
  if (getEpsilon() && !(getEpsilon()->convertToDouble() >= 0.0))
    return emitOpError() << "epsilon must be >= 0";
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

LogicalResult MaxPoolOp::verify() {
  SmallVector<int64_t, 2> strides = getStrideValues();
  SmallVector<int64_t, 4> pads = getPadValues();
  SmallVector<int64_t, 2> dilations = getDilationValues();
  shapes::Window2D window{getKernel(), strides, pads, dilations, getCeilMode()};
  return verifyShape(*this, shapes::pool2d(shapeOf(getInput()), window),
                     getOutput());
}

LogicalResult AvgPoolOp::verify() {
  SmallVector<int64_t, 2> strides = getStrideValues();
  SmallVector<int64_t, 4> pads = getPadValues();
  int64_t dilations[] = {1, 1};
  shapes::Window2D window{getKernel(), strides, pads, dilations, getCeilMode()};
  return verifyShape(*this, shapes::pool2d(shapeOf(getInput()), window),
                     getOutput());
}

LogicalResult GlobalAvgPoolOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (in.size() != 4)
    return emitOpError() << "input must be rank 4 (NxCxHxW), got "
                         << format(in);
  return verifyShape(*this, shapes::ShapeResult::success({in[0], in[1], 1, 1}),
                     getOutput());
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  SmallVector<Value> all(getInputs());
  all.push_back(getOutput());
  if (failed(verifySameElementType(*this, all)))
    return failure();
  int64_t rank = shapeOf(getInputs().front()).size();
  int64_t axis = shapes::normalizeAxis(getAxis(), rank);
  if (axis < 0)
    return emitOpError() << "axis " << static_cast<int64_t>(getAxis())
                         << " is out of range for rank " << rank;
  SmallVector<ArrayRef<int64_t>> inputs;
  for (Value v : getInputs())
    inputs.push_back(shapeOf(v));
  return verifyShape(*this, shapes::concat(inputs, axis), getOutput());
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  return {};
}

LogicalResult ReshapeOp::verify() {
  if (elementOf(getInput()) != elementOf(getOutput()))
    return emitOpError() << "cannot change the element type ("
                         << elementOf(getInput()) << " to "
                         << elementOf(getOutput()) << ")";
  std::optional<int64_t> in = shapes::checkedNumElements(shapeOf(getInput()));
  std::optional<int64_t> out = shapes::checkedNumElements(shapeOf(getOutput()));
  if (!in || !out)
    return emitOpError() << "element count overflows int64";
  if (*in != *out)
    return emitOpError() << "cannot reshape " << *in << " elements ("
                         << format(shapeOf(getInput())) << ") into " << *out
                         << " (" << format(shapeOf(getOutput())) << ")";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(cast<ShapedType>(getType()));
  // reshape(reshape(x)) = reshape(x): only the final shape matters.
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *) {
  results.add(+[](ReshapeOp op, PatternRewriter &rewriter) {
    return relayoutQuantConstant(op, rewriter,
                                 [](DenseElementsAttr stored, ShapedType type) {
                                   return Attribute(stored.reshape(type));
                                 });
  });
}

LogicalResult FlattenOp::verify() {
  if (elementOf(getInput()) != elementOf(getOutput()))
    return emitOpError() << "cannot change the element type";
  int64_t rank = shapeOf(getInput()).size();
  int64_t axis = shapes::normalizeAxis(getAxis(), rank, /*inclusiveEnd=*/true);
  if (axis < 0)
    return emitOpError() << "axis " << static_cast<int64_t>(getAxis())
                         << " is out of range [-" << rank << ", " << rank
                         << "]";
  return verifyShape(*this, shapes::flatten(shapeOf(getInput()), axis),
                     getOutput());
}

void FlattenOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *) {
  // A flatten is a reshape whose shape the verifier already checked.
  results.add(+[](FlattenOp op, PatternRewriter &rewriter) {
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  });
}

LogicalResult TransposeOp::verify() {
  if (elementOf(getInput()) != elementOf(getOutput()))
    return emitOpError() << "cannot change the element type";
  return verifyShape(*this, shapes::transpose(shapeOf(getInput()), getPerm()),
                     getOutput());
}

/// Transposes the elements of a non-splat dense constant through its raw
/// byte buffer (every element type but i1 occupies whole bytes).
static Attribute transposeDense(DenseElementsAttr dense, ArrayRef<int64_t> perm,
                                ShapedType resultType) {
  if (dense.isSplat())
    return dense.reshape(resultType);
  unsigned bits = dense.getElementType().getIntOrFloatBitWidth();
  if (bits == 1 || isa<ComplexType>(dense.getElementType()))
    return {};
  size_t bytes = (bits + 7) / 8;
  ArrayRef<int64_t> inShape = dense.getType().getShape();
  int64_t rank = inShape.size();
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  ArrayRef<char> src = dense.getRawData();
  int64_t n = dense.getNumElements();
  std::vector<char> dst(n * bytes);
  SmallVector<int64_t> index(rank, 0); // index into the result
  ArrayRef<int64_t> outShape = resultType.getShape();
  for (int64_t i = 0; i < n; ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * inStrides[perm[d]];
    std::memcpy(&dst[i * bytes], &src[offset * bytes], bytes);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < outShape[d])
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(resultType, dst);
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *) {
  results.add(+[](TransposeOp op, PatternRewriter &rewriter) {
    return relayoutQuantConstant(
        op, rewriter, [&](DenseElementsAttr stored, ShapedType type) {
          return transposeDense(stored, op.getPerm(), type);
        });
  });
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == static_cast<int64_t>(i);
  if (identity)
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return transposeDense(dense, perm, cast<ShapedType>(getType()));
  // transpose(transpose(x, inner), outer) = transpose(x, inner o outer).
  if (auto producer = getInput().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> inner = producer.getPerm();
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner[p]);
    getInputMutable().assign(producer.getInput());
    setPerm(composed);
    return getResult();
  }
  return {};
}

LogicalResult SliceOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getOutput());
  ArrayRef<int64_t> offsets = getOffsets(), strides = getStrides();
  if (elementOf(getInput()) != elementOf(getOutput()))
    return emitOpError() << "cannot change the element type";
  if (offsets.size() != in.size() || strides.size() != in.size() ||
      out.size() != in.size())
    return emitOpError() << "offsets, strides and result must have the "
                            "input's rank "
                         << in.size();
  for (size_t d = 0; d < in.size(); ++d) {
    if (offsets[d] < 0 || strides[d] < 1)
      return emitOpError() << "dimension " << d
                           << " needs offset >= 0 and stride >= 1, got offset "
                           << offsets[d] << " and stride " << strides[d];
    int64_t last;
    if (out[d] > 0 &&
        (__builtin_mul_overflow(out[d] - 1, strides[d], &last) ||
         __builtin_add_overflow(last, offsets[d], &last) || last >= in[d]))
      return emitOpError() << "dimension " << d << " takes " << out[d]
                           << " elements from offset " << offsets[d]
                           << " with stride " << strides[d]
                           << ", past the input size " << in[d];
  }
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult PadOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  ArrayRef<int64_t> pads = getPads();
  if (failed(verifySameElementType(*this, {getInput(), getOutput()})) ||
      failed(verifyShape(*this, shapes::pad(in, pads), getOutput())))
    return failure();
  if (getValue() && getMode() != PadMode::constant)
    return emitOpError() << "value is only used by mode constant, not "
                         << stringifyPadMode(getMode());
  if (getMode() == PadMode::constant)
    return success();
  for (size_t d = 0; d < in.size(); ++d)
    for (int64_t p : {pads[d], pads[in.size() + d]}) {
      if (p < 0)
        return emitOpError()
               << "mode " << stringifyPadMode(getMode())
               << " cannot crop (negative pad in dimension " << d << ")";
      if (getMode() == PadMode::reflect && p >= in[d])
        return emitOpError()
               << "mode reflect needs pads smaller than the "
                  "dimension: pad "
               << p << " in dimension " << d << " of size " << in[d];
    }
  return success();
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPads(), [](int64_t p) { return p == 0; }))
    return getInput();
  return {};
}
