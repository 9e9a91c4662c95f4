//===- RapidISADialect.cpp - The rapid_isa dialect ------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The instruction ops share one parser, printer and verifier driven by the
// ISA table (rapid::isa::instructionSet), so a field exists, prints and is
// range-checked in exactly one place.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/RapidISA/RapidISADialect.h"
#include "rapid/Support/Vocabulary.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace rapid;
using namespace rapid::isa;

#include "rapid/Dialect/RapidISA/RapidISADialect.cpp.inc"

void RapidISADialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "rapid/Dialect/RapidISA/RapidISAOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Instruction ops
//===----------------------------------------------------------------------===//

static const InstructionSpec &specOf(Opcode opcode) { return *lookup(opcode); }

/// Whether `text` prints as a bare MLIR keyword (else it is quoted).
static bool isBareKeyword(StringRef text) {
  return !text.empty() && (llvm::isAlpha(text[0]) || text[0] == '_') &&
         llvm::all_of(text, [](char c) {
           return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$';
         });
}

ParseResult rapid::isa::parseInstructionOp(OpAsmParser &parser,
                                           OperationState &result,
                                           Opcode opcode) {
  const InstructionSpec &spec = specOf(opcode);
  SmallVector<int64_t, kMaxFields> values(spec.fields.size(), 0);
  SmallVector<bool, kMaxFields> seen(spec.fields.size(), false);
  for (size_t n = 0; n < spec.fields.size(); ++n) {
    if (n && parser.parseComma())
      return failure();
    SMLoc nameLoc = parser.getCurrentLocation();
    StringRef name;
    if (parser.parseKeyword(&name) || parser.parseEqual())
      return failure();
    int i = spec.fieldIndex(name);
    if (i < 0)
      return parser.emitError(nameLoc)
             << "'" << spec.mnemonic << "' has no field '" << name << "'";
    if (seen[i])
      return parser.emitError(nameLoc) << "field '" << name << "' given twice";
    seen[i] = true;
    SMLoc valueLoc = parser.getCurrentLocation();
    // seti's immediate may name a region: imm=@x[64].
    if (opcode == Opcode::SetI && name == "imm") {
      StringAttr symbol;
      if (succeeded(parser.parseOptionalSymbolName(symbol))) {
        int64_t offset = 0;
        if (succeeded(parser.parseOptionalLSquare()) &&
            (parser.parseInteger(offset) || parser.parseRSquare()))
          return failure();
        result.addAttribute("region", FlatSymbolRefAttr::get(symbol));
        values[i] = offset;
        continue;
      }
    }
    std::string text;
    int64_t number;
    OptionalParseResult integer = parser.parseOptionalInteger(number);
    if (integer.has_value()) {
      if (failed(*integer))
        return failure();
      text = std::to_string(number);
    } else if (failed(parser.parseOptionalKeywordOrString(&text))) {
      return parser.emitError(valueLoc)
             << "expected a value for field '" << name << "'";
    }
    std::string why = parseFieldValue(spec.fields[i], text, values[i]);
    if (!why.empty())
      return parser.emitError(valueLoc)
             << "'" << spec.mnemonic << "' field '" << name << "': " << why;
  }
  for (size_t i = 0; i < spec.fields.size(); ++i)
    if (!seen[i])
      return parser.emitError(parser.getCurrentLocation())
             << "'" << spec.mnemonic << "' is missing field '"
             << spec.fields[i].name << "'";
  result.addAttribute("fields",
                      parser.getBuilder().getDenseI64ArrayAttr(values));
  return parser.parseOptionalAttrDict(result.attributes);
}

void rapid::isa::printInstructionOp(OpAsmPrinter &p, Operation *op,
                                    Opcode opcode) {
  const InstructionSpec &spec = specOf(opcode);
  ArrayRef<int64_t> values =
      op->getAttrOfType<DenseI64ArrayAttr>("fields").asArrayRef();
  auto region = op->getAttrOfType<FlatSymbolRefAttr>("region");
  for (size_t i = 0; i < spec.fields.size() && i < values.size(); ++i) {
    p << (i ? ", " : " ") << spec.fields[i].name << "=";
    if (region && StringRef(spec.fields[i].name) == "imm") {
      p << region;
      if (values[i])
        p << "[" << values[i] << "]";
      continue;
    }
    std::string text = formatFieldValue(spec.fields[i], values[i]);
    if (spec.fields[i].kind == FieldKind::UImm ||
        spec.fields[i].kind == FieldKind::SImm || isBareKeyword(text))
      p << text;
    else
      p << "\"" << text << "\"";
  }
  p.printOptionalAttrDict(op->getAttrs(), {"fields", "region"});
}

/// The core an instruction op belongs to, if any.
static CoreOp parentCore(Operation *op) {
  return op->getParentOfType<CoreOp>();
}

LogicalResult rapid::isa::verifyInstructionOp(Operation *op, Opcode opcode) {
  const InstructionSpec &spec = specOf(opcode);
  ArrayRef<int64_t> values =
      op->getAttrOfType<DenseI64ArrayAttr>("fields").asArrayRef();
  if (values.size() != spec.fields.size())
    return op->emitOpError()
           << "has " << values.size() << " field values; '" << spec.mnemonic
           << "' has " << spec.fields.size() << " fields";
  bool relative = bool(op->getAttr("region"));
  for (size_t i = 0; i < values.size(); ++i) {
    // A region-relative immediate is checked once resolved (toModelBinary).
    if (relative && StringRef(spec.fields[i].name) == "imm")
      continue;
    std::string why = checkField(spec.fields[i], values[i]);
    if (!why.empty())
      return op->emitOpError()
             << "field '" << spec.fields[i].name << "': " << why;
  }
  if (!llvm::isa<CoreOp, LoopOp>(op->getParentOp()))
    return op->emitOpError() << "must be in a rapid_isa.core or "
                                "rapid_isa.loop";
  CoreOp core = parentCore(op);
  auto countOf = [&](auto tag) {
    using DescOp = decltype(tag);
    int64_t n = 0;
    for (Operation &o : core.getBody().front())
      n += llvm::isa<DescOp>(o);
    return n;
  };
  if (opcode == Opcode::Dma) {
    int64_t desc = values[spec.fieldIndex("desc")];
    int64_t n = countOf(DmaDescOp());
    if (desc >= n)
      return op->emitOpError() << "uses dma descriptor " << desc << " but core "
                               << core.getCore() << " has " << n;
  }
  if (opcode == Opcode::Mac) {
    int64_t tile = values[spec.fieldIndex("tile")];
    int64_t n = countOf(TileDescOp());
    if (tile >= n)
      return op->emitOpError()
             << "uses tile descriptor " << tile << " but core "
             << core.getCore() << " has " << n;
  }
  if (auto region = op->getAttrOfType<FlatSymbolRefAttr>("region")) {
    auto program = op->getParentOfType<ProgramOp>();
    auto target =
        program ? SymbolTable::lookupSymbolIn(program, region) : nullptr;
    auto memory = dyn_cast_or_null<RegionOp>(target);
    if (!memory)
      return op->emitOpError() << "names " << region
                               << ", which is not a rapid_isa.region of the "
                                  "program";
    int64_t offset = values[spec.fieldIndex("imm")];
    if (offset < 0 || offset > int64_t(memory.getSize()))
      return op->emitOpError()
             << "offset " << offset << " lies outside region " << region << " ("
             << memory.getSize() << " bytes)";
  }
  return success();
}

int64_t rapid::isa::instructionField(Operation *op, Opcode opcode,
                                     StringRef name) {
  int i = specOf(opcode).fieldIndex(name);
  assert(i >= 0 && "no such field");
  return op->getAttrOfType<DenseI64ArrayAttr>("fields")[i];
}

Instruction rapid::isa::instructionOf(Operation *op) {
  Instruction inst;
  const InstructionSpec *spec = lookup(op->getName().stripDialect());
  assert(spec && "not an instruction op");
  inst.opcode = spec->opcode;
  ArrayRef<int64_t> values =
      op->getAttrOfType<DenseI64ArrayAttr>("fields").asArrayRef();
  for (size_t i = 0; i < values.size() && i < kMaxFields; ++i)
    inst.fields[i] = values[i];
  return inst;
}

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

/// Instructions `block` encodes to, loops with their bodies.
static int64_t encodedLength(Block &block) {
  int64_t n = 0;
  for (Operation &op : block) {
    if (auto loop = dyn_cast<LoopOp>(op))
      n += 1 + encodedLength(loop.getBody().front());
    else if (!llvm::isa<MarkOp>(op))
      ++n;
  }
  return n;
}

/// Ops a core's instruction stream or a loop body may hold.
static LogicalResult verifyInstructionStream(Operation *parent, Block &block,
                                             bool allowDescriptors) {
  bool instructions = false;
  for (Operation &op : block) {
    bool desc = llvm::isa<DmaDescOp, TileDescOp>(op);
    if (desc && (!allowDescriptors || instructions))
      return op.emitOpError() << "must precede the core's instructions";
    if (!desc && !llvm::isa<LoopOp, MarkOp>(op) &&
        !lookup(op.getName().stripDialect()))
      return op.emitOpError()
             << "is not an instruction; a " << parent->getName()
             << " holds only instructions and loops";
    instructions |= !desc;
  }
  return success();
}

LogicalResult LoopOp::verifyRegions() {
  const InstructionSpec &spec = specOf(Opcode::Loop);
  const FieldSpec &count = spec.fields[spec.fieldIndex("count")];
  const FieldSpec &body = spec.fields[spec.fieldIndex("body")];
  if (std::string why = checkField(count, getCount()); !why.empty())
    return emitOpError() << "count: " << why;
  if (int64_t(getCount()) < 1)
    return emitOpError() << "count must be at least 1";
  Block &block = getBody().front();
  if (block.empty())
    return emitOpError() << "has an empty body";
  if (std::string why = checkField(body, encodedLength(block)); !why.empty())
    return emitOpError() << "body of " << encodedLength(block)
                         << " instructions: " << why;
  unsigned depth = 1;
  for (Operation *p = (*this)->getParentOp(); p && llvm::isa<LoopOp>(p);
       p = p->getParentOp())
    ++depth;
  if (depth > kMaxLoopDepth)
    return emitOpError() << "nests " << depth << " deep; the hardware allows "
                         << kMaxLoopDepth;
  if (!llvm::isa<CoreOp, LoopOp>((*this)->getParentOp()))
    return emitOpError() << "must be in a rapid_isa.core or rapid_isa.loop";
  return verifyInstructionStream(*this, block, /*allowDescriptors=*/false);
}

//===----------------------------------------------------------------------===//
// Cores and descriptors
//===----------------------------------------------------------------------===//

LogicalResult CoreOp::verifyRegions() {
  Block &block = getBody().front();
  if (failed(verifyInstructionStream(*this, block, /*allowDescriptors=*/true)))
    return failure();
  int64_t dma = 0, tiles = 0;
  for (Operation &op : block) {
    if (auto d = dyn_cast<DmaDescOp>(op)) {
      if (int64_t(d.getIndex()) != dma)
        return d.emitOpError() << "has index " << d.getIndex()
                               << "; descriptors are numbered in order, "
                                  "expected "
                               << dma;
      ++dma;
    }
    if (auto t = dyn_cast<TileDescOp>(op)) {
      if (int64_t(t.getIndex()) != tiles)
        return t.emitOpError() << "has index " << t.getIndex()
                               << "; descriptors are numbered in order, "
                                  "expected "
                               << tiles;
      ++tiles;
    }
  }
  if (block.empty() || !llvm::isa<HaltOp>(block.back()))
    return emitOpError() << "core " << getCore()
                         << ": the program must end with rapid_isa.halt";
  auto program = (*this)->getParentOfType<ProgramOp>();
  int64_t cores = program.getChips()[0] * program.getChips()[1] *
                  int64_t(program.getCores());
  if (int64_t(getCore()) < 0 || int64_t(getCore()) >= cores)
    return emitOpError() << "core " << getCore() << " but the system has "
                         << cores << " cores";
  return success();
}

ParseResult DmaDescOp::parse(OpAsmParser &parser, OperationState &result) {
  int64_t index, bits;
  SmallVector<int64_t> dims;
  if (parser.parseInteger(index) || parser.parseKeyword("bits") ||
      parser.parseEqual() || parser.parseInteger(bits) ||
      parser.parseKeyword("dims") || parser.parseEqual())
    return failure();
  auto parseDim = [&]() -> ParseResult {
    int64_t count, src, dst;
    if (parser.parseLSquare() || parser.parseInteger(count) ||
        parser.parseComma() || parser.parseInteger(src) ||
        parser.parseComma() || parser.parseInteger(dst) ||
        parser.parseRSquare())
      return failure();
    dims.append({count, src, dst});
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseDim))
    return failure();
  Builder &b = parser.getBuilder();
  result.addAttribute("index", b.getI64IntegerAttr(index));
  result.addAttribute("bits", b.getI64IntegerAttr(bits));
  result.addAttribute("dims", b.getDenseI64ArrayAttr(dims));
  return parser.parseOptionalAttrDict(result.attributes);
}

void DmaDescOp::print(OpAsmPrinter &p) {
  p << " " << getIndex() << " bits = " << getBits() << " dims = [";
  ArrayRef<int64_t> d = getDims();
  for (size_t i = 0; i + 2 < d.size(); i += 3)
    p << (i ? ", " : "") << "[" << d[i] << ", " << d[i + 1] << ", " << d[i + 2]
      << "]";
  p << "]";
  p.printOptionalAttrDict((*this)->getAttrs(), {"index", "bits", "dims"});
}

/// The in-memory descriptor of a dma_desc op.
static DmaDescriptor descriptorOf(DmaDescOp op) {
  DmaDescriptor d;
  d.elementBits = unsigned(op.getBits());
  ArrayRef<int64_t> v = op.getDims();
  for (size_t i = 0; i + 2 < v.size(); i += 3)
    d.dims.push_back({uint32_t(v[i]), v[i + 1], v[i + 2]});
  return d;
}

LogicalResult DmaDescOp::verify() {
  if (getDims().size() % 3)
    return emitOpError() << "dims must hold [count, src, dst] triples";
  if (getBits() > 32 || getDims().empty() || getDims().size() / 3 > kMaxDmaRank)
    return emitOpError() << "needs 1 to " << kMaxDmaRank
                         << " dimensions and an element width of 1, 2, 4, "
                            "8, 16 or 32 bits";
  for (size_t i = 0; i < getDims().size(); i += 3)
    if (getDims()[i] < 1 || getDims()[i] > UINT32_MAX)
      return emitOpError() << "dimension " << i / 3 << " has count "
                           << getDims()[i] << "; expected 1 to 2^32-1";
  // The binary writer's own checks (element width, strides' ranges).
  ModelBinary m;
  CoreProgram c;
  c.dma.push_back(descriptorOf(*this));
  c.code.push_back(Instruction{Opcode::Halt, {}});
  m.cores.push_back(c);
  if (std::string why = checkModelBinary(m); !why.empty())
    return emitOpError() << why;
  return success();
}

LogicalResult TileDescOp::verify() {
  for (auto [name, v] : {std::pair<StringRef, ArrayRef<int64_t>>{"p", getP()},
                         {"inp", getInp()},
                         {"ker", getKer()},
                         {"out", getOut()}})
    if (v.size() != kTileDims)
      return emitOpError() << "'" << name << "' needs " << kTileDims
                           << " values, one per dimension {in, out, oy, ox, "
                              "mb, ky, kx}; got "
                           << v.size();
  for (int64_t p : getP())
    if (p < 1 || p > UINT32_MAX)
      return emitOpError() << "tile extents must be 1 to 2^32-1; got " << p;
  for (ArrayRef<int64_t> v : {getInp(), getKer(), getOut()})
    for (int64_t s : v)
      if (s < INT32_MIN || s > INT32_MAX)
        return emitOpError() << "stride " << s << " does not fit 32 bits";
  return success();
}

//===----------------------------------------------------------------------===//
// Program, regions, tensors, constants
//===----------------------------------------------------------------------===//

ParseResult ProgramOp::parse(OpAsmParser &parser, OperationState &result) {
  std::string arch;
  uint64_t fingerprint;
  int64_t cores;
  SmallVector<int64_t> chips, capacity;
  auto list = [&](SmallVector<int64_t> &out) {
    return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
      return parser.parseInteger(out.emplace_back());
    });
  };
  if (parser.parseKeyword("arch") || parser.parseEqual() ||
      parser.parseString(&arch) || parser.parseKeyword("fingerprint") ||
      parser.parseEqual() || parser.parseInteger(fingerprint) ||
      parser.parseKeyword("chips") || parser.parseEqual() || list(chips) ||
      parser.parseKeyword("cores") || parser.parseEqual() ||
      parser.parseInteger(cores) || parser.parseKeyword("capacity") ||
      parser.parseEqual() || list(capacity) ||
      parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();
  Builder &b = parser.getBuilder();
  result.addAttribute("arch", b.getStringAttr(arch));
  result.addAttribute("fingerprint", b.getI64IntegerAttr(int64_t(fingerprint)));
  result.addAttribute("chips", b.getDenseI64ArrayAttr(chips));
  result.addAttribute("cores", b.getI64IntegerAttr(cores));
  result.addAttribute("capacity", b.getDenseI64ArrayAttr(capacity));
  Region *body = result.addRegion();
  if (parser.parseRegion(*body))
    return failure();
  if (body->empty())
    body->emplaceBlock();
  return success();
}

void ProgramOp::print(OpAsmPrinter &p) {
  p << " arch = ";
  p.printString(getArch());
  p << " fingerprint = " << llvm::format_hex(uint64_t(getFingerprint()), 18)
    << " chips = [" << getChips()[0] << ", " << getChips()[1]
    << "] cores = " << getCores() << " capacity = [";
  llvm::interleaveComma(getCapacity(), p);
  p << "]";
  p.printOptionalAttrDictWithKeyword(
      (*this)->getAttrs(),
      {"arch", "fingerprint", "chips", "cores", "capacity"});
  p << " ";
  p.printRegion(getBody(), /*printEntryBlockArgs=*/false,
                /*printBlockTerminators=*/false);
}

LogicalResult LayerOp::verify() {
  if (getCycles().size() != kCycleTerms)
    return emitOpError() << "needs " << kCycleTerms
                         << " cycle terms (mac, under-use, bubble, visible, "
                            "non-overlapped, aux), got "
                         << getCycles().size();
  for (double c : getCycles())
    if (!std::isfinite(c) || c < 0)
      return emitOpError() << "cycles must be finite and non-negative";
  if (int64_t(getMacs()) < 0)
    return emitOpError() << "macs must be non-negative";
  return success();
}

LogicalResult MarkOp::verify() {
  auto program = (*this)->getParentOfType<ProgramOp>();
  int64_t layers = 0;
  if (program)
    for (Operation &op : program.getBody().front())
      layers += llvm::isa<LayerOp>(op);
  if (int64_t(getLayer()) < 0 || int64_t(getLayer()) >= layers)
    return emitOpError() << "names layer " << int64_t(getLayer())
                         << " but the program has " << layers << " layers";
  return success();
}

LogicalResult ProgramOp::verifyRegions() {
  if (getChips().size() != 2 || getChips()[0] < 1 || getChips()[1] < 1 ||
      int64_t(getCores()) < 1)
    return emitOpError() << "needs chips = [X, Y] and cores of at least 1";
  if (getCapacity().size() != 3)
    return emitOpError() << "capacity needs the bytes of [ext, lx, l0]";
  SmallVector<RegionOp> regions;
  std::set<int64_t> cores;
  for (Operation &op : getBody().front()) {
    if (auto r = dyn_cast<RegionOp>(op)) {
      int64_t cap = getCapacity()[r.getSpace()];
      if (int64_t(r.getOffset() + r.getSize()) > cap)
        return r.emitOpError()
               << "[" << r.getOffset() << ", " << r.getOffset() + r.getSize()
               << ") exceeds the "
               << stringify(static_cast<MemLevel>(r.getSpace()))
               << " capacity of " << cap << " bytes";
      for (RegionOp o : regions) {
        bool sameSpace = o.getSpace() == r.getSpace();
        bool liveTogether = o.getLive()[0] <= r.getLive()[1] &&
                            r.getLive()[0] <= o.getLive()[1];
        bool overlap = o.getOffset() < r.getOffset() + r.getSize() &&
                       r.getOffset() < o.getOffset() + o.getSize();
        if (sameSpace && liveTogether && overlap)
          return r.emitOpError()
                 << "overlaps region @" << o.getSymName() << " (["
                 << o.getOffset() << ", " << o.getOffset() + o.getSize()
                 << ")) while both are live (steps " << r.getLive()[0] << "-"
                 << r.getLive()[1] << " and " << o.getLive()[0] << "-"
                 << o.getLive()[1] << ")";
      }
      regions.push_back(r);
    } else if (auto c = dyn_cast<CoreOp>(op)) {
      if (!cores.insert(c.getCore()).second)
        return c.emitOpError()
               << "core " << c.getCore() << " is programmed twice";
    }
  }
  return success();
}

ParseResult RegionOp::parse(OpAsmParser &parser, OperationState &result) {
  StringAttr name;
  std::string space;
  int64_t offset, size, first, last;
  SMLoc spaceLoc;
  if (parser.parseSymbolName(name) || parser.parseColon() ||
      (spaceLoc = parser.getCurrentLocation(), false) ||
      parser.parseKeywordOrString(&space) || parser.parseLSquare() ||
      parser.parseInteger(offset) || parser.parseComma() ||
      parser.parseInteger(size) || parser.parseRSquare() ||
      parser.parseKeyword("live") || parser.parseLSquare() ||
      parser.parseInteger(first) || parser.parseComma() ||
      parser.parseInteger(last) || parser.parseRSquare())
    return failure();
  std::optional<MemLevel> level = symbolize<MemLevel>(space);
  if (!level || !isMemorySpace(*level))
    return parser.emitError(spaceLoc)
           << "unknown memory '" << space << "'; expected ext, lx or l0";
  Builder &b = parser.getBuilder();
  result.addAttribute("sym_name", name);
  result.addAttribute("space", b.getI64IntegerAttr(int64_t(*level)));
  result.addAttribute("offset", b.getI64IntegerAttr(offset));
  result.addAttribute("size", b.getI64IntegerAttr(size));
  result.addAttribute("live", b.getDenseI64ArrayAttr({first, last}));
  return parser.parseOptionalAttrDict(result.attributes);
}

void RegionOp::print(OpAsmPrinter &p) {
  p << " ";
  p.printSymbolName(getSymName());
  p << " : " << stringify(static_cast<MemLevel>(getSpace())) << " ["
    << getOffset() << ", " << getSize() << "] live [" << getLive()[0] << ", "
    << getLive()[1] << "]";
  p.printOptionalAttrDict((*this)->getAttrs(),
                          {"sym_name", "space", "offset", "size", "live"});
}

LogicalResult RegionOp::verify() {
  if (getSpace() > uint64_t(MemLevel::L0))
    return emitOpError() << "space must be ext, lx or l0";
  if (int64_t(getOffset()) < 0 || int64_t(getSize()) < 1)
    return emitOpError() << "needs an offset of at least 0 and a size of at "
                            "least 1 byte";
  if (getLive().size() != 2 || getLive()[0] > getLive()[1] || getLive()[0] < 0)
    return emitOpError() << "live must be [first, last] steps, first <= last";
  return success();
}

ParseResult TensorOp::parse(OpAsmParser &parser, OperationState &result) {
  std::string direction, name, dtype;
  SmallVector<int64_t> shape;
  int64_t address, zeroPoint;
  double scale;
  SMLoc dirLoc = parser.getCurrentLocation();
  if (parser.parseKeywordOrString(&direction))
    return failure();
  if (direction != "input" && direction != "output")
    return parser.emitError(dirLoc) << "expected 'input' or 'output'";
  SMLoc dtypeLoc;
  if (parser.parseString(&name) || parser.parseColon() ||
      (dtypeLoc = parser.getCurrentLocation(), false) ||
      parser.parseKeywordOrString(&dtype) ||
      parser.parseCommaSeparatedList(
          AsmParser::Delimiter::Square,
          [&]() { return parser.parseInteger(shape.emplace_back()); }) ||
      parser.parseKeyword("at") || parser.parseInteger(address) ||
      parser.parseKeyword("scale") || parser.parseFloat(scale) ||
      parser.parseKeyword("zero_point") || parser.parseInteger(zeroPoint))
    return failure();
  std::optional<Precision> prec = symbolize<Precision>(dtype);
  if (!prec)
    return parser.emitError(dtypeLoc)
           << "unknown precision '" << dtype << "'; expected one of "
           << listSpellings<Precision>();
  Builder &b = parser.getBuilder();
  if (direction == "output")
    result.addAttribute("output", b.getUnitAttr());
  result.addAttribute("tensor_name", b.getStringAttr(name));
  result.addAttribute("dtype", b.getI64IntegerAttr(int64_t(*prec)));
  result.addAttribute("shape", b.getDenseI64ArrayAttr(shape));
  result.addAttribute("address", b.getI64IntegerAttr(address));
  result.addAttribute("scale", b.getF32FloatAttr(float(scale)));
  result.addAttribute("zero_point", b.getI64IntegerAttr(zeroPoint));
  return parser.parseOptionalAttrDict(result.attributes);
}

void TensorOp::print(OpAsmPrinter &p) {
  p << (getOutput() ? " output " : " input ");
  p.printString(getTensorName());
  p << " : " << stringify(static_cast<Precision>(getDtype())) << " [";
  llvm::interleaveComma(getShape(), p);
  p << "] at " << getAddress() << " scale ";
  p.printFloat(getScaleAttr().getValue());
  p << " zero_point " << int64_t(getZeroPoint());
  p.printOptionalAttrDict((*this)->getAttrs(),
                          {"output", "tensor_name", "dtype", "shape", "address",
                           "scale", "zero_point"});
}

LogicalResult TensorOp::verify() {
  if (getDtype() >= spellings<Precision>().size())
    return emitOpError() << "dtype " << getDtype() << " is not a precision";
  if (getShape().size() > kMaxTensorRank)
    return emitOpError() << "rank " << getShape().size() << " exceeds "
                         << kMaxTensorRank;
  if (llvm::any_of(getShape(), [](int64_t d) { return d < 0; }) ||
      int64_t(getAddress()) < 0)
    return emitOpError() << "needs a non-negative shape and address";
  return success();
}

LogicalResult ConstantsOp::verify() {
  auto type = dyn_cast<ShapedType>(getData().getType());
  if (!type || type.getRank() != 1 || !type.getElementType().isInteger(8))
    return emitOpError() << "data must be a tensor<Nxi8> of bytes";
  if (int64_t(getAddress()) < 0)
    return emitOpError() << "address must be non-negative";
  return success();
}

#define GET_OP_CLASSES
#include "rapid/Dialect/RapidISA/RapidISAOps.cpp.inc"
