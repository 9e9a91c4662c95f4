//===- RapidAttrs.cpp - Attributes of the rapid dialect -------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/Rapid/RapidDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace rapid;

#define GET_ATTRDEF_CLASSES
#include "rapid/Dialect/Rapid/RapidAttrs.cpp.inc"

void RapidDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "rapid/Dialect/Rapid/RapidAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Shared parsing helpers
//===----------------------------------------------------------------------===//

/// Parses a keyword naming an enumerator of E; `what` names the entity in the
/// error ("dimension", "dataflow", ...).
template <typename E>
static ParseResult parseVocabulary(AsmParser &parser, E &result,
                                   StringRef what) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef word;
  if (parser.parseKeyword(&word))
    return failure();
  std::optional<E> value = symbolize<E>(word);
  if (!value)
    return parser.emitError(loc) << "unknown " << what << " '" << word
                                 << "'; expected one of " << listSpellings<E>();
  result = *value;
  return success();
}

/// Parses `{dim = int, ...}` into a tuple whose unnamed entries are
/// `defaultValue`; with `requireAll` every dimension must be named.
static ParseResult parseDimTuple(AsmParser &parser, DimTuple &tuple,
                                 int64_t defaultValue, bool requireAll,
                                 StringRef name) {
  tuple.fill(defaultValue);
  std::array<bool, kNumDims> seen{};
  SMLoc loc = parser.getCurrentLocation();
  auto parseEntry = [&]() -> ParseResult {
    SMLoc entryLoc = parser.getCurrentLocation();
    Dim d;
    int64_t value;
    if (parseVocabulary(parser, d, "dimension") || parser.parseEqual() ||
        parser.parseInteger(value))
      return failure();
    unsigned i = static_cast<unsigned>(d);
    if (seen[i])
      return parser.emitError(entryLoc)
             << "dimension '" << stringify(d) << "' appears twice in " << name;
    seen[i] = true;
    tuple[i] = value;
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Braces, parseEntry))
    return failure();
  if (requireAll)
    for (unsigned i = 0; i < kNumDims; ++i)
      if (!seen[i])
        return parser.emitError(loc)
               << name << " must give every dimension; '"
               << stringify(static_cast<Dim>(i)) << "' is missing";
  return success();
}

/// Prints `{in = 1, out = 2, ...}`; with `skipValue`, entries equal to it are
/// left out.
static void printDimTuple(AsmPrinter &printer, ArrayRef<int64_t> tuple,
                          std::optional<int64_t> skipValue = std::nullopt) {
  printer << "{";
  bool first = true;
  for (unsigned i = 0; i < tuple.size(); ++i) {
    if (skipValue && tuple[i] == *skipValue)
      continue;
    printer << (first ? "" : ", ") << stringify(static_cast<Dim>(i)) << " = "
            << tuple[i];
    first = false;
  }
  printer << "}";
}

/// Parses `key =`.
static ParseResult parseKey(AsmParser &parser, StringRef key) {
  return failure(parser.parseKeyword(key) || parser.parseEqual());
}

static std::string dimTupleString(ArrayRef<int64_t> tuple) {
  std::string out = "{";
  for (unsigned i = 0; i < tuple.size(); ++i)
    out += (i ? ", " : "") + stringify(static_cast<Dim>(i)).str() + " = " +
           std::to_string(tuple[i]);
  return out + "}";
}

//===----------------------------------------------------------------------===//
// ActivationAttr
//===----------------------------------------------------------------------===//

unsigned ActivationAttr::getNumParams(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::clip:
  case ActivationKind::hard_sigmoid:
    return 2;
  case ActivationKind::leaky_relu:
    return 1;
  default:
    return 0;
  }
}

FailureOr<ActivationAttr> ActivationAttr::parseBody(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef word;
  if (parser.parseKeyword(&word))
    return failure();
  std::optional<ActivationKind> kind = symbolizeActivationKind(word);
  if (!kind)
    return parser.emitError(loc)
           << "unknown activation '" << word
           << "'; expected relu, clip, leaky_relu, sigmoid, hard_sigmoid or "
              "tanh";
  // Parameters are f32; hexadecimal literals give their bit patterns.
  llvm::APFloat params[2] = {llvm::APFloat(0.0f), llvm::APFloat(0.0f)};
  for (unsigned i = 0, e = getNumParams(*kind); i < e; ++i)
    if ((i && parser.parseComma()) ||
        parser.parseFloat(llvm::APFloat::IEEEsingle(), params[i]))
      return failure();
  return parser.getChecked<ActivationAttr>(loc, parser.getContext(), *kind,
                                           params[0], params[1]);
}

void ActivationAttr::printBody(AsmPrinter &printer) const {
  printer << stringifyActivationKind(getKind());
  unsigned n = getNumParams(getKind());
  if (n > 0) {
    printer << " ";
    printer.printFloat(getAlpha());
  }
  if (n > 1) {
    printer << ", ";
    printer.printFloat(getBeta());
  }
}

Attribute ActivationAttr::parse(AsmParser &parser, Type) {
  FailureOr<ActivationAttr> attr;
  if (parser.parseLess() || failed(attr = parseBody(parser)) ||
      parser.parseGreater())
    return {};
  return *attr;
}

void ActivationAttr::print(AsmPrinter &printer) const {
  printer << "<";
  printBody(printer);
  printer << ">";
}

LogicalResult
ActivationAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       ActivationKind kind, llvm::APFloat alpha,
                       llvm::APFloat beta) {
  if (!alpha.isFinite() || !beta.isFinite())
    return emitError() << "activation parameters must be finite";
  if (kind == ActivationKind::clip &&
      alpha.convertToDouble() > beta.convertToDouble())
    return emitError() << "clip activation needs min <= max, got ["
                       << alpha.convertToDouble() << ", "
                       << beta.convertToDouble() << "]";
  return success();
}

double ActivationAttr::apply(double x) const {
  double a = getAlpha().convertToDouble(), b = getBeta().convertToDouble();
  switch (getKind()) {
  case ActivationKind::relu:
    return x > 0.0 ? x : 0.0;
  case ActivationKind::clip:
    return std::min(std::max(x, a), b);
  case ActivationKind::leaky_relu:
    return x >= 0.0 ? x : a * x;
  case ActivationKind::sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case ActivationKind::hard_sigmoid:
    return std::max(0.0, std::min(1.0, a * x + b));
  case ActivationKind::tanh:
    return std::tanh(x);
  }
  llvm_unreachable("unknown activation");
}

//===----------------------------------------------------------------------===//
// SpatialAttr
//===----------------------------------------------------------------------===//

// #rapid.spatial<kind, chips = [X, Y], cores = C,
//                chip_split = {...}, core_split = {...}, spatial_minibatch = S,
//                hold_output, input_on_chip, preload_weights, lx_reserved = B,
//                pipeline_stage = K>
Attribute SpatialAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  Parallelism kind{};
  SmallVector<int64_t, 2> chips;
  int64_t cores = 0, spatialMinibatch = 1, lxReserved = 0, pipelineStage = -1;
  bool holdOutput = false, inputOnChip = false, preloadWeights = false;
  DimTuple chipSplit, coreSplit;
  chipSplit.fill(1);
  coreSplit.fill(1);
  if (parser.parseLess() || parseVocabulary(parser, kind, "parallelism") ||
      parser.parseComma() || parseKey(parser, "chips") ||
      parser.parseCommaSeparatedList(
          AsmParser::Delimiter::Square,
          [&]() { return parser.parseInteger(chips.emplace_back()); }) ||
      parser.parseComma() || parseKey(parser, "cores") ||
      parser.parseInteger(cores))
    return {};
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc at = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key))
      return {};
    auto integer = [&](int64_t &v) {
      return failed(parser.parseEqual()) || failed(parser.parseInteger(v));
    };
    bool failed = false;
    if (key == "chip_split")
      failed = parser.parseEqual() ||
               parseDimTuple(parser, chipSplit, 1, false, "chip_split");
    else if (key == "core_split")
      failed = parser.parseEqual() ||
               parseDimTuple(parser, coreSplit, 1, false, "core_split");
    else if (key == "spatial_minibatch")
      failed = integer(spatialMinibatch);
    else if (key == "lx_reserved")
      failed = integer(lxReserved);
    else if (key == "pipeline_stage")
      failed = integer(pipelineStage);
    else if (key == "hold_output")
      holdOutput = true;
    else if (key == "input_on_chip")
      inputOnChip = true;
    else if (key == "preload_weights")
      preloadWeights = true;
    else {
      parser.emitError(at) << "unknown #rapid.spatial clause '" << key
                           << "'; expected chip_split, core_split, "
                              "spatial_minibatch, hold_output, input_on_chip, "
                              "preload_weights, lx_reserved or pipeline_stage";
      return {};
    }
    if (failed)
      return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<SpatialAttr>(
      loc, parser.getContext(), kind, chips, cores,
      ArrayRef<int64_t>(chipSplit), ArrayRef<int64_t>(coreSplit),
      spatialMinibatch, holdOutput, inputOnChip, preloadWeights, lxReserved,
      pipelineStage);
}

void SpatialAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringify(getKind()) << ", chips = [";
  llvm::interleaveComma(getChips(), printer);
  printer << "], cores = " << getCores();
  auto isOne = [](int64_t v) { return v == 1; };
  if (!llvm::all_of(getChipSplit(), isOne) ||
      !llvm::all_of(getCoreSplit(), isOne)) {
    printer << ", chip_split = ";
    printDimTuple(printer, getChipSplit(), /*skipValue=*/1);
    printer << ", core_split = ";
    printDimTuple(printer, getCoreSplit(), /*skipValue=*/1);
  }
  if (getSpatialMinibatch() != 1)
    printer << ", spatial_minibatch = " << getSpatialMinibatch();
  if (getHoldOutput())
    printer << ", hold_output";
  if (getInputOnChip())
    printer << ", input_on_chip";
  if (getPreloadWeights())
    printer << ", preload_weights";
  if (getLxReserved() != 0)
    printer << ", lx_reserved = " << getLxReserved();
  if (getPipelineStage() >= 0)
    printer << ", pipeline_stage = " << getPipelineStage();
  printer << ">";
}

LogicalResult SpatialAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  Parallelism kind, ArrayRef<int64_t> chips,
                                  int64_t cores, ArrayRef<int64_t> chipSplit,
                                  ArrayRef<int64_t> coreSplit,
                                  int64_t spatialMinibatch, bool, bool, bool,
                                  int64_t lxReserved, int64_t pipelineStage) {
  if (chips.size() != 2 || chips[0] < 1 || chips[1] < 1)
    return emitError() << "chips must be the torus size [X, Y] with X, Y >= 1";
  if (spatialMinibatch < 1)
    return emitError() << "spatial_minibatch must be >= 1, got "
                       << spatialMinibatch;
  if (lxReserved < 0)
    return emitError() << "lx_reserved must be >= 0, got " << lxReserved;
  if (pipelineStage < -1)
    return emitError() << "pipeline_stage must be >= 0, got " << pipelineStage;
  if (cores < 1)
    return emitError() << "cores must be >= 1, got " << cores;
  assert(chipSplit.size() == kNumDims && coreSplit.size() == kNumDims &&
         "one split per dimension");
  for (unsigned i = 0; i < kNumDims; ++i)
    if (chipSplit[i] < 1 || coreSplit[i] < 1)
      return emitError() << "split of dimension '"
                         << stringify(static_cast<Dim>(i)) << "' must be >= 1";
  int64_t coreProduct = 1, chipProduct = 1, chipModel = 1;
  for (unsigned i = 0; i < kNumDims; ++i) {
    coreProduct *= coreSplit[i];
    chipProduct *= chipSplit[i];
    if (static_cast<Dim>(i) != Dim::Mb)
      chipModel *= chipSplit[i];
  }
  if (coreProduct > cores)
    return emitError() << "core_split uses " << coreProduct
                       << " cores but a chip has " << cores;
  int64_t x = chips[0], y = chips[1];
  if (chipProduct > x * y)
    return emitError() << "chip_split uses " << chipProduct
                       << " chips but the torus has " << x * y;
  int64_t chipData = chipSplit[static_cast<unsigned>(Dim::Mb)];
  switch (kind) {
  case Parallelism::Data:
    if (chipModel != 1)
      return emitError() << "data parallelism splits only 'mb' across chips";
    break;
  case Parallelism::Model:
    if (chipData != 1)
      return emitError()
             << "model parallelism does not split 'mb' across chips";
    break;
  case Parallelism::DataXModelY:
    if (chipData > x || chipModel > y)
      return emitError() << "data_x_model_y splits 'mb' along X (at most " << x
                         << ") and the other dimensions along Y (at most " << y
                         << "), got mb = " << chipData << " and " << chipModel;
    break;
  case Parallelism::ModelXDataY:
    if (chipModel > x || chipData > y)
      return emitError()
             << "model_x_data_y splits the model dimensions along X (at most "
             << x << ") and 'mb' along Y (at most " << y << "), got "
             << chipModel << " and mb = " << chipData;
    break;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MappingAttr
//===----------------------------------------------------------------------===//

ArrayRef<int64_t> MappingAttr::getTile(StringRef level) const {
  return llvm::StringSwitch<ArrayRef<int64_t>>(level)
      .Case("N", getN())
      .Case("B", getB())
      .Case("T", getT())
      .Case("P", getP())
      .Default({});
}

// #rapid.mapping<dataflow, N = {...}, B = {...}, T = {...}, P = {...},
//   order = {B = [...], T = [...], P = [...]},
//   transfers = {inp = lx at B.ij, ker = ..., out = ...},
//   precision = {inp = fp16, ker = fp16, acc = fp32, chunk = 0}>
Attribute MappingAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  Dataflow dataflow{};
  DimTuple n, b, t, p;
  if (parser.parseLess() || parseVocabulary(parser, dataflow, "dataflow") ||
      parser.parseComma() || parseKey(parser, "N") ||
      parseDimTuple(parser, n, 1, /*requireAll=*/true, "N") ||
      parser.parseComma() || parseKey(parser, "B") ||
      parseDimTuple(parser, b, 1, false, "B") || parser.parseComma() ||
      parseKey(parser, "T") || parseDimTuple(parser, t, 1, false, "T") ||
      parser.parseComma() || parseKey(parser, "P") ||
      parseDimTuple(parser, p, 1, false, "P") || parser.parseComma() ||
      parseKey(parser, "order") || parser.parseLBrace())
    return {};

  // Loop order: one list of dimensions per stage, stages in B, T, P order.
  SmallVector<int64_t, 15> order;
  for (unsigned s = 0; s < kNumLoopStages; ++s) {
    LoopStage stage = static_cast<LoopStage>(s);
    SmallVector<int64_t, kNumDims> dims;
    if ((s && parser.parseComma()) || parseKey(parser, stringify(stage)) ||
        parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
          Dim d;
          if (parseVocabulary(parser, d, "dimension"))
            return failure();
          dims.push_back(static_cast<int64_t>(d));
          return success();
        }))
      return {};
    // A list of the wrong length is marked invalid (-1) for the verifier,
    // which names the stage.
    if (dims.size() != kNumDims)
      dims.assign(kNumDims, -1);
    order.append(dims);
  }
  if (parser.parseRBrace() || parser.parseComma() ||
      parseKey(parser, "transfers") || parser.parseLBrace())
    return {};

  // Transfers: `ds = level at stage.dim` for inp, ker, out in that order.
  SmallVector<int64_t, 9> transfers;
  for (unsigned i = 0; i < kNumDataStructures; ++i) {
    DataStructure ds = static_cast<DataStructure>(i);
    MemLevel level{};
    SMLoc where;
    StringRef locWord;
    if ((i && parser.parseComma()) || parseKey(parser, stringify(ds)) ||
        parseVocabulary(parser, level, "memory level") ||
        parser.parseKeyword("at") ||
        (where = parser.getCurrentLocation(), parser.parseKeyword(&locWord)))
      return {};
    auto [stageText, dimText] = locWord.split('.');
    std::optional<LoopStage> stage = symbolize<LoopStage>(stageText);
    std::optional<Dim> dim = symbolize<Dim>(dimText);
    if (!stage || !dim) {
      parser.emitError(where)
          << "transfer location '" << locWord
          << "' must be <stage>.<dimension> with stage one of "
          << listSpellings<LoopStage>() << " and dimension one of "
          << listSpellings<Dim>();
      return {};
    }
    transfers.append({static_cast<int64_t>(level), static_cast<int64_t>(*stage),
                      static_cast<int64_t>(*dim)});
  }

  Precision inp, ker, acc;
  int64_t chunk;
  if (parser.parseRBrace() || parser.parseComma() ||
      parseKey(parser, "precision") || parser.parseLBrace() ||
      parseKey(parser, "inp") || parseVocabulary(parser, inp, "precision") ||
      parser.parseComma() || parseKey(parser, "ker") ||
      parseVocabulary(parser, ker, "precision") || parser.parseComma() ||
      parseKey(parser, "acc") || parseVocabulary(parser, acc, "precision") ||
      parser.parseComma() || parseKey(parser, "chunk") ||
      parser.parseInteger(chunk) || parser.parseRBrace() ||
      parser.parseGreater())
    return {};
  int64_t precisions[] = {static_cast<int64_t>(inp), static_cast<int64_t>(ker),
                          static_cast<int64_t>(acc)};
  return parser.getChecked<MappingAttr>(
      loc, parser.getContext(), dataflow, ArrayRef<int64_t>(n),
      ArrayRef<int64_t>(b), ArrayRef<int64_t>(t), ArrayRef<int64_t>(p),
      ArrayRef<int64_t>(order), transfers, ArrayRef<int64_t>(precisions),
      chunk);
}

void MappingAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringify(getDataflow());
  for (StringRef level : {"N", "B", "T", "P"}) {
    printer << ", " << level << " = ";
    printDimTuple(printer, getTile(level));
  }
  printer << ", order = {";
  for (unsigned s = 0; s < kNumLoopStages; ++s) {
    LoopStage stage = static_cast<LoopStage>(s);
    printer << (s ? ", " : "") << stringify(stage) << " = [";
    for (unsigned i = 0; i < kNumDims; ++i)
      printer << (i ? ", " : "") << stringify(getLoopDim(stage, i));
    printer << "]";
  }
  printer << "}, transfers = {";
  for (unsigned i = 0; i < kNumDataStructures; ++i) {
    DataStructure ds = static_cast<DataStructure>(i);
    printer << (i ? ", " : "") << stringify(ds) << " = "
            << stringify(getTransferLevel(ds)) << " at "
            << stringify(getTransferStage(ds)) << "."
            << stringify(getTransferDim(ds));
  }
  printer << "}, precision = {inp = " << stringify(getInputPrecision())
          << ", ker = " << stringify(getKernelPrecision())
          << ", acc = " << stringify(getAccumulatePrecision())
          << ", chunk = " << getChunk() << "}>";
}

LogicalResult MappingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  Dataflow, ArrayRef<int64_t> n,
                                  ArrayRef<int64_t> b, ArrayRef<int64_t> t,
                                  ArrayRef<int64_t> p, ArrayRef<int64_t> order,
                                  ArrayRef<int64_t> transfers,
                                  ArrayRef<int64_t> precisions, int64_t chunk) {
  // Tiles nest: P <= T <= B <= N, each >= 1.
  struct Level {
    const char *name;
    ArrayRef<int64_t> tile;
  } levels[] = {{"N", n}, {"B", b}, {"T", t}, {"P", p}};
  for (const Level &level : levels) {
    assert(level.tile.size() == kNumDims && "one value per dimension");
    for (unsigned i = 0; i < kNumDims; ++i)
      if (level.tile[i] < 1)
        return emitError() << level.name << " of dimension '"
                           << stringify(static_cast<Dim>(i))
                           << "' must be >= 1, got " << level.tile[i];
  }
  for (unsigned l = 1; l < 4; ++l)
    for (unsigned i = 0; i < kNumDims; ++i)
      if (levels[l].tile[i] > levels[l - 1].tile[i])
        return emitError() << levels[l].name << " tile of dimension '"
                           << stringify(static_cast<Dim>(i)) << "' ("
                           << levels[l].tile[i] << ") exceeds "
                           << levels[l - 1].name << " ("
                           << levels[l - 1].tile[i] << ")";

  // Each stage's loop order is a permutation of the dimensions.
  assert(order.size() == kNumLoopStages * kNumDims && "5 dims x 3 stages");
  for (unsigned s = 0; s < kNumLoopStages; ++s) {
    std::array<bool, kNumDims> seen{};
    for (unsigned i = 0; i < kNumDims; ++i) {
      int64_t d = order[s * kNumDims + i];
      if (d < 0 || d >= kNumDims || seen[d])
        return emitError() << "loop order of stage "
                           << stringify(static_cast<LoopStage>(s))
                           << " must list each of in, out, ij, mb, kij once";
      seen[d] = true;
    }
  }

  // The structure of the arrays is guaranteed by the parser and the C++
  // builders; only choices a user can get wrong are diagnosed.
  assert(transfers.size() == 3 * kNumDataStructures &&
         "level, stage, dim per data structure");
  for (unsigned i = 0; i < kNumDataStructures; ++i) {
    if (static_cast<MemLevel>(transfers[3 * i]) == MemLevel::Ext)
      return emitError() << "transfer of '"
                         << stringify(static_cast<DataStructure>(i))
                         << "' must stage into an on-chip level (lx, l0 or "
                            "reg), not ext";
  }

  assert(precisions.size() == 3 && "inp, ker, acc");
  auto inp = static_cast<Precision>(precisions[0]);
  auto ker = static_cast<Precision>(precisions[1]);
  auto acc = static_cast<Precision>(precisions[2]);
  if (storageBits(acc) < std::max(storageBits(inp), storageBits(ker)))
    return emitError() << "accumulation precision " << stringify(acc)
                       << " is narrower than the operands (inp "
                       << stringify(inp) << ", ker " << stringify(ker) << ")";
  if (chunk < 0)
    return emitError() << "chunk length must be >= 0 (0: no chunking), got "
                       << chunk;
  return success();
}

//===----------------------------------------------------------------------===//
// Mapping attributes on ops
//===----------------------------------------------------------------------===//

// The attribute kinds are checked here, when the op is entered; whether the
// splits and N fit the op's workload is checked by the op's own verifier
// (verifyLayerMapping), after its shapes are known to be valid.
StringRef RapidDialect::mappingAttrName(Kernel kernel) {
  switch (kernel) {
  case Kernel::FWD:
    return kMappingAttrName;
  case Kernel::BWD:
    return kMappingBwdAttrName;
  case Kernel::UPD:
    return kMappingUpdAttrName;
  }
  llvm_unreachable("kernel");
}

LogicalResult RapidDialect::verifyOperationAttribute(Operation *op,
                                                     NamedAttribute attr) {
  StringRef name = attr.getName().strref();
  if (name == kBiScaledWeightsAttrName) {
    auto weights = [&]() -> QuantType {
      if (!isa<Conv2DOp, MatMulOp, GemmOp>(op) || op->getNumOperands() < 2)
        return {};
      return dyn_cast<QuantType>(
          cast<ShapedType>(op->getOperand(1).getType()).getElementType());
    }();
    if (!isa<UnitAttr>(attr.getValue()) || !weights ||
        weights.getStorage().getWidth() != 8 || weights.getZeroPoint() != 0)
      return op->emitOpError()
             << "'" << name
             << "' is a unit attribute of a conv2d, matmul or gemm whose "
                "weights are int8-typed quantized values without a zero point";
    return success();
  }
  bool isMapping = name == kMappingAttrName || name == kMappingBwdAttrName ||
                   name == kMappingUpdAttrName;
  if (name != kSpatialAttrName && !isMapping)
    return op->emitOpError()
           << "has unknown rapid attribute '" << name << "'; expected '"
           << kSpatialAttrName << "', '" << kMappingAttrName << "', '"
           << kMappingBwdAttrName << "', '" << kMappingUpdAttrName << "' or '"
           << kBiScaledWeightsAttrName << "'";
  if (!isa<Conv2DOp, ConvTranspose2DOp, MatMulOp, GemmOp, LSTMOp, LSTMCellOp>(
          op))
    return op->emitOpError()
           << "cannot carry '" << name
           << "': only layer ops (conv2d, conv_transpose2d, matmul, gemm, "
              "lstm, lstm_cell) "
              "are mapped";
  if (name == kSpatialAttrName && !isa<SpatialAttr>(attr.getValue()))
    return op->emitOpError()
           << "'" << name << "' must be a #rapid.spatial attribute";
  if (isMapping && !isa<MappingAttr>(attr.getValue()))
    return op->emitOpError()
           << "'" << name << "' must be a #rapid.mapping attribute";
  return success();
}

LogicalResult rapid::verifyLayerMapping(Operation *op) {
  std::optional<LayerShape> layer = getLayerShape(op);
  if (!layer)
    return success();
  DimTuple workload = makeWorkload(*layer, Kernel::FWD).dims;
  auto spatial = op->getAttrOfType<SpatialAttr>(RapidDialect::kSpatialAttrName);
  DimTuple split;
  split.fill(1);
  if (spatial)
    split = spatial.getWorkSplit();
  for (unsigned i = 0; i < kNumDims; ++i)
    if (split[i] > workload[i])
      return op->emitOpError()
             << "splits dimension '" << stringify(static_cast<Dim>(i)) << "' "
             << split[i] << " ways but the layer has only " << workload[i];
  // N is the per-core share of the kernel's workload after the spatial
  // split.
  for (Kernel kernel : {Kernel::FWD, Kernel::BWD, Kernel::UPD}) {
    StringRef name = RapidDialect::mappingAttrName(kernel);
    auto mapping = op->getAttrOfType<MappingAttr>(name);
    if (!mapping)
      continue;
    DimTuple expected =
        splitWorkload(makeWorkload(*layer, kernel), kernelSplit(kernel, split))
            .dims;
    if (!llvm::equal(mapping.getN(), expected))
      return op->emitOpError()
             << "'" << name << "' N = " << dimTupleString(mapping.getN())
             << " does not match the per-core " << stringify(kernel)
             << " workload " << dimTupleString(expected);
  }
  return success();
}
