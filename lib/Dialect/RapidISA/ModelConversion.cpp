//===- ModelConversion.cpp - rapid_isa <-> model.bin contents -------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A rapid_isa.program and a rapid::isa::ModelBinary hold the same facts;
// these convert one into the other. Loops become `loop count, body` and
// their bodies (and back), region-relative `seti` immediates become
// absolute addresses.
//
//===----------------------------------------------------------------------===//

#include "rapid/Dialect/RapidISA/RapidISADialect.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace rapid;
using namespace rapid::isa;

/// Appends the instructions of `block` to `code`.
static LogicalResult flatten(Block &block, ProgramOp program,
                             std::vector<Instruction> &code,
                             std::vector<LayerMark> &marks) {
  for (Operation &op : block) {
    if (llvm::isa<DmaDescOp, TileDescOp>(op))
      continue;
    if (auto mark = dyn_cast<MarkOp>(op)) {
      marks.push_back({uint32_t(code.size()), uint32_t(mark.getLayer())});
      continue;
    }
    if (auto loop = dyn_cast<LoopOp>(op)) {
      size_t at = code.size();
      code.emplace_back();
      code[at].opcode = Opcode::Loop;
      code[at].set("count", loop.getCount());
      if (failed(flatten(loop.getBody().front(), program, code, marks)))
        return failure();
      code[at].set("body", int64_t(code.size() - at - 1));
      continue;
    }
    Instruction inst = instructionOf(&op);
    if (auto seti = dyn_cast<SetIOp>(op); seti && seti.getRegion()) {
      auto region = SymbolTable::lookupNearestSymbolFrom<RegionOp>(
          &op, seti.getRegionAttr());
      if (!region)
        return op.emitOpError() << "names " << seti.getRegionAttr()
                                << ", which is not a region of the program";
      inst.set("imm", region.getOffset() + inst.get("imm"));
    }
    // Fields were checked by the verifier; a resolved immediate may not fit.
    const InstructionSpec &spec = inst.spec();
    for (size_t i = 0; i < spec.fields.size(); ++i)
      if (std::string why = checkField(spec.fields[i], inst.fields[i]);
          !why.empty())
        return op.emitOpError()
               << "field '" << spec.fields[i].name << "': " << why;
    code.push_back(inst);
  }
  return success();
}

FailureOr<ModelBinary> rapid::isa::toModelBinary(ProgramOp program) {
  ModelBinary m;
  m.arch = program.getArch().str();
  m.archFingerprint = uint64_t(program.getFingerprint());
  m.chipsX = uint32_t(program.getChips()[0]);
  m.chipsY = uint32_t(program.getChips()[1]);
  m.coresPerChip = uint32_t(program.getCores());
  bool haveConstants = false;
  for (Operation &op : program.getBody().front()) {
    if (auto r = dyn_cast<RegionOp>(op)) {
      m.memory.push_back({r.getSymName().str(),
                          static_cast<MemLevel>(r.getSpace()),
                          uint64_t(r.getOffset()), uint64_t(r.getSize()),
                          uint32_t(r.getLive()[0]), uint32_t(r.getLive()[1])});
    } else if (auto t = dyn_cast<TensorOp>(op)) {
      TensorDescriptor d;
      d.name = t.getTensorName().str();
      d.output = t.getOutput();
      d.dtype = uint8_t(t.getDtype());
      d.shape.assign(t.getShape().begin(), t.getShape().end());
      d.address = uint64_t(t.getAddress());
      d.scale = t.getScale().convertToFloat();
      d.zeroPoint = int32_t(t.getZeroPoint());
      m.tensors.push_back(std::move(d));
    } else if (auto l = dyn_cast<LayerOp>(op)) {
      LayerInfo info;
      info.name = l.getLayerName().str();
      info.macs = uint64_t(l.getMacs());
      for (unsigned i = 0; i < kCycleTerms; ++i)
        info.predicted[i] = l.getCycles()[i];
      m.layers.push_back(std::move(info));
    } else if (auto c = dyn_cast<ConstantsOp>(op)) {
      if (haveConstants)
        return c.emitOpError() << "a program has one constants image";
      haveConstants = true;
      m.constantsAddress = uint64_t(c.getAddress());
      auto data = cast<DenseElementsAttr>(c.getData());
      if (data.isSplat()) {
        m.constants.assign(data.getNumElements(),
                           uint8_t(data.getSplatValue<int8_t>()));
      } else {
        ArrayRef<char> raw = data.getRawData();
        m.constants.assign(raw.begin(), raw.end());
      }
    } else if (auto core = dyn_cast<CoreOp>(op)) {
      CoreProgram p;
      p.core = uint32_t(core.getCore());
      for (Operation &o : core.getBody().front()) {
        if (auto d = dyn_cast<DmaDescOp>(o)) {
          DmaDescriptor desc;
          desc.elementBits = unsigned(d.getBits());
          ArrayRef<int64_t> v = d.getDims();
          for (size_t i = 0; i + 2 < v.size(); i += 3)
            desc.dims.push_back({uint32_t(v[i]), v[i + 1], v[i + 2]});
          p.dma.push_back(std::move(desc));
        } else if (auto t = dyn_cast<TileDescOp>(o)) {
          TileDescriptor desc;
          for (unsigned d = 0; d < kTileDims; ++d) {
            desc.p[d] = uint32_t(t.getP()[d]);
            desc.strides[0][d] = int32_t(t.getInp()[d]);
            desc.strides[1][d] = int32_t(t.getKer()[d]);
            desc.strides[2][d] = int32_t(t.getOut()[d]);
          }
          p.tiles.push_back(desc);
        }
      }
      if (failed(flatten(core.getBody().front(), program, p.code, p.marks)))
        return failure();
      m.cores.push_back(std::move(p));
    }
  }
  if (std::string why = checkModelBinary(m); !why.empty())
    return program.emitOpError() << why;
  return m;
}

/// Builds the ops of code[begin, end) at the builder's insertion point.
static void buildCode(OpBuilder &b, Location loc,
                      llvm::ArrayRef<Instruction> code, size_t begin,
                      size_t end, llvm::ArrayRef<LayerMark> marks = {}) {
  size_t mark = 0;
  for (size_t i = begin; i < end; ++i) {
    // Marks lie outside loops (checkModelBinary), so only the top level
    // places them.
    for (; mark < marks.size() && marks[mark].pc == i; ++mark)
      b.create<MarkOp>(loc, int64_t(marks[mark].layer));
    const Instruction &inst = code[i];
    if (inst.opcode == Opcode::Loop) {
      size_t bodyEnd = i + 1 + size_t(inst.get("body"));
      auto loop = b.create<LoopOp>(loc, inst.get("count"));
      Block *body = new Block();
      loop.getBody().push_back(body);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(body);
      buildCode(b, loc, code, i + 1, bodyEnd);
      i = bodyEnd - 1;
      continue;
    }
    const InstructionSpec &spec = inst.spec();
    OperationState state(loc, ("rapid_isa." + StringRef(spec.mnemonic)).str());
    state.addAttribute("fields", b.getDenseI64ArrayAttr(llvm::ArrayRef<int64_t>(
                                     inst.fields.data(), spec.fields.size())));
    b.create(state);
  }
}

ProgramOp rapid::isa::fromModelBinary(const ModelBinary &m, ModuleOp module) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  // The capacities are not in model.bin; the largest region end of each
  // memory bounds them.
  int64_t capacity[3] = {0, 0, 0};
  for (const MemoryRegion &r : m.memory)
    capacity[unsigned(r.space)] =
        std::max(capacity[unsigned(r.space)], int64_t(r.offset + r.size));
  capacity[0] = std::max<int64_t>(
      capacity[0], int64_t(m.constantsAddress + m.constants.size()));
  auto program = b.create<ProgramOp>(
      loc, m.arch, int64_t(m.archFingerprint),
      b.getDenseI64ArrayAttr({int64_t(m.chipsX), int64_t(m.chipsY)}),
      int64_t(m.coresPerChip),
      b.getDenseI64ArrayAttr({capacity[0], capacity[1], capacity[2]}));
  Block *body = new Block();
  program.getBody().push_back(body);
  b.setInsertionPointToEnd(body);
  for (const MemoryRegion &r : m.memory)
    b.create<RegionOp>(
        loc, r.name, int64_t(r.space), int64_t(r.offset), int64_t(r.size),
        b.getDenseI64ArrayAttr({int64_t(r.firstStep), int64_t(r.lastStep)}));
  if (!m.constants.empty()) {
    auto type = RankedTensorType::get({int64_t(m.constants.size())},
                                      b.getIntegerType(8));
    auto data = DenseElementsAttr::getFromRawBuffer(
        type,
        llvm::ArrayRef<char>(reinterpret_cast<const char *>(m.constants.data()),
                             m.constants.size()));
    b.create<ConstantsOp>(loc, int64_t(m.constantsAddress), data);
  }
  for (const TensorDescriptor &t : m.tensors) {
    SmallVector<int64_t> shape(t.shape.begin(), t.shape.end());
    b.create<TensorOp>(loc, t.output, t.name, uint64_t(t.dtype), shape,
                       uint64_t(t.address), llvm::APFloat(t.scale),
                       uint64_t(int64_t(t.zeroPoint)));
  }
  for (const LayerInfo &l : m.layers)
    b.create<LayerOp>(loc, l.name, int64_t(l.macs),
                      b.getDenseF64ArrayAttr(l.predicted));
  for (const CoreProgram &c : m.cores) {
    auto core = b.create<CoreOp>(loc, int64_t(c.core));
    Block *coreBody = new Block();
    core.getBody().push_back(coreBody);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(coreBody);
    for (size_t i = 0; i < c.dma.size(); ++i) {
      SmallVector<int64_t> dims;
      for (const DmaDescriptor::Dim &d : c.dma[i].dims)
        dims.append({int64_t(d.count), d.srcStride, d.dstStride});
      b.create<DmaDescOp>(loc, int64_t(i), int64_t(c.dma[i].elementBits),
                          b.getDenseI64ArrayAttr(dims));
    }
    for (size_t i = 0; i < c.tiles.size(); ++i) {
      const TileDescriptor &t = c.tiles[i];
      auto arr = [&](auto values) {
        SmallVector<int64_t> v(values.begin(), values.end());
        return b.getDenseI64ArrayAttr(v);
      };
      b.create<TileDescOp>(loc, int64_t(i), arr(t.p), arr(t.strides[0]),
                           arr(t.strides[1]), arr(t.strides[2]));
    }
    buildCode(b, loc, c.code, 0, c.code.size(), c.marks);
  }
  return program;
}
