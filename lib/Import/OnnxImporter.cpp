//===- OnnxImporter.cpp - ONNX models into the rapid dialect --------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Import/OnnxImporter.h"
#include "rapid/Dialect/Rapid/ConstantValues.h"
#include "rapid/Dialect/Rapid/RapidDialect.h"
#include "rapid/Support/ShapeRules.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/onnx_pb.h"
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <queue>

using namespace mlir;
using namespace rapid;
using onnx::AttributeProto;
using onnx::NodeProto;
using onnx::TensorProto;

namespace {

constexpr int64_t kMinOpset = 9;
/// Dimensions and attribute values beyond this are rejected, so that shape
/// arithmetic cannot overflow.
constexpr int64_t kMaxDim = int64_t(1) << 31;
/// The most elements a weight tensor may have (16 GiB of f32).
constexpr int64_t kMaxWeightElements = int64_t(1) << 32;
/// The most elements a tensor computed at import time may have.
constexpr int64_t kMaxHostElements = int64_t(1) << 26;
constexpr int64_t kMaxOpset = 17;

/// The ONNX op types the importer converts, sorted.
const char *const kSupportedOps[] = {"Add",
                                     "AveragePool",
                                     "BatchNormalization",
                                     "Cast",
                                     "Clip",
                                     "Concat",
                                     "Constant",
                                     "ConstantOfShape",
                                     "Conv",
                                     "ConvTranspose",
                                     "Div",
                                     "Dropout",
                                     "Expand",
                                     "Flatten",
                                     "Gather",
                                     "Gemm",
                                     "GlobalAveragePool",
                                     "HardSigmoid",
                                     "Identity",
                                     "LSTM",
                                     "LeakyRelu",
                                     "MatMul",
                                     "Max",
                                     "MaxPool",
                                     "Mul",
                                     "Pad",
                                     "Relu",
                                     "Reshape",
                                     "Shape",
                                     "Sigmoid",
                                     "Slice",
                                     "Softmax",
                                     "Squeeze",
                                     "Sub",
                                     "Tanh",
                                     "Transpose",
                                     "Unsqueeze"};

std::string dataTypeName(int type) {
  return TensorProto::DataType_IsValid(type)
             ? TensorProto::DataType_Name(
                   static_cast<TensorProto::DataType>(type))
             : "data type " + std::to_string(type);
}

/// Whether a float converts to int64 without undefined behaviour.
bool fitsInt64(double v) {
  return std::isfinite(v) && v > -9.2e18 && v < 9.2e18;
}

/// A tensor whose value is known at import time: shape arithmetic, small
/// constants. Integers and floats are kept apart so int64 stays exact.
struct HostTensor {
  SmallVector<int64_t> shape;
  bool isFloat = false;
  std::vector<int64_t> ints;
  std::vector<double> floats;

  int64_t size() const { return shapes::numElements(shape); }
  double at(int64_t i) const { return isFloat ? floats[i] : double(ints[i]); }
  int64_t intAt(int64_t i) const {
    // Out-of-range floats are checked by callers that need exact integers.
    if (isFloat)
      return fitsInt64(floats[i]) ? static_cast<int64_t>(floats[i]) : 0;
    return ints[i];
  }
  void push(double f, int64_t i) {
    if (isFloat)
      floats.push_back(f);
    else
      ints.push_back(i);
  }
  /// Appends element `i` of `other` (same kind).
  void pushFrom(const HostTensor &other, int64_t i) {
    if (isFloat)
      floats.push_back(other.floats[i]);
    else
      ints.push_back(other.ints[i]);
  }
  static HostTensor ofInts(ArrayRef<int64_t> shape, std::vector<int64_t> v) {
    HostTensor t;
    t.shape.assign(shape.begin(), shape.end());
    t.ints = std::move(v);
    return t;
  }
};

/// Row-major strides of a shape.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Visits every multi-index of `shape` in row-major order.
template <typename Fn> void forEachIndex(ArrayRef<int64_t> shape, Fn fn) {
  int64_t n = shapes::numElements(shape);
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(ArrayRef<int64_t>(index));
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

/// What a value name stands for during import.
struct Entry {
  Value value;                    // a runtime (or materialized) tensor
  std::optional<HostTensor> host; // known at import time
  TensorProto *tensor = nullptr;  // an initializer or Constant not yet used
  std::string aliasOf;            // Identity/Dropout: another name's value

  bool empty() const { return !value && !host && !tensor && aliasOf.empty(); }
};

class Importer {
public:
  Importer(MLIRContext *context, StringRef bufferName,
           const OnnxImportOptions &options)
      : context(context), bufferName(bufferName.str()), options(options),
        builder(context),
        fileLoc(FileLineColLoc::get(context, bufferName, 0, 0)), loc(fileLoc) {}

  /// Parses the model with `parse` (false: not a valid protobuf), then
  /// imports it.
  OwningOpRef<ModuleOp> run(llvm::function_ref<bool(onnx::ModelProto &)> parse);

private:
  //===--- Diagnostics ----------------------------------------------------===//

  /// An error about the current node: "node 'n' (Conv): ...".
  InFlightDiagnostic nodeError() {
    InFlightDiagnostic diag = emitError(loc);
    if (node)
      diag << "node '" << nodeName << "' (" << node->op_type() << "): ";
    return diag;
  }

  //===--- Attributes -----------------------------------------------------===//

  const AttributeProto *findAttr(StringRef name) {
    for (const AttributeProto &a : node->attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  FailureOr<int64_t> attrInt(StringRef name, int64_t fallback) {
    const AttributeProto *a = findAttr(name);
    if (!a)
      return fallback;
    if (a->type() != AttributeProto::INT)
      return nodeError() << "attribute '" << name << "' must be an integer",
             failure();
    return a->i();
  }
  FailureOr<double> attrFloat(StringRef name, double fallback) {
    const AttributeProto *a = findAttr(name);
    if (!a)
      return fallback;
    if (a->type() != AttributeProto::FLOAT)
      return nodeError() << "attribute '" << name << "' must be a float",
             failure();
    return a->f();
  }
  FailureOr<std::string> attrString(StringRef name, StringRef fallback) {
    const AttributeProto *a = findAttr(name);
    if (!a)
      return fallback.str();
    if (a->type() != AttributeProto::STRING)
      return nodeError() << "attribute '" << name << "' must be a string",
             failure();
    return a->s();
  }
  /// std::nullopt when absent.
  FailureOr<std::optional<SmallVector<int64_t>>> attrInts(StringRef name) {
    const AttributeProto *a = findAttr(name);
    if (!a)
      return std::optional<SmallVector<int64_t>>();
    if (a->type() != AttributeProto::INTS)
      return nodeError() << "attribute '" << name
                         << "' must be a list of integers",
             failure();
    return std::optional<SmallVector<int64_t>>(
        SmallVector<int64_t>(a->ints().begin(), a->ints().end()));
  }
  LogicalResult unsupportedValue(StringRef name, StringRef value,
                                 StringRef expected) {
    return nodeError() << "attribute '" << name << "' = '" << value
                       << "' is not supported; expected " << expected;
  }

  //===--- Operands and results -------------------------------------------===//

  bool hasInput(int i) {
    return i < node->input_size() && !node->input(i).empty();
  }
  Entry &input(int i) { return resolve(node->input(i)); }
  /// The entry a name stands for, through Identity aliases (so that a weight
  /// reached under two names is materialized once).
  Entry &resolve(StringRef name) {
    Entry *e = &env[name];
    while (!e->aliasOf.empty())
      e = &env[e->aliasOf];
    return *e;
  }
  StringRef inputName(int i) { return node->input(i); }

  /// The tensor of input `i` as an SSA value; constants are materialized
  /// (float only) in `elementType` when given.
  FailureOr<Value> runtime(int i, Type elementType = {});
  /// Input `i` as a compile-time tensor (ints or floats).
  FailureOr<HostTensor *> host(int i, StringRef role);
  /// Input `i` as a list of integers known at compile time.
  FailureOr<SmallVector<int64_t>> hostInts(int i, StringRef role);
  /// Input `i` as a float scalar known at compile time.
  FailureOr<double> hostScalar(int i, StringRef role);

  bool isHost(int i) {
    if (!hasInput(i))
      return false;
    Entry &e = input(i);
    return !e.value && (e.host || e.tensor);
  }

  void setResult(int i, Value v) {
    if (i < node->output_size() && !node->output(i).empty())
      env[node->output(i)] = Entry{v, std::nullopt, nullptr};
  }
  /// A tensor of `shape` may be computed at import time: no negative
  /// dimension and at most kMaxHostElements elements (no overflow).
  LogicalResult checkHostSize(ArrayRef<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      if (d < 0 || __builtin_mul_overflow(n, d, &n) || n > kMaxHostElements)
        return nodeError() << "a compile-time tensor of shape "
                           << shapes::format(shape)
                           << " is invalid or too large (at most "
                           << kMaxHostElements << " elements)";
    return success();
  }
  void setHost(int i, HostTensor t) {
    if (i < node->output_size() && !node->output(i).empty())
      env[node->output(i)] = Entry{Value(), std::move(t), nullptr};
  }
  /// Optional outputs the importer does not produce must not be consumed.
  LogicalResult requireUnused(int from, StringRef what) {
    for (int i = from; i < node->output_size(); ++i)
      if (!node->output(i).empty() && usedNames.contains(node->output(i)))
        return nodeError() << "output #" << i << " (" << what
                           << ") is used, but only inference outputs are "
                              "supported";
    return success();
  }

  static ArrayRef<int64_t> shapeOf(Value v) {
    return cast<ShapedType>(v.getType()).getShape();
  }
  static Type elementOf(Value v) {
    return cast<ShapedType>(v.getType()).getElementType();
  }
  RankedTensorType tensorType(ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  }
  /// The shape of input `i`, whether runtime or host.
  FailureOr<SmallVector<int64_t>> inputShape(int i);

  //===--- Tensors --------------------------------------------------------===//

  FailureOr<HostTensor> readHostTensor(const TensorProto &t);
  FailureOr<ElementsAttr> readWeights(TensorProto &t, Type elementType);
  /// A rapid.constant at the top of the function, after earlier constants.
  Value constant(ElementsAttr value) {
    OpBuilder::InsertionGuard guard(builder);
    if (lastConstant)
      builder.setInsertionPointAfter(lastConstant);
    else
      builder.setInsertionPointToStart(body);
    lastConstant = builder.create<ConstantOp>(loc, value);
    return lastConstant->getResult(0);
  }

  //===--- Conversion -----------------------------------------------------===//

  LogicalResult convertNode();
  struct ConvParts {
    Value x, w, bias;
    SmallVector<int64_t> strides, dilations;
    int64_t groups = 1;
  };
  FailureOr<ConvParts> convParts(StringRef kind);
  LogicalResult convertConv();
  LogicalResult convertConvTranspose();
  LogicalResult convertGemm();
  LogicalResult convertMatMul();
  LogicalResult convertUnary();
  LogicalResult convertClip();
  LogicalResult convertSoftmax();
  LogicalResult convertPool(bool isMax);
  LogicalResult convertGlobalAveragePool();
  LogicalResult convertBatchNorm();
  LogicalResult convertBinary();
  LogicalResult convertFlatten();
  LogicalResult convertReshape();
  LogicalResult convertSqueeze(bool unsqueeze);
  LogicalResult convertTranspose();
  LogicalResult convertConcat();
  LogicalResult convertPad();
  LogicalResult convertConstant();
  LogicalResult convertShape();
  LogicalResult convertGather();
  LogicalResult gatherRuntime(int64_t axis);
  LogicalResult convertConstantOfShape();
  LogicalResult convertExpand();
  LogicalResult convertCast();
  LogicalResult convertSlice();
  LogicalResult convertLSTM();

  /// Pads for auto_pad SAME_UPPER / SAME_LOWER / VALID / NOTSET.
  FailureOr<SmallVector<int64_t, 4>> windowPads(ArrayRef<int64_t> input,
                                                ArrayRef<int64_t> kernel,
                                                ArrayRef<int64_t> strides,
                                                ArrayRef<int64_t> dilations);
  /// Reshapes a runtime value (or host tensor) to `shape`.
  LogicalResult reshapeTo(int inputIndex, ArrayRef<int64_t> shape);

  MLIRContext *context;
  std::string bufferName;
  const OnnxImportOptions &options;
  OpBuilder builder;
  Location fileLoc;
  Location loc;
  onnx::ModelProto model;
  int64_t opset = 0;
  NodeProto *node = nullptr;
  std::string nodeName;
  llvm::StringMap<Entry> env;
  llvm::StringSet<> usedNames;
  Block *body = nullptr;
  Operation *lastConstant = nullptr;
};

} // namespace

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

FailureOr<HostTensor> Importer::readHostTensor(const TensorProto &t) {
  HostTensor h;
  h.shape.assign(t.dims().begin(), t.dims().end());
  if (failed(checkHostSize(h.shape)))
    return failure();
  int64_t n = h.size();
  // Elements come either as little-endian `Raw` values in raw_data or in the
  // typed repeated field `field`; `push` stores one of them.
  auto read = [&](auto rawTag, const auto &field, auto push) -> LogicalResult {
    using Raw = decltype(rawTag);
    if (t.has_raw_data()) {
      const std::string &raw = t.raw_data();
      if (static_cast<int64_t>(raw.size()) != n * int64_t(sizeof(Raw)))
        return emitError(loc)
               << "tensor '" << t.name() << "' holds " << raw.size()
               << " bytes but its shape " << shapes::format(h.shape) << " of "
               << dataTypeName(t.data_type()) << " needs " << n * sizeof(Raw);
      for (int64_t i = 0; i < n; ++i) {
        Raw v;
        std::memcpy(&v, raw.data() + i * sizeof(Raw), sizeof(Raw));
        push(v);
      }
      return success();
    }
    if (field.size() != n)
      return emitError(loc) << "tensor '" << t.name() << "' holds "
                            << field.size() << " values but its shape "
                            << shapes::format(h.shape) << " needs " << n;
    for (auto v : field)
      push(v);
    return success();
  };
  auto pushFloat = [&](double v) { h.floats.push_back(v); };
  auto pushInt = [&](int64_t v) { h.ints.push_back(v); };
  auto pushHalf = [&](uint16_t bits) {
    h.floats.push_back(
        APFloat(APFloat::IEEEhalf(), APInt(16, bits)).convertToDouble());
  };
  LogicalResult result = failure();
  switch (t.data_type()) {
  case TensorProto::FLOAT:
    h.isFloat = true;
    result = read(float(), t.float_data(), pushFloat);
    break;
  case TensorProto::DOUBLE:
    h.isFloat = true;
    result = read(double(), t.double_data(), pushFloat);
    break;
  case TensorProto::FLOAT16:
    h.isFloat = true;
    // int32_data holds the 16-bit patterns.
    result = read(uint16_t(), t.int32_data(), pushHalf);
    break;
  case TensorProto::INT64:
    result = read(int64_t(), t.int64_data(), pushInt);
    break;
  case TensorProto::INT32:
    result = read(int32_t(), t.int32_data(), pushInt);
    break;
  case TensorProto::INT16:
    result = read(int16_t(), t.int32_data(), pushInt);
    break;
  case TensorProto::INT8:
    result = read(int8_t(), t.int32_data(), pushInt);
    break;
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    result = read(uint8_t(), t.int32_data(), pushInt);
    break;
  default:
    return emitError(loc) << "tensor '" << t.name() << "' has element type "
                          << dataTypeName(t.data_type())
                          << ", which the importer does not read",
           failure();
  }
  if (failed(result))
    return failure();
  return h;
}

FailureOr<ElementsAttr> Importer::readWeights(TensorProto &t,
                                              Type elementType) {
  if (t.data_location() == TensorProto::EXTERNAL)
    return emitError(loc) << "tensor '" << t.name()
                          << "' keeps its data in an external file, which the "
                             "importer does not read; save the model with "
                             "its weights inside",
           failure();
  SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
  int64_t elements = 1;
  for (int64_t d : shape)
    if (d < 1 || d > kMaxDim ||
        __builtin_mul_overflow(elements, d, &elements) ||
        elements > kMaxWeightElements)
      return emitError(loc)
                 << "tensor '" << t.name() << "' has shape "
                 << shapes::format(shape) << ": dimensions must lie in [1, "
                 << kMaxDim << "] and the tensor hold at most "
                 << kMaxWeightElements << " elements",
             failure();
  int dtype = t.data_type();
  if (dtype != TensorProto::FLOAT && dtype != TensorProto::FLOAT16 &&
      dtype != TensorProto::DOUBLE)
    return nodeError() << "tensor '" << t.name() << "' has element type "
                       << dataTypeName(dtype)
                       << " where a float tensor is needed",
           failure();
  // Stored f32/f16 bytes become the constant as they are, without a copy.
  Type stored = dtype == TensorProto::FLOAT16 ? Type(builder.getF16Type())
                                              : Type(builder.getF32Type());
  if (!elementType)
    elementType = stored;
  auto type = RankedTensorType::get(shape, elementType);
  int64_t n = shapes::numElements(shape);
  if (t.has_raw_data() && elementType == stored &&
      dtype != TensorProto::DOUBLE) {
    int64_t width = dtype == TensorProto::FLOAT16 ? 2 : 4;
    if (static_cast<int64_t>(t.raw_data().size()) != n * width)
      return emitError(loc)
                 << "tensor '" << t.name() << "' holds " << t.raw_data().size()
                 << " bytes but its shape " << shapes::format(shape) << " of "
                 << dataTypeName(dtype) << " needs " << n * width,
             failure();
    std::string bytes = std::move(*t.mutable_raw_data());
    t.clear_raw_data();
    return makeElementsFromBytes(type, std::move(bytes), t.name());
  }
  FailureOr<HostTensor> values = readHostTensor(t);
  if (failed(values))
    return failure();
  return makeFloatElements(type, values->floats);
}

FailureOr<Value> Importer::runtime(int i, Type elementType) {
  if (!hasInput(i))
    return nodeError() << "input #" << i << " is missing", failure();
  Entry &e = input(i);
  if (e.value) {
    if (elementType && elementOf(e.value) != elementType &&
        e.value.getDefiningOp<ConstantOp>()) {
      // A weight shared with a layer of another precision: convert it.
      auto values =
          readFloatElements(e.value.getDefiningOp<ConstantOp>().getValue());
      if (values)
        return constant(makeFloatElements(
            tensorType(shapeOf(e.value), elementType), *values));
    }
    return e.value;
  }
  if (e.tensor) {
    FailureOr<ElementsAttr> attr = readWeights(*e.tensor, elementType);
    if (failed(attr))
      return failure();
    e.value = constant(*attr);
    e.tensor = nullptr;
    return e.value;
  }
  if (e.host) {
    if (!e.host->isFloat)
      return nodeError() << "input '" << inputName(i) << "' is an integer "
                         << "tensor where a float tensor is needed",
             failure();
    Type type = elementType ? elementType : Type(builder.getF32Type());
    return constant(
        makeFloatElements(tensorType(e.host->shape, type), e.host->floats));
  }
  return nodeError() << "input '" << inputName(i) << "' has no value",
         failure();
}

FailureOr<HostTensor *> Importer::host(int i, StringRef role) {
  if (!hasInput(i))
    return nodeError() << "input #" << i << " (" << role << ") is missing",
           failure();
  Entry &e = input(i);
  if (!e.host && e.tensor) {
    if (e.tensor->data_location() == TensorProto::EXTERNAL)
      return nodeError() << "tensor '" << e.tensor->name()
                         << "' keeps its data in an external file",
             failure();
    FailureOr<HostTensor> t = readHostTensor(*e.tensor);
    if (failed(t))
      return failure();
    e.host = std::move(*t);
  }
  if (!e.host && e.value)
    if (auto c = e.value.getDefiningOp<ConstantOp>())
      if (auto values = readFloatElements(c.getValue())) {
        HostTensor t;
        t.isFloat = true;
        t.shape.assign(shapeOf(e.value).begin(), shapeOf(e.value).end());
        t.floats.assign(values->begin(), values->end());
        e.host = std::move(t);
      }
  if (!e.host)
    return nodeError() << "input '" << inputName(i) << "' (" << role
                       << ") must be known at compile time (a constant or "
                          "computed from shapes)",
           failure();
  return &*e.host;
}

FailureOr<SmallVector<int64_t>> Importer::hostInts(int i, StringRef role) {
  FailureOr<HostTensor *> t = host(i, role);
  if (failed(t))
    return failure();
  SmallVector<int64_t> values;
  for (int64_t k = 0, n = (*t)->size(); k < n; ++k) {
    if ((*t)->isFloat && !fitsInt64((*t)->floats[k]))
      return nodeError() << "input '" << inputName(i) << "' (" << role
                         << ") holds " << (*t)->floats[k]
                         << ", which is not a valid integer",
             failure();
    values.push_back((*t)->intAt(k));
  }
  return values;
}

FailureOr<double> Importer::hostScalar(int i, StringRef role) {
  FailureOr<HostTensor *> t = host(i, role);
  if (failed(t))
    return failure();
  if ((*t)->size() != 1)
    return nodeError() << "input '" << inputName(i) << "' (" << role
                       << ") must be a single value, got shape "
                       << shapes::format((*t)->shape),
           failure();
  return (*t)->at(0);
}

FailureOr<SmallVector<int64_t>> Importer::inputShape(int i) {
  if (!hasInput(i))
    return nodeError() << "input #" << i << " is missing", failure();
  Entry &e = input(i);
  if (e.value)
    return SmallVector<int64_t>(shapeOf(e.value));
  if (e.host)
    return e.host->shape;
  if (e.tensor)
    return SmallVector<int64_t>(e.tensor->dims().begin(),
                                e.tensor->dims().end());
  return nodeError() << "input '" << inputName(i) << "' has no value",
         failure();
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp>
Importer::run(llvm::function_ref<bool(onnx::ModelProto &)> parse) {
  if (!parse(model)) {
    emitError(fileLoc) << "'" << bufferName
                       << "' is not an ONNX model: the protobuf data is "
                          "truncated or malformed";
    return nullptr;
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    emitError(fileLoc) << "'" << bufferName << "' holds no graph";
    return nullptr;
  }
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  if (opset == 0) {
    emitError(fileLoc) << "'" << bufferName
                       << "' imports no opset of the ai.onnx domain";
    return nullptr;
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    emitError(fileLoc) << "'" << bufferName << "' uses opset " << opset
                       << " of ai.onnx, outside the supported range "
                       << kMinOpset << " to " << kMaxOpset;
    return nullptr;
  }
  onnx::GraphProto &graph = *model.mutable_graph();

  // Initializers first: graph inputs with the same name are weights.
  for (TensorProto &t : *graph.mutable_initializer())
    env[t.name()].tensor = &t;

  // Function arguments: the graph inputs that are not initializers.
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (env.count(in.name()) && env[in.name()].tensor)
      continue;
    const onnx::TypeProto &tp = in.type();
    if (!tp.has_tensor_type()) {
      emitError(fileLoc) << "input '" << in.name()
                         << "' is not a tensor; rapid models take tensors";
      return nullptr;
    }
    int elem = tp.tensor_type().elem_type();
    Type elementType;
    if (elem == TensorProto::FLOAT)
      elementType = builder.getF32Type();
    else if (elem == TensorProto::FLOAT16)
      elementType = builder.getF16Type();
    else {
      emitError(fileLoc) << "input '" << in.name() << "' has element type "
                         << dataTypeName(elem)
                         << "; rapid models take FLOAT or FLOAT16 inputs";
      return nullptr;
    }
    SmallVector<int64_t> shape;
    auto bound = options.inputShapes.find(in.name());
    if (bound != options.inputShapes.end()) {
      shape = bound->second;
      if (tp.tensor_type().has_shape() && tp.tensor_type().shape().dim_size() !=
                                              static_cast<int>(shape.size())) {
        emitError(fileLoc) << "--input-shape gives '" << in.name() << "' rank "
                           << shape.size() << " but the model declares rank "
                           << tp.tensor_type().shape().dim_size();
        return nullptr;
      }
    } else {
      if (!tp.tensor_type().has_shape()) {
        emitError(fileLoc) << "input '" << in.name()
                           << "' has no shape; bind it with --input-shape "
                           << in.name() << "=<d0>x<d1>x...";
        return nullptr;
      }
      const onnx::TensorShapeProto &s = tp.tensor_type().shape();
      for (int d = 0; d < s.dim_size(); ++d) {
        const auto &dim = s.dim(d);
        if (dim.has_dim_value() && dim.dim_value() > kMaxDim) {
          emitError(fileLoc)
              << "input '" << in.name() << "' dimension " << d << " is "
              << dim.dim_value() << ", larger than rapid handles (" << kMaxDim
              << ")";
          return nullptr;
        }
        if (d == 0 && options.minibatch) {
          shape.push_back(*options.minibatch);
        } else if (dim.has_dim_value() && dim.dim_value() > 0) {
          shape.push_back(dim.dim_value());
        } else if (d == 0 && options.batch) {
          shape.push_back(*options.batch);
        } else {
          InFlightDiagnostic diag = emitError(fileLoc);
          diag << "input '" << in.name() << "' dimension " << d;
          if (dim.has_dim_param())
            diag << " ('" << dim.dim_param() << "')";
          diag << " is symbolic; bind it with "
               << (d == 0 ? "--batch N or " : "") << "--input-shape "
               << in.name() << "=<d0>x<d1>x...";
          return nullptr;
        }
      }
    }
    argTypes.push_back(RankedTensorType::get(shape, elementType));
    argNames.push_back(in.name());
  }

  // Names consumed by nodes or returned: outputs nobody reads may be dropped.
  for (const NodeProto &n : graph.node())
    for (const std::string &in : n.input())
      if (!in.empty())
        usedNames.insert(in);
  for (const onnx::ValueInfoProto &out : graph.output())
    usedNames.insert(out.name());

  // Topological order (ONNX requires one, but not every exporter keeps it).
  int numNodes = graph.node_size();
  llvm::StringMap<int> producer;
  for (int i = 0; i < numNodes; ++i)
    for (const std::string &out : graph.node(i).output())
      if (!out.empty())
        producer[out] = i;
  std::vector<int> pending(numNodes, 0);
  std::vector<std::vector<int>> consumers(numNodes);
  llvm::StringSet<> known;
  for (const std::string &name : argNames)
    known.insert(name);
  for (const auto &entry : env)
    known.insert(entry.getKey());
  for (int i = 0; i < numNodes; ++i) {
    const NodeProto &n = graph.node(i);
    for (const std::string &in : n.input()) {
      if (in.empty())
        continue;
      auto p = producer.find(in);
      if (p != producer.end()) {
        ++pending[i];
        consumers[p->second].push_back(i);
      } else if (!known.contains(in)) {
        node = graph.mutable_node(i);
        nodeName = n.name().empty() ? "#" + std::to_string(i) : n.name();
        loc = NameLoc::get(builder.getStringAttr(nodeName), fileLoc);
        nodeError() << "input '" << in
                    << "' is neither a graph input, an initializer nor the "
                       "output of a node";
        return nullptr;
      }
    }
  }
  // Kahn's algorithm taking the lowest ready index keeps the file's order
  // whenever it is already topological.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push(i);
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[i])
      if (--pending[c] == 0)
        ready.push(c);
  }
  if (static_cast<int>(order.size()) != numNodes) {
    for (int i = 0; i < numNodes; ++i)
      if (pending[i] > 0) {
        const NodeProto &n = graph.node(i);
        emitError(fileLoc) << "node '"
                           << (n.name().empty() ? "#" + std::to_string(i)
                                                : n.name())
                           << "' (" << n.op_type()
                           << ") is part of a cycle; ONNX graphs must be "
                              "acyclic";
        return nullptr;
      }
  }

  // The function; its result types are known once the body is built.
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());
  std::string funcName = options.functionName;
  if (funcName.empty())
    funcName = "main";
  auto func = builder.create<func::FuncOp>(
      fileLoc, funcName, builder.getFunctionType(argTypes, {}));
  body = func.addEntryBlock();
  for (size_t i = 0; i < argNames.size(); ++i) {
    env[argNames[i]].value = body->getArgument(i);
    func.setArgAttr(i, "rapid.name", builder.getStringAttr(argNames[i]));
  }
  builder.setInsertionPointToEnd(body);
  // Ops go before a placeholder terminator, replaced at the end.
  auto anchor = builder.create<func::ReturnOp>(fileLoc);
  builder.setInsertionPoint(anchor);

  for (int i : order) {
    node = graph.mutable_node(i);
    nodeName = node->name().empty() ? "#" + std::to_string(i) : node->name();
    loc = NameLoc::get(builder.getStringAttr(nodeName), fileLoc);
    if (failed(convertNode()))
      return nullptr;
  }
  node = nullptr;
  loc = fileLoc;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = env.find(out.name());
    if (it == env.end() || resolve(out.name()).empty()) {
      emitError(fileLoc) << "graph output '" << out.name()
                         << "' is not produced by any node";
      return nullptr;
    }
    Entry &e = resolve(out.name());
    if (!e.value && e.host && !e.host->isFloat) {
      emitError(fileLoc) << "graph output '" << out.name()
                         << "' is an integer tensor computed at compile "
                            "time; rapid models return float tensors";
      return nullptr;
    }
    if (!e.value) {
      builder.setInsertionPoint(anchor);
      ElementsAttr attr;
      if (e.tensor) {
        FailureOr<ElementsAttr> w = readWeights(*e.tensor, Type());
        if (failed(w))
          return nullptr;
        attr = *w;
      } else {
        attr = makeFloatElements(
            RankedTensorType::get(e.host->shape, builder.getF32Type()),
            e.host->floats);
      }
      e.value = constant(attr);
    }
    // A declared static shape must agree with the computed one.
    if (out.type().has_tensor_type() && out.type().tensor_type().has_shape()) {
      const onnx::TensorShapeProto &declared = out.type().tensor_type().shape();
      ArrayRef<int64_t> computed = shapeOf(e.value);
      bool mismatch = declared.dim_size() != static_cast<int>(computed.size());
      for (int d = 0; !mismatch && d < declared.dim_size(); ++d)
        mismatch = declared.dim(d).has_dim_value() &&
                   declared.dim(d).dim_value() != computed[d] &&
                   !(d == 0 && options.minibatch);
      if (mismatch) {
        SmallVector<std::string> dims;
        for (const auto &dim : declared.dim())
          dims.push_back(dim.has_dim_value() ? std::to_string(dim.dim_value())
                                             : dim.dim_param());
        emitError(fileLoc) << "graph output '" << out.name()
                           << "' is declared with shape "
                           << llvm::join(dims, "x") << " but computes to "
                           << shapes::format(computed);
        return nullptr;
      }
    }
    results.push_back(e.value);
    resultTypes.push_back(e.value.getType());
  }
  builder.setInsertionPoint(anchor);
  builder.create<func::ReturnOp>(fileLoc, results);
  anchor->erase();
  func.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
  for (size_t i = 0; i < results.size(); ++i)
    func.setResultAttr(i, "rapid.name",
                       builder.getStringAttr(graph.output(i).name()));
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertNode() {
  const std::string &domain = node->domain();
  StringRef type = node->op_type();
  bool defaultDomain = domain.empty() || domain == "ai.onnx";
  auto unknown = [&]() {
    return nodeError() << "op type '" << type << "' of domain '"
                       << (domain.empty() ? "ai.onnx" : domain)
                       << "' is not supported; supported ops: "
                       << supportedOnnxOps();
  };
  if (!defaultDomain)
    return unknown();
  // Every supported op produces something; optional outputs may be omitted
  // (an empty name), and converters check the ones they need.
  if (llvm::all_of(node->output(),
                   [](const std::string &o) { return o.empty(); }))
    return nodeError() << "has no outputs";
  if (type == "Conv")
    return convertConv();
  if (type == "ConvTranspose")
    return convertConvTranspose();
  if (type == "Gemm")
    return convertGemm();
  if (type == "MatMul")
    return convertMatMul();
  if (type == "Relu" || type == "Sigmoid" || type == "Tanh" ||
      type == "LeakyRelu" || type == "HardSigmoid")
    return convertUnary();
  if (type == "Clip")
    return convertClip();
  if (type == "Softmax")
    return convertSoftmax();
  if (type == "MaxPool" || type == "AveragePool")
    return convertPool(type == "MaxPool");
  if (type == "GlobalAveragePool")
    return convertGlobalAveragePool();
  if (type == "BatchNormalization")
    return convertBatchNorm();
  if (type == "Add" || type == "Sub" || type == "Mul" || type == "Div" ||
      type == "Max")
    return convertBinary();
  if (type == "Flatten")
    return convertFlatten();
  if (type == "Reshape")
    return convertReshape();
  if (type == "Squeeze" || type == "Unsqueeze")
    return convertSqueeze(type == "Unsqueeze");
  if (type == "Transpose")
    return convertTranspose();
  if (type == "Concat")
    return convertConcat();
  if (type == "Pad")
    return convertPad();
  if (type == "Identity" || type == "Dropout") {
    if (type == "Dropout") {
      if (failed(requireUnused(1, "dropout mask")))
        return failure();
      // Opset 12+: an explicit training_mode input must be false.
      if (hasInput(2)) {
        FailureOr<double> training = hostScalar(2, "training_mode");
        if (failed(training))
          return failure();
        if (*training != 0.0)
          return nodeError() << "training_mode is true; only inference "
                                "dropout (the identity) is supported";
      }
    }
    if (!hasInput(0))
      return nodeError() << "input #0 is missing";
    if (input(0).empty())
      return nodeError() << "input '" << inputName(0) << "' has no value";
    if (node->output(0).empty())
      return success();
    Entry alias;
    alias.aliasOf = node->input(0);
    env[node->output(0)] = alias;
    return success();
  }
  if (type == "Constant")
    return convertConstant();
  if (type == "Shape")
    return convertShape();
  if (type == "Gather")
    return convertGather();
  if (type == "ConstantOfShape")
    return convertConstantOfShape();
  if (type == "Expand")
    return convertExpand();
  if (type == "Cast")
    return convertCast();
  if (type == "Slice")
    return convertSlice();
  if (type == "LSTM")
    return convertLSTM();
  return unknown();
}

FailureOr<SmallVector<int64_t, 4>>
Importer::windowPads(ArrayRef<int64_t> input, ArrayRef<int64_t> kernel,
                     ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  FailureOr<std::string> autoPad = attrString("auto_pad", "NOTSET");
  FailureOr<std::optional<SmallVector<int64_t>>> pads = attrInts("pads");
  if (failed(autoPad) || failed(pads))
    return failure();
  // The window itself must be valid before any arithmetic on it.
  for (auto [name, values] :
       {std::pair<const char *, ArrayRef<int64_t>>{"kernel_shape", kernel},
        {"strides", strides},
        {"dilations", dilations}})
    if (llvm::any_of(values, [](int64_t v) { return v < 1 || v > kMaxDim; }))
      return nodeError() << "attribute '" << name << "' "
                         << shapes::format(values) << " needs values in [1, "
                         << kMaxDim << "]",
             failure();
  if (*autoPad == "NOTSET") {
    if (!*pads)
      return SmallVector<int64_t, 4>{0, 0, 0, 0};
    if ((*pads)->size() != 4)
      return nodeError() << "attribute 'pads' needs 4 values for a 2-D "
                            "window, got "
                         << (*pads)->size(),
             failure();
    if (llvm::any_of(**pads, [](int64_t p) { return p < 0 || p > kMaxDim; }))
      return nodeError() << "attribute 'pads' " << shapes::format(**pads)
                         << " needs values in [0, " << kMaxDim << "]",
             failure();
    return SmallVector<int64_t, 4>((*pads)->begin(), (*pads)->end());
  }
  if (*autoPad == "VALID")
    return SmallVector<int64_t, 4>{0, 0, 0, 0};
  if (*autoPad != "SAME_UPPER" && *autoPad != "SAME_LOWER")
    return (void)unsupportedValue("auto_pad", *autoPad,
                                  "NOTSET, VALID, SAME_UPPER or SAME_LOWER"),
           failure();
  // SAME: the output has ceil(input / stride) positions; the odd pixel goes
  // at the end (UPPER) or the beginning (LOWER).
  SmallVector<int64_t, 4> result(4, 0);
  for (int i = 0; i < 2; ++i) {
    int64_t in = input[2 + i];
    int64_t out = (in + strides[i] - 1) / strides[i];
    int64_t span = dilations[i] * (kernel[i] - 1) + 1;
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + span - in);
    int64_t small = total / 2, large = total - small;
    result[i] = *autoPad == "SAME_UPPER" ? small : large;
    result[2 + i] = *autoPad == "SAME_UPPER" ? large : small;
  }
  return result;
}

/// Drops default-valued attributes so the IR reads like hand-written IR.
static DenseI64ArrayAttr arrayUnless(OpBuilder &b, ArrayRef<int64_t> values,
                                     int64_t defaultValue) {
  if (llvm::all_of(values, [&](int64_t v) { return v == defaultValue; }))
    return {};
  return b.getDenseI64ArrayAttr(values);
}

/// The operands and window attributes Conv and ConvTranspose share, checked:
/// a rank-4 input, a rank-4 weight, an optional bias, 2 strides and 2
/// dilations in [1, kMaxDim], a kernel_shape matching the weight, a group.
FailureOr<Importer::ConvParts> Importer::convParts(StringRef kind) {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  if (shapeOf(*x).size() != 4)
    return nodeError() << "only 2-D " << kind
                       << " (rank-4 NCHW input) are supported, got input "
                          "shape "
                       << shapes::format(shapeOf(*x)),
           failure();
  ConvParts parts;
  parts.x = *x;
  Type element = elementOf(*x);
  FailureOr<Value> w = runtime(1, element);
  if (failed(w))
    return failure();
  parts.w = *w;
  if (hasInput(2)) {
    FailureOr<Value> b = runtime(2, element);
    if (failed(b))
      return failure();
    parts.bias = *b;
  }
  ArrayRef<int64_t> wShape = shapeOf(parts.w);
  if (wShape.size() != 4)
    return nodeError() << "weight must be rank 4, got "
                       << shapes::format(wShape),
           failure();
  auto strides = attrInts("strides");
  auto dilations = attrInts("dilations");
  auto kernel = attrInts("kernel_shape");
  auto group = attrInt("group", 1);
  if (failed(strides) || failed(dilations) || failed(kernel) || failed(group))
    return failure();
  parts.strides = strides->value_or(SmallVector<int64_t>{1, 1});
  parts.dilations = dilations->value_or(SmallVector<int64_t>{1, 1});
  parts.groups = *group;
  for (auto [name, values] :
       {std::pair<const char *, ArrayRef<int64_t>>{"strides", parts.strides},
        {"dilations", parts.dilations}})
    if (values.size() != 2 ||
        llvm::any_of(values, [](int64_t v) { return v < 1 || v > kMaxDim; }))
      return nodeError() << "attribute '" << name << "' "
                         << shapes::format(values) << " needs 2 values in [1, "
                         << kMaxDim << "]",
             failure();
  if (*kernel && ArrayRef<int64_t>(**kernel) != wShape.drop_front(2))
    return nodeError() << "kernel_shape " << shapes::format(**kernel)
                       << " differs from the weight's "
                       << shapes::format(wShape.drop_front(2)),
           failure();
  return parts;
}

LogicalResult Importer::convertConv() {
  FailureOr<ConvParts> parts = convParts("convolutions");
  if (failed(parts))
    return failure();
  Value x = parts->x, w = parts->w, bias = parts->bias;
  ArrayRef<int64_t> xShape = shapeOf(x), wShape = shapeOf(w);
  Type element = elementOf(x);
  SmallVector<int64_t> &s = parts->strides, &d = parts->dilations;
  int64_t groups = parts->groups;
  FailureOr<SmallVector<int64_t, 4>> pads =
      windowPads(xShape, wShape.drop_front(2), s, d);
  if (failed(pads))
    return failure();
  shapes::ShapeResult out =
      shapes::conv2d(xShape, wShape, shapes::Window2D{{}, s, *pads, d}, groups);
  if (!out.ok())
    return nodeError() << out.error;
  auto op = builder.create<Conv2DOp>(
      loc, tensorType(out.shape, element), x, w, bias,
      arrayUnless(builder, s, 1), arrayUnless(builder, *pads, 0),
      arrayUnless(builder, d, 1),
      groups == 1 ? IntegerAttr() : builder.getI64IntegerAttr(groups),
      ActivationAttr());
  setResult(0, op);
  return success();
}

LogicalResult Importer::convertConvTranspose() {
  FailureOr<ConvParts> parts = convParts("transposed convolutions");
  if (failed(parts))
    return failure();
  Value x = parts->x, w = parts->w, bias = parts->bias;
  ArrayRef<int64_t> xShape = shapeOf(x), wShape = shapeOf(w);
  Type element = elementOf(x);
  SmallVector<int64_t> &s = parts->strides, &d = parts->dilations;
  auto outPad = attrInts("output_padding");
  auto outShape = attrInts("output_shape");
  auto padsAttr = attrInts("pads");
  auto autoPad = attrString("auto_pad", "NOTSET");
  if (failed(outPad) || failed(outShape) || failed(padsAttr) || failed(autoPad))
    return failure();
  SmallVector<int64_t> op = outPad->value_or(SmallVector<int64_t>{0, 0});
  if (op.size() != 2 ||
      llvm::any_of(op, [](int64_t v) { return v < 0 || v > kMaxDim; }))
    return nodeError() << "attribute 'output_padding' " << shapes::format(op)
                       << " needs 2 values in [0, " << kMaxDim << "]";
  // Pads come explicitly, or from output_shape / SAME: the total padding is
  // what the full transposed output exceeds the requested size by.
  SmallVector<int64_t, 4> pads = {0, 0, 0, 0};
  std::optional<SmallVector<int64_t>> target = *outShape;
  if (target && target->size() == 4)
    target = SmallVector<int64_t>(target->begin() + 2, target->end());
  if (!target && (*autoPad == "SAME_UPPER" || *autoPad == "SAME_LOWER"))
    target = SmallVector<int64_t>{xShape[2] * s[0], xShape[3] * s[1]};
  if (target) {
    if (target->size() != 2)
      return nodeError() << "attribute 'output_shape' needs the 2 spatial "
                            "sizes";
    for (int i = 0; i < 2; ++i) {
      int64_t full =
          s[i] * (xShape[2 + i] - 1) + op[i] + d[i] * (wShape[2 + i] - 1) + 1;
      int64_t total = full - (*target)[i];
      if (total < 0) {
        // A larger requested output extends the end, as output_padding
        // does (ONNX reference implementation).
        op[i] -= total;
        continue;
      }
      bool lower = *autoPad == "SAME_LOWER";
      pads[i] = lower ? total - total / 2 : total / 2;
      pads[2 + i] = total - pads[i];
    }
  } else if (*padsAttr) {
    if ((*padsAttr)->size() != 4 || llvm::any_of(**padsAttr, [](int64_t p) {
          return p < 0 || p > kMaxDim;
        }))
      return nodeError() << "attribute 'pads' " << shapes::format(**padsAttr)
                         << " needs 4 values in [0, " << kMaxDim << "]";
    pads.assign((*padsAttr)->begin(), (*padsAttr)->end());
  } else if (*autoPad != "NOTSET" && *autoPad != "VALID") {
    return unsupportedValue("auto_pad", *autoPad,
                            "NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  }
  shapes::ShapeResult out = shapes::convTranspose2d(
      xShape, wShape, shapes::Window2D{{}, s, pads, d}, op, parts->groups);
  if (!out.ok())
    return nodeError() << out.error;
  auto result = builder.create<ConvTranspose2DOp>(
      loc, tensorType(out.shape, element), x, w, bias,
      arrayUnless(builder, s, 1), arrayUnless(builder, pads, 0),
      arrayUnless(builder, d, 1), arrayUnless(builder, op, 0),
      parts->groups == 1 ? IntegerAttr()
                         : builder.getI64IntegerAttr(parts->groups),
      ActivationAttr());
  setResult(0, result);
  return success();
}

LogicalResult Importer::convertGemm() {
  FailureOr<Value> a = runtime(0);
  if (failed(a))
    return failure();
  Type element = elementOf(*a);
  FailureOr<Value> b = runtime(1, element);
  auto alpha = attrFloat("alpha", 1.0);
  auto beta = attrFloat("beta", 1.0);
  auto transA = attrInt("transA", 0);
  auto transB = attrInt("transB", 0);
  if (failed(b) || failed(alpha) || failed(beta) || failed(transA) ||
      failed(transB))
    return failure();
  Value c;
  if (hasInput(2) && *beta != 0.0) {
    FailureOr<Value> cv = runtime(2, element);
    if (failed(cv))
      return failure();
    c = *cv;
  }
  shapes::ShapeResult out =
      shapes::gemm(shapeOf(*a), shapeOf(*b), *transA != 0, *transB != 0);
  if (!out.ok())
    return nodeError() << out.error;
  auto op = builder.create<GemmOp>(
      loc, tensorType(out.shape, element), *a, *b, c,
      *transA ? builder.getUnitAttr() : UnitAttr(),
      *transB ? builder.getUnitAttr() : UnitAttr(),
      *alpha == 1.0 ? FloatAttr() : builder.getF32FloatAttr(*alpha),
      (!c || *beta == 1.0) ? FloatAttr() : builder.getF32FloatAttr(*beta),
      ActivationAttr());
  setResult(0, op);
  return success();
}

LogicalResult Importer::convertMatMul() {
  FailureOr<Value> a = runtime(0);
  if (failed(a))
    return failure();
  FailureOr<Value> b = runtime(1, elementOf(*a));
  if (failed(b))
    return failure();
  Type element = elementOf(*a);
  // numpy matmul: a rank-1 operand is a row (lhs) or a column (rhs) whose
  // extra dimension is dropped from the result.
  auto promote = [&](Value v, bool lhs) -> Value {
    ArrayRef<int64_t> s = shapeOf(v);
    if (s.size() != 1)
      return v;
    SmallVector<int64_t> shape =
        lhs ? SmallVector<int64_t>{1, s[0]} : SmallVector<int64_t>{s[0], 1};
    return builder.create<ReshapeOp>(loc, tensorType(shape, element), v);
  };
  bool lhsVector = shapeOf(*a).size() == 1, rhsVector = shapeOf(*b).size() == 1;
  Value lhs = promote(*a, true), rhs = promote(*b, false);
  shapes::ShapeResult out = shapes::matmul(shapeOf(lhs), shapeOf(rhs));
  if (!out.ok())
    return nodeError() << out.error;
  Value result =
      builder.create<MatMulOp>(loc, tensorType(out.shape, element), lhs, rhs);
  if (lhsVector || rhsVector) {
    SmallVector<int64_t> shape(out.shape.begin(), out.shape.end() - 2);
    if (!lhsVector)
      shape.push_back(out.shape[out.shape.size() - 2]);
    if (!rhsVector)
      shape.push_back(out.shape.back());
    result = builder.create<ReshapeOp>(loc, tensorType(shape, element), result);
  }
  setResult(0, result);
  return success();
}

LogicalResult Importer::convertUnary() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  StringRef type = node->op_type();
  Value result;
  if (type == "Relu")
    result = builder.create<ReluOp>(loc, *x);
  else if (type == "Sigmoid")
    result = builder.create<SigmoidOp>(loc, *x);
  else if (type == "Tanh")
    result = builder.create<TanhOp>(loc, *x);
  else if (type == "LeakyRelu") {
    FailureOr<double> alpha = attrFloat("alpha", 0.01);
    if (failed(alpha))
      return failure();
    result =
        builder.create<LeakyReluOp>(loc, *x, builder.getF32FloatAttr(*alpha));
  } else {
    FailureOr<double> alpha = attrFloat("alpha", 0.2);
    FailureOr<double> beta = attrFloat("beta", 0.5);
    if (failed(alpha) || failed(beta))
      return failure();
    result =
        builder.create<HardSigmoidOp>(loc, *x, builder.getF32FloatAttr(*alpha),
                                      builder.getF32FloatAttr(*beta));
  }
  setResult(0, result);
  return success();
}

LogicalResult Importer::convertClip() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  // Unbounded sides clamp at the largest f32, which the SFUs handle like
  // infinity.
  double lo = -FLT_MAX, hi = FLT_MAX;
  if (opset < 11) {
    FailureOr<double> min = attrFloat("min", -FLT_MAX);
    FailureOr<double> max = attrFloat("max", FLT_MAX);
    if (failed(min) || failed(max))
      return failure();
    lo = *min;
    hi = *max;
  } else {
    if (hasInput(1)) {
      FailureOr<double> min = hostScalar(1, "min");
      if (failed(min))
        return failure();
      lo = *min;
    }
    if (hasInput(2)) {
      FailureOr<double> max = hostScalar(2, "max");
      if (failed(max))
        return failure();
      hi = *max;
    }
  }
  lo = std::max(lo, double(-FLT_MAX));
  hi = std::min(hi, double(FLT_MAX));
  if (!(lo <= hi))
    return nodeError() << "min " << lo << " exceeds max " << hi;
  Value result;
  if (lo == 0.0 && hi == FLT_MAX)
    result = builder.create<ReluOp>(loc, *x);
  else
    result = builder.create<ClipOp>(loc, *x, builder.getF32FloatAttr(lo),
                                    builder.getF32FloatAttr(hi), UnitAttr());
  setResult(0, result);
  return success();
}

LogicalResult Importer::convertSoftmax() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(*x);
  int64_t rank = shape.size();
  // Opset 13 normalizes one axis (default -1); before, the input is coerced
  // to 2-D around `axis` (default 1) and normalized over the second part.
  FailureOr<int64_t> axisAttr = attrInt("axis", opset >= 13 ? -1 : 1);
  if (failed(axisAttr))
    return failure();
  int64_t axis = shapes::normalizeAxis(*axisAttr, rank);
  if (axis < 0)
    return nodeError() << "axis " << *axisAttr << " is out of range for rank "
                       << rank;
  if (opset >= 13 || axis == rank - 1) {
    setResult(0, builder.create<SoftmaxOp>(loc, *x, opset >= 13 ? axis : axis));
    return success();
  }
  Type element = elementOf(*x);
  SmallVector<int64_t> flat = {shapes::numElements(shape.take_front(axis)),
                               shapes::numElements(shape.drop_front(axis))};
  Value r = builder.create<ReshapeOp>(loc, tensorType(flat, element), *x);
  Value sm = builder.create<SoftmaxOp>(loc, r, 1);
  setResult(0, builder.create<ReshapeOp>(loc, x->getType(), sm));
  return success();
}

LogicalResult Importer::convertPool(bool isMax) {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> xShape = shapeOf(*x);
  if (xShape.size() != 4)
    return nodeError() << "only 2-D pooling (rank-4 NCHW input) is "
                          "supported, got input shape "
                       << shapes::format(xShape);
  auto kernel = attrInts("kernel_shape");
  auto strides = attrInts("strides");
  auto dilations = attrInts("dilations");
  auto ceil = attrInt("ceil_mode", 0);
  if (failed(kernel) || failed(strides) || failed(dilations) || failed(ceil))
    return failure();
  if (!*kernel || (*kernel)->size() != 2)
    return nodeError() << "attribute 'kernel_shape' must give 2 values";
  SmallVector<int64_t> s = strides->value_or(SmallVector<int64_t>{1, 1});
  SmallVector<int64_t> d = dilations->value_or(SmallVector<int64_t>{1, 1});
  if (s.size() != 2 || d.size() != 2)
    return nodeError() << "strides and dilations need 2 values";
  FailureOr<SmallVector<int64_t, 4>> pads = windowPads(xShape, **kernel, s, d);
  if (failed(pads))
    return failure();
  shapes::ShapeResult out = shapes::pool2d(
      xShape, shapes::Window2D{**kernel, s, *pads, d, *ceil != 0});
  if (!out.ok())
    return nodeError() << out.error;
  Type type = tensorType(out.shape, elementOf(*x));
  UnitAttr ceilAttr = *ceil ? builder.getUnitAttr() : UnitAttr();
  Value result;
  if (isMax) {
    FailureOr<int64_t> order = attrInt("storage_order", 0);
    if (failed(order) || failed(requireUnused(1, "argmax indices")))
      return failure();
    if (*order != 0)
      return nodeError() << "attribute 'storage_order' = 1 is not supported";
    result = builder.create<MaxPoolOp>(
        loc, type, *x, builder.getDenseI64ArrayAttr(**kernel),
        arrayUnless(builder, s, 1), arrayUnless(builder, *pads, 0),
        arrayUnless(builder, d, 1), ceilAttr);
  } else {
    FailureOr<int64_t> countPad = attrInt("count_include_pad", 0);
    if (failed(countPad))
      return failure();
    if (llvm::any_of(d, [](int64_t v) { return v != 1; }))
      return nodeError() << "dilated average pooling is not supported";
    result = builder.create<AvgPoolOp>(
        loc, type, *x, builder.getDenseI64ArrayAttr(**kernel),
        arrayUnless(builder, s, 1), arrayUnless(builder, *pads, 0), ceilAttr,
        *countPad ? builder.getUnitAttr() : UnitAttr());
  }
  setResult(0, result);
  return success();
}

LogicalResult Importer::convertGlobalAveragePool() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> s = shapeOf(*x);
  if (s.size() != 4)
    return nodeError() << "only rank-4 NCHW input is supported, got "
                       << shapes::format(s);
  setResult(0, builder.create<GlobalAvgPoolOp>(
                   loc, tensorType({s[0], s[1], 1, 1}, elementOf(*x)), *x));
  return success();
}

LogicalResult Importer::convertBatchNorm() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  Type element = elementOf(*x);
  SmallVector<Value, 4> params;
  for (int i = 1; i <= 4; ++i) {
    FailureOr<Value> p = runtime(i, element);
    if (failed(p))
      return failure();
    params.push_back(*p);
  }
  FailureOr<double> eps = attrFloat("epsilon", 1e-5);
  FailureOr<int64_t> training = attrInt("training_mode", 0);
  if (failed(eps) || failed(training))
    return failure();
  if (*training)
    return nodeError() << "training_mode = 1 is not supported; export the "
                          "model for inference";
  if (failed(requireUnused(1, "running statistics")))
    return failure();
  if (shapeOf(*x).size() < 2)
    return nodeError() << "input must have rank >= 2, got "
                       << shapes::format(shapeOf(*x));
  setResult(
      0,
      builder.create<BatchNormOp>(
          loc, x->getType(), *x, params[0], params[1], params[2], params[3],
          float(*eps) == 1e-5f ? FloatAttr() : builder.getF32FloatAttr(*eps)));
  return success();
}

/// Elementwise arithmetic on compile-time tensors with numpy broadcasting.
static FailureOr<HostTensor> hostBinary(StringRef type, const HostTensor &a,
                                        const HostTensor &b,
                                        std::string &error) {
  shapes::ShapeResult shape = shapes::broadcast(a.shape, b.shape);
  if (!shape.ok()) {
    error = shape.error;
    return failure();
  }
  HostTensor r;
  r.shape.assign(shape.shape.begin(), shape.shape.end());
  r.isFloat = a.isFloat || b.isFloat;
  size_t rank = r.shape.size();
  auto index = [&](const HostTensor &t, ArrayRef<int64_t> idx) {
    int64_t flat = 0, stride = 1;
    for (int64_t d = t.shape.size() - 1; d >= 0; --d) {
      int64_t i = idx[rank - t.shape.size() + d];
      flat += (t.shape[d] == 1 ? 0 : i) * stride;
      stride *= t.shape[d];
    }
    return flat;
  };
  bool ok = true;
  forEachIndex(r.shape, [&](ArrayRef<int64_t> idx) {
    int64_t i = index(a, idx), j = index(b, idx);
    if (r.isFloat) {
      double x = a.at(i), y = b.at(j);
      r.floats.push_back(type == "Add"   ? x + y
                         : type == "Sub" ? x - y
                         : type == "Mul" ? x * y
                         : type == "Div" ? x / y
                                         : std::max(x, y));
    } else {
      int64_t x = a.ints[i], y = b.ints[j], z = 0;
      bool overflow = false;
      if (type == "Add")
        overflow = __builtin_add_overflow(x, y, &z);
      else if (type == "Sub")
        overflow = __builtin_sub_overflow(x, y, &z);
      else if (type == "Mul")
        overflow = __builtin_mul_overflow(x, y, &z);
      else if (type == "Div")
        overflow =
            y == 0 || (x == INT64_MIN && y == -1) || ((z = x / y), false);
      else
        z = std::max(x, y);
      if (overflow)
        ok = false;
      r.ints.push_back(z);
    }
  });
  if (!ok) {
    error = "integer overflow or division by zero in a compile-time "
            "computation";
    return failure();
  }
  return r;
}

LogicalResult Importer::convertBinary() {
  StringRef type = node->op_type();
  int n = node->input_size();
  if (n < 1 || (type != "Max" && n != 2))
    return nodeError() << "expects 2 inputs, got " << n;
  // Shape arithmetic stays on the host.
  bool allHost = true;
  for (int i = 0; i < n; ++i)
    allHost &= isHost(i);
  if (allHost) {
    FailureOr<HostTensor *> acc = host(0, "operand");
    if (failed(acc))
      return failure();
    HostTensor result = **acc;
    for (int i = 1; i < n; ++i) {
      FailureOr<HostTensor *> rhs = host(i, "operand");
      if (failed(rhs))
        return failure();
      shapes::ShapeResult shape =
          shapes::broadcast(result.shape, (*rhs)->shape);
      if (shape.ok() && failed(checkHostSize(shape.shape)))
        return failure();
      std::string error;
      FailureOr<HostTensor> r = hostBinary(type, result, **rhs, error);
      if (failed(r))
        return nodeError() << error;
      result = std::move(*r);
    }
    setHost(0, std::move(result));
    return success();
  }
  // The element type comes from the first runtime operand.
  Type element;
  for (int i = 0; i < n && !element; ++i)
    if (input(i).value && !input(i).value.getDefiningOp<ConstantOp>())
      element = elementOf(input(i).value);
  FailureOr<Value> acc = runtime(0, element);
  if (failed(acc))
    return failure();
  Value result = *acc;
  for (int i = 1; i < n; ++i) {
    FailureOr<Value> rhs = runtime(i, elementOf(result));
    if (failed(rhs))
      return failure();
    if (elementOf(result) != elementOf(*rhs))
      return nodeError() << "operands have different element types ("
                         << elementOf(result) << " and " << elementOf(*rhs)
                         << ")";
    shapes::ShapeResult shape =
        shapes::broadcast(shapeOf(result), shapeOf(*rhs));
    if (!shape.ok())
      return nodeError() << shape.error;
    Type t = tensorType(shape.shape, elementOf(result));
    if (type == "Add")
      result = builder.create<AddOp>(loc, t, result, *rhs);
    else if (type == "Sub")
      result = builder.create<SubOp>(loc, t, result, *rhs);
    else if (type == "Mul")
      result = builder.create<MulOp>(loc, t, result, *rhs);
    else if (type == "Div")
      result = builder.create<DivOp>(loc, t, result, *rhs);
    else
      result = builder.create<MaxOp>(loc, t, result, *rhs);
  }
  setResult(0, result);
  return success();
}

LogicalResult Importer::reshapeTo(int i, ArrayRef<int64_t> shape) {
  if (isHost(i)) {
    FailureOr<HostTensor *> t = host(i, "data");
    if (failed(t))
      return failure();
    HostTensor r = **t;
    r.shape.assign(shape.begin(), shape.end());
    setHost(0, std::move(r));
    return success();
  }
  FailureOr<Value> x = runtime(i);
  if (failed(x))
    return failure();
  if (shapeOf(*x) == shape) {
    setResult(0, *x);
    return success();
  }
  setResult(
      0, builder.create<ReshapeOp>(loc, tensorType(shape, elementOf(*x)), *x));
  return success();
}

LogicalResult Importer::convertFlatten() {
  FailureOr<SmallVector<int64_t>> shape = inputShape(0);
  FailureOr<int64_t> axisAttr = attrInt("axis", 1);
  if (failed(shape) || failed(axisAttr))
    return failure();
  int64_t rank = shape->size();
  int64_t axis = shapes::normalizeAxis(*axisAttr, rank, /*inclusiveEnd=*/true);
  if (axis < 0)
    return nodeError() << "axis " << *axisAttr << " is out of range [-" << rank
                       << ", " << rank << "]";
  shapes::ShapeResult out = shapes::flatten(*shape, axis);
  if (isHost(0))
    return reshapeTo(0, out.shape);
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  setResult(0, builder.create<FlattenOp>(
                   loc, tensorType(out.shape, elementOf(*x)), *x, axis));
  return success();
}

LogicalResult Importer::convertReshape() {
  FailureOr<SmallVector<int64_t>> in = inputShape(0);
  if (failed(in))
    return failure();
  SmallVector<int64_t> target;
  FailureOr<SmallVector<int64_t>> requested = hostInts(1, "shape");
  FailureOr<int64_t> allowZero = attrInt("allowzero", 0);
  if (failed(requested) || failed(allowZero))
    return failure();
  int64_t inferred = -1, known = 1;
  for (size_t d = 0; d < requested->size(); ++d) {
    int64_t v = (*requested)[d];
    if (v == 0 && !*allowZero) {
      if (d >= in->size())
        return nodeError() << "shape " << shapes::format(*requested)
                           << " copies dimension " << d << " (0) but the "
                           << "input " << shapes::format(*in) << " has rank "
                           << in->size();
      v = (*in)[d];
    }
    if (v == -1) {
      if (inferred >= 0)
        return nodeError() << "shape " << shapes::format(*requested)
                           << " has more than one -1";
      inferred = d;
      target.push_back(1);
      continue;
    }
    if (v < 0)
      return nodeError() << "shape " << shapes::format(*requested)
                         << " has a negative dimension";
    if (v == 0 || v > kMaxDim || __builtin_mul_overflow(known, v, &known))
      return nodeError() << "shape " << shapes::format(*requested)
                         << " needs dimensions in [1, " << kMaxDim << "]";
    target.push_back(v);
  }
  int64_t total = shapes::numElements(*in);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return nodeError() << "cannot infer the -1 of shape "
                         << shapes::format(*requested) << " for " << total
                         << " elements";
    target[inferred] = total / known;
  }
  if (shapes::numElements(target) != total)
    return nodeError() << "cannot reshape " << shapes::format(*in) << " ("
                       << total << " elements) to " << shapes::format(target);
  return reshapeTo(0, target);
}

LogicalResult Importer::convertSqueeze(bool unsqueeze) {
  FailureOr<SmallVector<int64_t>> in = inputShape(0);
  if (failed(in))
    return failure();
  std::optional<SmallVector<int64_t>> axes;
  if (opset < 13) {
    auto a = attrInts("axes");
    if (failed(a))
      return failure();
    axes = *a;
  } else if (hasInput(1)) {
    FailureOr<SmallVector<int64_t>> a = hostInts(1, "axes");
    if (failed(a))
      return failure();
    axes = *a;
  }
  SmallVector<int64_t> out;
  if (unsqueeze) {
    if (!axes)
      return nodeError() << "needs axes";
    int64_t rank = in->size() + axes->size();
    SmallVector<bool> inserted(rank, false);
    for (int64_t a : *axes) {
      int64_t n = shapes::normalizeAxis(a, rank);
      if (n < 0 || inserted[n])
        return nodeError() << "axes " << shapes::format(*axes)
                           << " are invalid for output rank " << rank;
      inserted[n] = true;
    }
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(inserted[d] ? 1 : (*in)[next++]);
  } else {
    int64_t rank = in->size();
    SmallVector<bool> drop(rank, false);
    if (axes) {
      for (int64_t a : *axes) {
        int64_t n = shapes::normalizeAxis(a, rank);
        if (n < 0 || (*in)[n] != 1)
          return nodeError() << "cannot squeeze axis " << a << " of shape "
                             << shapes::format(*in);
        drop[n] = true;
      }
    } else {
      for (int64_t d = 0; d < rank; ++d)
        drop[d] = (*in)[d] == 1;
    }
    for (int64_t d = 0; d < rank; ++d)
      if (!drop[d])
        out.push_back((*in)[d]);
  }
  return reshapeTo(0, out);
}

LogicalResult Importer::convertTranspose() {
  FailureOr<SmallVector<int64_t>> in = inputShape(0);
  auto permAttr = attrInts("perm");
  if (failed(in) || failed(permAttr))
    return failure();
  SmallVector<int64_t> perm;
  if (*permAttr)
    perm = **permAttr;
  else
    for (int64_t d = in->size() - 1; d >= 0; --d)
      perm.push_back(d);
  shapes::ShapeResult out = shapes::transpose(*in, perm);
  if (!out.ok())
    return nodeError() << out.error;
  if (isHost(0)) {
    FailureOr<HostTensor *> t = host(0, "data");
    if (failed(t))
      return failure();
    HostTensor r;
    r.isFloat = (*t)->isFloat;
    r.shape = SmallVector<int64_t>(out.shape.begin(), out.shape.end());
    SmallVector<int64_t> inStrides = stridesOf(*in);
    forEachIndex(r.shape, [&](ArrayRef<int64_t> idx) {
      int64_t flat = 0;
      for (size_t d = 0; d < idx.size(); ++d)
        flat += idx[d] * inStrides[perm[d]];
      r.pushFrom(**t, flat);
    });
    setHost(0, std::move(r));
    return success();
  }
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  setResult(
      0, builder.create<TransposeOp>(loc, tensorType(out.shape, elementOf(*x)),
                                     *x, builder.getDenseI64ArrayAttr(perm)));
  return success();
}

LogicalResult Importer::convertConcat() {
  FailureOr<int64_t> axisAttr = attrInt("axis", INT64_MIN);
  if (failed(axisAttr))
    return failure();
  if (*axisAttr == INT64_MIN)
    return nodeError() << "attribute 'axis' is required";
  int n = node->input_size();
  SmallVector<SmallVector<int64_t>> inShapes;
  bool allHost = true;
  for (int i = 0; i < n; ++i) {
    FailureOr<SmallVector<int64_t>> s = inputShape(i);
    if (failed(s))
      return failure();
    inShapes.push_back(*s);
    allHost &= isHost(i);
  }
  if (n == 0)
    return nodeError() << "needs at least one input";
  int64_t rank = inShapes[0].size();
  int64_t axis = shapes::normalizeAxis(*axisAttr, rank);
  if (axis < 0)
    return nodeError() << "axis " << *axisAttr << " is out of range for rank "
                       << rank;
  SmallVector<ArrayRef<int64_t>> refs(inShapes.begin(), inShapes.end());
  shapes::ShapeResult out = shapes::concat(refs, axis);
  if (!out.ok())
    return nodeError() << out.error;
  if (allHost) {
    HostTensor r;
    r.shape = SmallVector<int64_t>(out.shape.begin(), out.shape.end());
    SmallVector<HostTensor *> parts;
    for (int i = 0; i < n; ++i) {
      FailureOr<HostTensor *> t = host(i, "input");
      if (failed(t))
        return failure();
      parts.push_back(*t);
      r.isFloat |= (*t)->isFloat;
    }
    // Row-major: for each outer index, append each part's slab.
    int64_t outer =
        shapes::numElements(ArrayRef<int64_t>(out.shape).take_front(axis));
    for (int64_t o = 0; o < outer; ++o)
      for (HostTensor *p : parts) {
        int64_t slab =
            shapes::numElements(ArrayRef<int64_t>(p->shape).drop_front(axis));
        for (int64_t k = 0; k < slab; ++k)
          r.push(p->at(o * slab + k), p->intAt(o * slab + k));
      }
    setHost(0, std::move(r));
    return success();
  }
  Type element;
  for (int i = 0; i < n && !element; ++i)
    if (input(i).value)
      element = elementOf(input(i).value);
  SmallVector<Value> values;
  for (int i = 0; i < n; ++i) {
    FailureOr<Value> v = runtime(i, element);
    if (failed(v))
      return failure();
    values.push_back(*v);
  }
  setResult(0, builder.create<ConcatOp>(loc, tensorType(out.shape, element),
                                        values, axis));
  return success();
}

LogicalResult Importer::convertPad() {
  FailureOr<Value> x = runtime(0);
  FailureOr<std::string> modeName = attrString("mode", "constant");
  if (failed(x) || failed(modeName))
    return failure();
  std::optional<PadMode> mode = symbolizePadMode(*modeName);
  if (!mode)
    return unsupportedValue("mode", *modeName, "constant, reflect or edge");
  SmallVector<int64_t> pads;
  double value = 0.0;
  if (opset < 11) {
    auto p = attrInts("pads");
    FailureOr<double> v = attrFloat("value", 0.0);
    if (failed(p) || failed(v))
      return failure();
    if (!*p)
      return nodeError() << "attribute 'pads' is required";
    pads = **p;
    value = *v;
  } else {
    FailureOr<SmallVector<int64_t>> p = hostInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (hasInput(2)) {
      FailureOr<double> v = hostScalar(2, "constant_value");
      if (failed(v))
        return failure();
      value = *v;
    }
    if (hasInput(3))
      return nodeError() << "the axes input is not supported";
  }
  if (llvm::any_of(pads, [](int64_t p) { return p < -kMaxDim || p > kMaxDim; }))
    return nodeError() << "pads " << shapes::format(pads)
                       << " need values in [-" << kMaxDim << ", " << kMaxDim
                       << "]";
  shapes::ShapeResult out = shapes::pad(shapeOf(*x), pads);
  if (!out.ok())
    return nodeError() << out.error;
  setResult(0,
            builder.create<PadOp>(loc, tensorType(out.shape, elementOf(*x)), *x,
                                  builder.getDenseI64ArrayAttr(pads), *mode,
                                  (*mode == PadMode::constant && value != 0.0)
                                      ? builder.getF32FloatAttr(value)
                                      : FloatAttr()));
  return success();
}

LogicalResult Importer::convertConstant() {
  if (node->attribute_size() != 1)
    return nodeError() << "needs exactly one value attribute";
  AttributeProto &a = *node->mutable_attribute(0);
  StringRef name = a.name();
  HostTensor t;
  if (name == "value") {
    if (a.type() != AttributeProto::TENSOR)
      return nodeError() << "attribute 'value' must be a tensor";
    // Kept as a tensor: floats may be weights, materialized without a copy.
    if (node->output(0).empty())
      return success();
    env[node->output(0)] = Entry{Value(), std::nullopt, a.mutable_t()};
    a.mutable_t()->set_name(node->output(0));
    return success();
  }
  if (name == "value_float") {
    t.isFloat = true;
    t.floats.push_back(a.f());
  } else if (name == "value_floats") {
    t.isFloat = true;
    t.shape.push_back(a.floats_size());
    t.floats.assign(a.floats().begin(), a.floats().end());
  } else if (name == "value_int") {
    t.ints.push_back(a.i());
  } else if (name == "value_ints") {
    t.shape.push_back(a.ints_size());
    t.ints.assign(a.ints().begin(), a.ints().end());
  } else {
    return nodeError() << "attribute '" << name
                       << "' is not supported; expected value, value_float, "
                          "value_floats, value_int or value_ints";
  }
  setHost(0, std::move(t));
  return success();
}

LogicalResult Importer::convertShape() {
  FailureOr<SmallVector<int64_t>> in = inputShape(0);
  FailureOr<int64_t> start = attrInt("start", 0);
  FailureOr<int64_t> end = attrInt("end", INT64_MAX);
  if (failed(in) || failed(start) || failed(end))
    return failure();
  int64_t rank = in->size();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::min(std::max<int64_t>(a, 0), rank);
  };
  int64_t b = clampAxis(*start), e = clampAxis(*end);
  std::vector<int64_t> dims;
  for (int64_t d = b; d < e; ++d)
    dims.push_back((*in)[d]);
  int64_t count = dims.size();
  setHost(0, HostTensor::ofInts({count}, std::move(dims)));
  return success();
}

/// Slices of a runtime tensor along one axis: one slice per index, then a
/// concat (when several) and a reshape to the Gather result shape.
LogicalResult Importer::gatherRuntime(int64_t axisAttr) {
  FailureOr<Value> x = runtime(0);
  FailureOr<HostTensor *> indices = host(1, "indices");
  if (failed(x) || failed(indices))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(*x);
  int64_t rank = shape.size();
  int64_t axis = shapes::normalizeAxis(axisAttr, rank);
  if (axis < 0)
    return nodeError() << "axis " << axisAttr << " is out of range for rank "
                       << rank;
  // One slice per index: a gather of a few rows (timesteps, classes), not a
  // general indexing engine.
  constexpr int64_t kMaxGatherIndices = 4096;
  if ((*indices)->size() == 0)
    return nodeError() << "Gather with no indices gives an empty tensor, "
                          "which rapid does not represent";
  if ((*indices)->size() > kMaxGatherIndices)
    return nodeError() << "Gather of " << (*indices)->size()
                       << " indices from a runtime tensor is not supported "
                          "(at most "
                       << kMaxGatherIndices << ")";
  Type element = elementOf(*x);
  SmallVector<int64_t> sliceShape(shape);
  sliceShape[axis] = 1;
  SmallVector<Value> parts;
  for (int64_t k = 0, n = (*indices)->size(); k < n; ++k) {
    int64_t idx = (*indices)->intAt(k);
    if (idx < 0)
      idx += shape[axis];
    if (idx < 0 || idx >= shape[axis])
      return nodeError() << "index " << (*indices)->intAt(k)
                         << " is out of range for dimension " << axis
                         << " of size " << shape[axis];
    SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
    offsets[axis] = idx;
    parts.push_back(
        builder.create<SliceOp>(loc, tensorType(sliceShape, element), *x,
                                builder.getDenseI64ArrayAttr(offsets),
                                builder.getDenseI64ArrayAttr(strides)));
  }
  Value gathered = parts.front();
  if (parts.size() > 1) {
    SmallVector<int64_t> catShape(sliceShape);
    catShape[axis] = parts.size();
    gathered = builder.create<ConcatOp>(loc, tensorType(catShape, element),
                                        parts, axis);
  }
  SmallVector<int64_t> outShape(shape.begin(), shape.begin() + axis);
  outShape.append((*indices)->shape.begin(), (*indices)->shape.end());
  outShape.append(shape.begin() + axis + 1, shape.end());
  if (ArrayRef<int64_t>(outShape) != shapeOf(gathered))
    gathered =
        builder.create<ReshapeOp>(loc, tensorType(outShape, element), gathered);
  setResult(0, gathered);
  return success();
}

LogicalResult Importer::convertGather() {
  if (!isHost(0)) {
    FailureOr<int64_t> axis = attrInt("axis", 0);
    if (failed(axis))
      return failure();
    return gatherRuntime(*axis);
  }
  FailureOr<HostTensor *> data = host(0, "data");
  FailureOr<HostTensor *> indices = host(1, "indices");
  FailureOr<int64_t> axisAttr = attrInt("axis", 0);
  if (failed(data) || failed(indices) || failed(axisAttr))
    return failure();
  ArrayRef<int64_t> dShape = (*data)->shape;
  int64_t rank = dShape.size();
  int64_t axis = shapes::normalizeAxis(*axisAttr, rank);
  if (axis < 0)
    return nodeError() << "axis " << *axisAttr << " is out of range for rank "
                       << rank;
  HostTensor r;
  r.isFloat = (*data)->isFloat;
  r.shape.append(dShape.begin(), dShape.begin() + axis);
  r.shape.append((*indices)->shape.begin(), (*indices)->shape.end());
  r.shape.append(dShape.begin() + axis + 1, dShape.end());
  if (failed(checkHostSize(r.shape)))
    return failure();
  int64_t outer = shapes::numElements(dShape.take_front(axis));
  int64_t inner = shapes::numElements(dShape.drop_front(axis + 1));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0, n = (*indices)->size(); k < n; ++k) {
      int64_t idx = (*indices)->intAt(k);
      if (idx < 0)
        idx += dShape[axis];
      if (idx < 0 || idx >= dShape[axis])
        return nodeError() << "index " << (*indices)->intAt(k)
                           << " is out of range for dimension " << axis
                           << " of size " << dShape[axis];
      for (int64_t i = 0; i < inner; ++i)
        r.pushFrom(**data, (o * dShape[axis] + idx) * inner + i);
    }
  setHost(0, std::move(r));
  return success();
}

LogicalResult Importer::convertConstantOfShape() {
  FailureOr<SmallVector<int64_t>> shape = hostInts(0, "shape");
  if (failed(shape))
    return failure();
  HostTensor fill;
  fill.isFloat = true;
  fill.floats.push_back(0.0);
  if (const AttributeProto *a = findAttr("value")) {
    FailureOr<HostTensor> v = readHostTensor(a->t());
    if (failed(v))
      return failure();
    if (v->size() != 1)
      return nodeError() << "attribute 'value' must hold one element";
    fill = std::move(*v);
  }
  if (failed(checkHostSize(*shape)))
    return failure();
  HostTensor r;
  r.isFloat = fill.isFloat;
  r.shape = *shape;
  for (int64_t i = 0, n = r.size(); i < n; ++i)
    r.pushFrom(fill, 0);
  setHost(0, std::move(r));
  return success();
}

LogicalResult Importer::convertExpand() {
  FailureOr<SmallVector<int64_t>> in = inputShape(0);
  FailureOr<SmallVector<int64_t>> shape = hostInts(1, "shape");
  if (failed(in) || failed(shape))
    return failure();
  shapes::ShapeResult out = shapes::broadcast(*in, *shape);
  if (!out.ok())
    return nodeError() << out.error;
  if (failed(checkHostSize(out.shape)))
    return failure();
  if (isHost(0)) {
    FailureOr<HostTensor *> t = host(0, "input");
    if (failed(t))
      return failure();
    HostTensor zeros;
    zeros.isFloat = (*t)->isFloat;
    zeros.shape = SmallVector<int64_t>(out.shape.begin(), out.shape.end());
    for (int64_t i = 0, n = zeros.size(); i < n; ++i)
      zeros.push(0.0, 0);
    std::string error;
    FailureOr<HostTensor> r = hostBinary("Add", **t, zeros, error);
    if (failed(r))
      return nodeError() << error;
    setHost(0, std::move(*r));
    return success();
  }
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  if (ArrayRef<int64_t>(out.shape) == shapeOf(*x)) {
    setResult(0, *x);
    return success();
  }
  // x + 0 broadcast to the target shape is the expansion.
  Type element = elementOf(*x);
  Value zeros = constant(makeFloatElements(
      tensorType(out.shape, element),
      SmallVector<double>(shapes::numElements(out.shape), 0.0)));
  setResult(
      0, builder.create<AddOp>(loc, tensorType(out.shape, element), *x, zeros));
  return success();
}

LogicalResult Importer::convertCast() {
  FailureOr<int64_t> to = attrInt("to", -1);
  if (failed(to))
    return failure();
  bool toFloat = *to == TensorProto::FLOAT || *to == TensorProto::FLOAT16 ||
                 *to == TensorProto::DOUBLE;
  bool toInt = *to == TensorProto::INT64 || *to == TensorProto::INT32 ||
               *to == TensorProto::INT8 || *to == TensorProto::UINT8 ||
               *to == TensorProto::INT16 || *to == TensorProto::BOOL;
  if (!toFloat && !toInt)
    return nodeError() << "cast to " << dataTypeName(*to)
                       << " is not supported";
  if (isHost(0)) {
    FailureOr<HostTensor *> t = host(0, "input");
    if (failed(t))
      return failure();
    HostTensor r;
    r.shape = (*t)->shape;
    r.isFloat = toFloat;
    for (int64_t i = 0, n = (*t)->size(); i < n; ++i) {
      double v = (*t)->at(i);
      if (*to == TensorProto::BOOL) {
        r.push(v != 0.0, v != 0.0);
        continue;
      }
      if (!toFloat && (*t)->isFloat && !fitsInt64(v))
        return nodeError() << "cannot cast " << v << " to "
                           << dataTypeName(*to);
      r.push(v, (*t)->isFloat ? static_cast<int64_t>(v) : (*t)->ints[i]);
    }
    setHost(0, std::move(r));
    return success();
  }
  if (!toFloat)
    return nodeError() << "cast of a runtime tensor to " << dataTypeName(*to)
                       << " is not supported";
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  Type element = *to == TensorProto::FLOAT16 ? Type(builder.getF16Type())
                                             : Type(builder.getF32Type());
  if (elementOf(*x) == element) {
    setResult(0, *x);
    return success();
  }
  setResult(0,
            builder.create<CastOp>(loc, tensorType(shapeOf(*x), element), *x));
  return success();
}

LogicalResult Importer::convertSlice() {
  FailureOr<SmallVector<int64_t>> dataShape = inputShape(0);
  if (failed(dataShape))
    return failure();
  ArrayRef<int64_t> shape = *dataShape;
  int64_t rank = shape.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (opset < 10) {
    auto s = attrInts("starts");
    auto e = attrInts("ends");
    auto a = attrInts("axes");
    if (failed(s) || failed(e) || failed(a))
      return failure();
    if (!*s || !*e)
      return nodeError() << "attributes 'starts' and 'ends' are required";
    starts = **s;
    ends = **e;
    if (*a)
      axes = **a;
  } else {
    FailureOr<SmallVector<int64_t>> s = hostInts(1, "starts");
    FailureOr<SmallVector<int64_t>> e = hostInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (hasInput(3)) {
      FailureOr<SmallVector<int64_t>> a = hostInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (hasInput(4)) {
      FailureOr<SmallVector<int64_t>> st = hostInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return nodeError() << "starts, ends, axes and steps differ in length";
  SmallVector<int64_t> begin(rank, 0), step(rank, 1), count(shape);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = shapes::normalizeAxis(axes[i], rank);
    if (a < 0)
      return nodeError() << "axis " << axes[i] << " is out of range";
    int64_t dim = shape[a], st = steps[i];
    if (st == 0)
      return nodeError() << "step 0 is invalid";
    // ONNX: starts clamp to [0, dim] (step > 0) or [0, dim - 1] (step < 0);
    // ends to [0, dim] or [-1, dim - 1].
    auto clamp = [&](int64_t v, bool isEnd) {
      if (v < 0)
        v = v < -dim ? -dim - 1 : v + dim;
      int64_t lo = (st < 0 && isEnd) ? -1 : 0;
      int64_t hi = st > 0 ? dim : dim - 1;
      return std::min(std::max(v, lo), hi);
    };
    int64_t b = clamp(starts[i], false), e = clamp(ends[i], true);
    int64_t n = st > 0 ? std::max<int64_t>(0, (e - b + st - 1) / st)
                       : std::max<int64_t>(0, (b - e - st - 1) / -st);
    begin[a] = b;
    step[a] = st;
    count[a] = n;
  }
  if (!isHost(0)) {
    if (llvm::any_of(step, [](int64_t st) { return st < 0; }))
      return nodeError() << "negative steps on a runtime tensor are not "
                            "supported";
    // An empty result (a start past the end, say) is a zero-size tensor,
    // which rapid does not represent (as for an --input-shape of 0).
    for (int64_t d = 0; d < rank; ++d)
      if (count[d] < 1)
        return nodeError() << "the result's dimension " << d << " (" << count[d]
                           << ") is not a positive integer: the slice is "
                              "empty, and rapid does not represent empty "
                              "tensors";
    FailureOr<Value> x = runtime(0);
    if (failed(x))
      return failure();
    if (ArrayRef<int64_t>(count) == shapeOf(*x)) {
      setResult(0, *x);
      return success();
    }
    setResult(0,
              builder.create<SliceOp>(loc, tensorType(count, elementOf(*x)), *x,
                                      builder.getDenseI64ArrayAttr(begin),
                                      builder.getDenseI64ArrayAttr(step)));
    return success();
  }
  FailureOr<HostTensor *> data = host(0, "data");
  if (failed(data))
    return failure();
  HostTensor r;
  r.isFloat = (*data)->isFloat;
  r.shape = count;
  SmallVector<int64_t> strides = stridesOf(shape);
  forEachIndex(count, [&](ArrayRef<int64_t> idx) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += (begin[d] + idx[d] * step[d]) * strides[d];
    r.pushFrom(**data, flat);
  });
  setHost(0, std::move(r));
  return success();
}

LogicalResult Importer::convertLSTM() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  Type element = elementOf(*x);
  FailureOr<Value> w = runtime(1, element);
  FailureOr<Value> r = runtime(2, element);
  if (failed(w) || failed(r))
    return failure();
  FailureOr<std::string> direction = attrString("direction", "forward");
  FailureOr<int64_t> hidden = attrInt("hidden_size", -1);
  FailureOr<int64_t> layout = attrInt("layout", 0);
  FailureOr<int64_t> inputForget = attrInt("input_forget", 0);
  if (failed(direction) || failed(hidden) || failed(layout) ||
      failed(inputForget))
    return failure();
  std::optional<LSTMDirection> dir = symbolizeLSTMDirection(*direction);
  if (!dir)
    return unsupportedValue("direction", *direction,
                            "forward, reverse or bidirectional");
  if (*layout != 0 && *layout != 1)
    return nodeError() << "attribute 'layout' must be 0 or 1, got " << *layout;
  // Batch-major (layout 1) tensors are transposed to and from the
  // sequence-major form rapid.lstm takes.
  bool batchMajor = *layout == 1;
  auto transpose = [&](Value v, ArrayRef<int64_t> perm) -> Value {
    shapes::ShapeResult s = shapes::transpose(shapeOf(v), perm);
    return builder.create<TransposeOp>(loc, tensorType(s.shape, elementOf(v)),
                                       v, builder.getDenseI64ArrayAttr(perm));
  };
  if (*inputForget != 0)
    return nodeError() << "input_forget = 1 is not supported";
  if (findAttr("clip"))
    return nodeError() << "attribute 'clip' is not supported";
  if (findAttr("activation_alpha") || findAttr("activation_beta"))
    return nodeError() << "activation parameters are not supported";
  if (const AttributeProto *acts = findAttr("activations")) {
    static const char *defaults[] = {"Sigmoid", "Tanh", "Tanh"};
    for (int i = 0; i < acts->strings_size(); ++i)
      if (acts->strings(i) != defaults[i % 3])
        return nodeError() << "activations other than Sigmoid, Tanh, Tanh "
                              "are not supported (got '"
                           << acts->strings(i) << "')";
  }
  if (hasInput(7))
    return nodeError() << "peephole weights (input P) are not supported";
  if (shapeOf(*x).size() != 3)
    return nodeError() << "X must be rank 3 (seq x batch x input, or batch x "
                          "seq x input with layout 1), got "
                       << shapes::format(shapeOf(*x));
  Value xSeq = batchMajor ? transpose(*x, {1, 0, 2}) : *x;
  ArrayRef<int64_t> xs = shapeOf(xSeq);
  if (hasInput(4)) {
    FailureOr<SmallVector<int64_t>> lens = hostInts(4, "sequence_lens");
    if (failed(lens))
      return failure();
    for (int64_t l : *lens)
      if (l != xs[0])
        return nodeError() << "sequence_lens must all equal the sequence "
                              "length "
                           << xs[0] << "; variable lengths are not supported";
  }
  int64_t h = *hidden;
  if (h < 0)
    h = shapeOf(*r).size() == 3 ? shapeOf(*r)[2] : -1;
  if (h < 1 || h > kMaxDim)
    return nodeError() << "hidden_size must be in [1, " << kMaxDim << "], got "
                       << h;
  int64_t d = *dir == LSTMDirection::bidirectional ? 2 : 1;
  Value bias, h0, c0;
  auto optional = [&](int i, Value &v) -> LogicalResult {
    if (!hasInput(i))
      return success();
    FailureOr<Value> val = runtime(i, element);
    if (failed(val))
      return failure();
    v = *val;
    return success();
  };
  if (failed(optional(3, bias)) || failed(optional(5, h0)) ||
      failed(optional(6, c0)))
    return failure();
  if (batchMajor) {
    for (Value *state : {&h0, &c0})
      if (*state) {
        if (shapeOf(*state).size() != 3)
          return nodeError() << "initial states must be rank 3, got "
                             << shapes::format(shapeOf(*state));
        *state = transpose(*state, {1, 0, 2});
      }
  }
  Type yType = tensorType({xs[0], d, xs[1], h}, element);
  Type stateType = tensorType({d, xs[1], h}, element);
  auto op = builder.create<LSTMOp>(
      loc, TypeRange{yType, stateType, stateType}, xSeq, *w, *r, bias, h0, c0,
      builder.getI64IntegerAttr(h), LSTMDirectionAttr::get(context, *dir));
  if (!batchMajor) {
    for (int i = 0; i < 3; ++i)
      setResult(i, op->getResult(i));
    return success();
  }
  // Y: SxDxBxH -> BxSxDxH; Y_h, Y_c: DxBxH -> BxDxH.
  setResult(0, transpose(op.getY(), {2, 0, 1, 3}));
  setResult(1, transpose(op.getYH(), {1, 0, 2}));
  setResult(2, transpose(op.getYC(), {1, 0, 2}));
  return success();
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

std::string rapid::supportedOnnxOps() {
  std::string out;
  for (const char *op : kSupportedOps)
    out += (out.empty() ? "" : ", ") + std::string(op);
  return out;
}

std::string rapid::parseInputShapeBinding(StringRef text,
                                          OnnxImportOptions &options) {
  auto [name, dims] = text.rsplit('=');
  if (name.empty() || dims.empty() || !text.contains('='))
    return "expected <input name>=<d0>x<d1>x..., got '" + text.str() + "'";
  SmallVector<StringRef> parts;
  dims.split(parts, 'x');
  SmallVector<int64_t> shape;
  for (StringRef p : parts) {
    int64_t v;
    if (p.getAsInteger(10, v) || v < 1)
      return "dimension '" + p.str() + "' in '" + text.str() +
             "' is not a positive integer";
    shape.push_back(v);
  }
  options.inputShapes[name] = shape;
  return {};
}

OwningOpRef<ModuleOp> rapid::importOnnxModel(StringRef bytes,
                                             StringRef bufferName,
                                             MLIRContext *context,
                                             const OnnxImportOptions &options) {
  context->loadDialect<RapidDialect, func::FuncDialect>();
  Importer importer(context, bufferName, options);
  return importer.run([&](onnx::ModelProto &model) {
    return !bytes.empty() && model.ParseFromArray(bytes.data(), bytes.size());
  });
}

OwningOpRef<ModuleOp> rapid::importOnnxFile(StringRef path,
                                            MLIRContext *context,
                                            const OnnxImportOptions &options) {
  // Parse straight from the file: the weights then exist once in memory
  // (the protobuf's strings, later moved into the module's resources).
  int fd = ::open(path.str().c_str(), O_RDONLY);
  if (fd < 0) {
    emitError(UnknownLoc::get(context))
        << "cannot read '" << path << "': " << std::strerror(errno);
    return nullptr;
  }
  context->loadDialect<RapidDialect, func::FuncDialect>();
  Importer importer(context, path, options);
  OwningOpRef<ModuleOp> module = importer.run([&](onnx::ModelProto &model) {
    google::protobuf::io::FileInputStream stream(fd);
    return model.ParseFromZeroCopyStream(&stream) && stream.GetErrno() == 0 &&
           stream.ByteCount() > 0;
  });
  ::close(fd);
  return module;
}
