//===- GemmLowering.cpp - A mapped GEMM-form layer as ISA code ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/GemmLowering.h"
#include "rapid/Numerics/FloatFormat.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

using namespace rapid;
using namespace rapid::backend;
using isa::Instruction;
using isa::Opcode;

static constexpr unsigned idx(Dim d) { return unsigned(d); }
static constexpr unsigned idx(DataStructure ds) { return unsigned(ds); }
static int64_t bytesOf(Precision p) { return storageBits(p) / 8; }

// Address registers (docs/backend.md): a0 holds 0.
enum Reg : int64_t {
  kZeroReg = 0,
  kInpExt = 1,
  kKerExt = 2,
  kOutExt = 3,
  kBiasExt = 4,
  kInpLx = 5,
  kKerLx = 6,
  kOutLx = 7,
  kEpA = 8,
  kEpB = 9,
  kInpL0 = 10,
  kKerL0 = 11,
  kOutL0 = 12,
  kFillSrc = 13,
};
constexpr int64_t kChain = 0; // the semaphore engine instructions chain on
constexpr int64_t kMaxSfuCount = (int64_t(1) << 20) - 1;

DimTuple rapid::backend::paddedBTile(const Mapping &m) {
  DimTuple b;
  for (unsigned d = 0; d < kNumDims; ++d)
    b[d] = (m.b[d] + m.t[d] - 1) / m.t[d] * m.t[d];
  return b;
}

std::string rapid::backend::checkGemmLayer(const GemmLayer &layer) {
  const Workload &w = layer.workload;
  const Mapping &m = layer.mapping;
  std::string at = "layer '" + layer.name + "': ";
  // A 1x1 stride-1 window reads each input pixel once: no halo to stage.
  bool window = w.halo.enabled && (w.halo.strideH != 1 || w.halo.strideW != 1 ||
                                   w.halo.kernelW != 1);
  if (w.dims[idx(Dim::Kij)] != 1 || window ||
      w.outPerGroup != w.dims[idx(Dim::Out)] || w.kernel != Kernel::FWD)
    return at + "only plain matrix products (no kernel window, no groups, "
                "inference) are lowered so far";
  for (unsigned d = 0; d < kNumDims; ++d)
    if (m.p[d] < 1 || m.p[d] > m.t[d] || m.t[d] > m.b[d] || m.b[d] > m.n[d])
      return at + "the mapping's tiles do not nest (P <= T <= B <= N)";
  for (Precision p :
       {m.precision.inp, m.precision.ker, m.precision.acc, layer.out.precision})
    if (storageBits(p) % 8)
      return at + "precision " + stringify(p).str() +
             " is not a whole number of bytes; sub-byte storage is not "
             "lowered yet";
  if (layer.inp.precision != m.precision.inp)
    return at + "the input is stored in " +
           stringify(layer.inp.precision).str() + " but the mapping reads " +
           stringify(m.precision.inp).str();
  if (m.precision.acc != Precision::FP32 && m.precision.acc != Precision::FP16)
    return at + "accumulation in " + stringify(m.precision.acc).str() +
           " is not lowered yet (fp32, fp16)";
  if (layer.epilogue.act == Epilogue::Act::LeakyRelu)
    return at + "leaky relu epilogues are not lowered yet";
  return {};
}

//===----------------------------------------------------------------------===//
// Layouts
//===----------------------------------------------------------------------===//

namespace {
/// Element strides of a compact layout over `extent`, the dimensions of
/// `order` innermost first (others get stride 0 and must not index it).
DimTuple compact(const DimTuple &extent, std::initializer_list<Dim> order) {
  DimTuple s{};
  int64_t stride = 1;
  for (Dim d : order) {
    s[idx(d)] = stride;
    stride *= extent[idx(d)];
  }
  return s;
}

/// The on-chip layouts of the three operands over a tile of `e`.
struct TileLayouts {
  DimTuple inp, ker, out;
  static TileLayouts of(const DimTuple &e) {
    return {compact(e, {Dim::Ij, Dim::Kij, Dim::In, Dim::Mb}),
            compact(e, {Dim::In, Dim::Kij, Dim::Out}),
            compact(e, {Dim::Ij, Dim::Out, Dim::Mb})};
  }
};

int64_t elements(const Workload &w, DataStructure ds, const DimTuple &e) {
  int64_t n = 1;
  for (unsigned d = 0; d < kNumDims; ++d)
    if (w.indexes(ds, Dim(d)))
      n *= e[d];
  return n;
}

/// The innermost loop (position in `order`) of more than one trip that
/// indexes each data structure, or -1 (rapid::transferLocations' rule).
std::array<int, kNumDataStructures>
lastIndexing(const Workload &w, const LoopOrder &order, const DimTuple &trips) {
  std::array<int, kNumDataStructures> last = {-1, -1, -1};
  for (unsigned pos = 0; pos < kNumDims; ++pos) {
    if (trips[idx(order[pos])] == 1)
      continue;
    for (unsigned ds = 0; ds < kNumDataStructures; ++ds)
      if (w.indexes(DataStructure(ds), order[pos]))
        last[ds] = int(pos);
  }
  return last;
}
} // namespace

GemmBuffers rapid::backend::planGemmBuffers(const GemmLayer &layer,
                                            uint64_t lxBase, uint64_t l0Base) {
  const Workload &w = layer.workload;
  const Mapping &m = layer.mapping;
  DimTuple bp = paddedBTile(m);
  auto align = [](uint64_t x) { return (x + 63) / 64 * 64; };
  GemmBuffers b;
  uint64_t at = lxBase;
  auto take = [&](uint64_t &slot, int64_t bytes) {
    slot = at;
    at = align(at + uint64_t(bytes));
  };
  int64_t accBytes = bytesOf(m.precision.acc);
  take(b.inpB, elements(w, DataStructure::Inp, bp) * bytesOf(m.precision.inp));
  take(b.kerB, elements(w, DataStructure::Ker, bp) * bytesOf(m.precision.ker));
  take(b.outB, elements(w, DataStructure::Outp, bp) * accBytes);
  take(b.biasB, layer.epilogue.bias ? bp[idx(Dim::Out)] * 4 : 0);
  take(b.finalB,
       elements(w, DataStructure::Outp, bp) * bytesOf(layer.out.precision));
  b.lxEnd = at;
  at = l0Base;
  take(b.inpT, elements(w, DataStructure::Inp, m.t) * bytesOf(m.precision.inp));
  take(b.kerT, elements(w, DataStructure::Ker, m.t) * bytesOf(m.precision.ker));
  take(b.outT, elements(w, DataStructure::Outp, m.t) * accBytes);
  b.l0End = at;
  return b;
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

/// Stores `x` in precision `p` at `out` (little-endian).
static void store(double x, Precision p, uint8_t *out) {
  uint32_t bits = 0;
  switch (p) {
  case Precision::FP32: {
    float f = float(x);
    std::memcpy(&bits, &f, 4);
    break;
  }
  case Precision::FP16:
    bits = numerics::encode(x, numerics::kFP16);
    break;
  case Precision::DLFloat16:
    bits = numerics::encode(x, numerics::kDLFloat16);
    break;
  case Precision::HFP8_143:
    bits = numerics::encode(x, numerics::kHFP8_143);
    break;
  case Precision::HFP8_152:
    bits = numerics::encode(x, numerics::kHFP8_152);
    break;
  default:
    llvm_unreachable("integer kernels are not packed yet");
  }
  std::memcpy(out, &bits, size_t(bytesOf(p)));
}

std::vector<uint8_t> rapid::backend::packGemmWeights(const GemmLayer &layer,
                                                     llvm::ArrayRef<float> w) {
  const Mapping &m = layer.mapping;
  const DimTuple &n = m.n;
  DimTuple bp = paddedBTile(m);
  int64_t in = n[idx(Dim::In)], out = n[idx(Dim::Out)];
  int64_t bIn = m.b[idx(Dim::In)], bOut = m.b[idx(Dim::Out)];
  int64_t pIn = bp[idx(Dim::In)], pOut = bp[idx(Dim::Out)];
  int64_t tilesIn = (in + bIn - 1) / bIn, tilesOut = (out + bOut - 1) / bOut;
  int64_t eb = bytesOf(m.precision.ker);
  int64_t tileBytes = pIn * pOut * eb;
  std::vector<uint8_t> bytes(size_t(tilesIn * tilesOut * tileBytes), 0);
  for (int64_t to = 0; to < tilesOut; ++to)
    for (int64_t ti = 0; ti < tilesIn; ++ti)
      for (int64_t o = 0; o < bOut && to * bOut + o < out; ++o)
        for (int64_t i = 0; i < bIn && ti * bIn + i < in; ++i) {
          int64_t tile = to * tilesIn + ti;
          store(w[size_t((to * bOut + o) * in + ti * bIn + i)], m.precision.ker,
                &bytes[size_t(tile * tileBytes + (o * pIn + i) * eb)]);
        }
  return bytes;
}

std::vector<uint8_t> rapid::backend::packGemmBias(const GemmLayer &layer,
                                                  llvm::ArrayRef<float> b) {
  const Mapping &m = layer.mapping;
  int64_t out = m.n[idx(Dim::Out)], bOut = m.b[idx(Dim::Out)];
  int64_t pOut = paddedBTile(m)[idx(Dim::Out)];
  int64_t tiles = (out + bOut - 1) / bOut;
  std::vector<uint8_t> bytes(size_t(tiles * pOut * 4), 0);
  for (int64_t t = 0; t < tiles; ++t)
    for (int64_t o = 0; o < bOut && t * bOut + o < out; ++o)
      store(b[size_t(t * bOut + o)], Precision::FP32,
            &bytes[size_t((t * pOut + o) * 4)]);
  return bytes;
}

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

namespace {
class Emitter {
public:
  explicit Emitter(isa::CoreProgram &core) : core(core) {}

  Instruction &emit(Opcode op) {
    core.code.emplace_back();
    core.code.back().opcode = op;
    return core.code.back();
  }
  void seti(int64_t reg, int64_t imm) {
    emit(Opcode::SetI).set("a", reg).set("imm", imm);
  }
  void addi(int64_t reg, int64_t imm) {
    // The immediate is 32-bit signed; larger steps take several.
    while (imm != 0) {
      int64_t step = std::clamp<int64_t>(imm, INT32_MIN, INT32_MAX);
      emit(Opcode::AddI).set("a", reg).set("b", reg).set("imm", step);
      imm -= step;
    }
  }
  void setf(int64_t f, float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    emit(Opcode::SetF).set("f", f).set("bits", bits);
  }

  /// Repeats `body` `count` times: a hardware loop, or unrolled where the
  /// loop stack is full.
  void repeat(int64_t count, const std::function<void()> &body) {
    if (count <= 0)
      return;
    if (count == 1) {
      body();
      return;
    }
    if (depth == isa::kMaxLoopDepth) {
      for (int64_t i = 0; i < count; ++i)
        body();
      return;
    }
    size_t at = core.code.size();
    emit(Opcode::Loop).set("count", count);
    ++depth;
    body();
    --depth;
    int64_t n = int64_t(core.code.size() - at - 1);
    if (n == 0)
      core.code.pop_back();
    else
      core.code[at].set("body", n);
  }

  int64_t dmaDesc(const isa::DmaDescriptor &d) {
    for (size_t i = 0; i < core.dma.size(); ++i)
      if (core.dma[i] == d)
        return int64_t(i);
    core.dma.push_back(d);
    return int64_t(core.dma.size() - 1);
  }
  int64_t tileDesc(const isa::TileDescriptor &t) {
    for (size_t i = 0; i < core.tiles.size(); ++i)
      if (core.tiles[i] == t)
        return int64_t(i);
    core.tiles.push_back(t);
    return int64_t(core.tiles.size() - 1);
  }

  void dma(isa::DmaPath path, const isa::DmaDescriptor &d, int64_t dst,
           int64_t src) {
    emit(Opcode::Dma)
        .set("path", int64_t(path))
        .set("peer", 0)
        .set("desc", dmaDesc(d))
        .set("dst", dst)
        .set("dst_off", 0)
        .set("src", src)
        .set("src_off", 0)
        .set("wait", kChain)
        .set("signal", kChain);
  }

  void sfu(isa::SfuOperation op, Precision in, Precision out, isa::BMode bMode,
           int64_t count, int64_t dst, int64_t a, int64_t b) {
    emit(Opcode::Sfu)
        .set("op", int64_t(op))
        .set("in_prec", int64_t(in))
        .set("out_prec", int64_t(out))
        .set("b_mode", int64_t(bMode))
        .set("count", count)
        .set("dst", dst)
        .set("dst_off", 0)
        .set("a", a)
        .set("a_off", 0)
        .set("b", b)
        .set("b_off", 0)
        .set("wait", kChain)
        .set("signal", kChain);
  }

private:
  isa::CoreProgram &core;
  unsigned depth = 0;
};

/// A strided block of `extent` (per dimension, only those indexing the
/// data structure) between two layouts given in element strides.
isa::DmaDescriptor block(const Workload &w, DataStructure ds,
                         const DimTuple &extent, const DimTuple &srcStrides,
                         const DimTuple &dstStrides, Precision p) {
  struct D {
    int64_t count, src, dst;
  };
  std::vector<D> dims;
  int64_t eb = bytesOf(p);
  for (unsigned d = 0; d < kNumDims; ++d)
    if (w.indexes(ds, Dim(d)) && extent[d] > 1)
      dims.push_back({extent[d], srcStrides[d] * eb, dstStrides[d] * eb});
  // Innermost first: by destination stride.
  llvm::sort(dims, [](const D &a, const D &b) { return a.dst < b.dst; });
  // Merge dimensions contiguous on both sides.
  std::vector<D> merged;
  for (const D &d : dims) {
    if (!merged.empty() && merged.back().src * merged.back().count == d.src &&
        merged.back().dst * merged.back().count == d.dst) {
      merged.back().count *= d.count;
      continue;
    }
    merged.push_back(d);
  }
  isa::DmaDescriptor desc;
  desc.elementBits = unsigned(storageBits(p));
  for (const D &d : merged)
    desc.dims.push_back({uint32_t(d.count), d.src, d.dst});
  if (desc.dims.empty())
    desc.dims.push_back({1, eb, eb});
  return desc;
}
} // namespace

/// Asserts that `d` fits the descriptor format (at most 4 dimensions);
/// operands of a GEMM-form layer have at most 3 non-trivial ones.
static llvm::Error checkBlock(const isa::DmaDescriptor &d,
                              const std::string &what) {
  if (d.dims.size() > isa::kMaxDmaRank)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + " needs more than 4 dimensions");
  return llvm::Error::success();
}

void rapid::backend::beginProgram(isa::CoreProgram &core) {
  Emitter e(core);
  e.emit(Opcode::SemSignal).set("sem", kChain).set("count", 1);
  e.seti(kZeroReg, 0);
}

void rapid::backend::endProgram(isa::CoreProgram &core) {
  Emitter e(core);
  e.emit(Opcode::SemWait).set("sem", kChain).set("count", 1);
  e.emit(Opcode::Halt);
}

llvm::Error rapid::backend::lowerGemmLayer(const GemmLayer &layer,
                                           const CoreModel &coreModel,
                                           uint64_t zeroAddress,
                                           uint64_t lxBase, uint64_t l0Base,
                                           isa::CoreProgram &core) {
  auto fail = [&](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  if (std::string why = checkGemmLayer(layer); !why.empty())
    return fail(why);
  const Workload &w = layer.workload;
  const Mapping &m = layer.mapping;
  const PrecisionConfig &pc = m.precision;
  GemmBuffers buf = planGemmBuffers(layer, lxBase, l0Base);
  if (buf.lxEnd > uint64_t(coreModel.lxBytes))
    return fail(llvm::formatv("layer '{0}': its Lx buffers need {1} bytes "
                              "(from {2}) but the core has {3}",
                              layer.name, buf.lxEnd - lxBase, lxBase,
                              coreModel.lxBytes));
  if (buf.l0End > uint64_t(coreModel.l0Bytes))
    return fail(llvm::formatv("layer '{0}': its L0 buffers need {1} bytes "
                              "(from {2}) but the core has {3}",
                              layer.name, buf.l0End - l0Base, l0Base,
                              coreModel.l0Bytes));

  DimTuple bp = paddedBTile(m);
  DimTuple tripsB, tripsT;
  for (unsigned d = 0; d < kNumDims; ++d) {
    tripsB[d] = (m.n[d] + m.b[d] - 1) / m.b[d];
    tripsT[d] = bp[d] / m.t[d];
  }
  const LoopOrder &orderB = m.order[unsigned(LoopStage::B)];
  const LoopOrder &orderT = m.order[unsigned(LoopStage::T)];
  std::array<int, kNumDataStructures> lastB = lastIndexing(w, orderB, tripsB);
  std::array<int, kNumDataStructures> lastT = lastIndexing(w, orderT, tripsT);
  constexpr unsigned kInp = idx(DataStructure::Inp),
                     kKer = idx(DataStructure::Ker),
                     kOut = idx(DataStructure::Outp);
  // An output B tile revisited by a reduction loop would hold partial sums
  // in external memory between visits.
  {
    int64_t changes = 1, distinct = 1;
    for (int pos = 0; pos <= lastB[kOut]; ++pos)
      changes *= tripsB[idx(orderB[pos])];
    for (unsigned d = 0; d < kNumDims; ++d)
      if (w.indexes(DataStructure::Outp, Dim(d)))
        distinct *= tripsB[d];
    if (changes > distinct)
      return fail("layer '" + layer.name +
                  "': its mapping revisits output B tiles (a reduction loop "
                  "outside an output loop at the B stage); partial sums in "
                  "external memory are not lowered yet");
  }

  TileLayouts lx = TileLayouts::of(bp), l0 = TileLayouts::of(m.t);
  int64_t inpBytes = bytesOf(pc.inp), kerBytes = bytesOf(pc.ker),
          accBytes = bytesOf(pc.acc), outBytes = bytesOf(layer.out.precision);
  int64_t outElems = elements(w, DataStructure::Outp, bp);
  int64_t tilesIn = tripsB[idx(Dim::In)];
  int64_t kerTileBytes = bp[idx(Dim::In)] * bp[idx(Dim::Out)] * kerBytes;

  Emitter e(core);
  e.seti(kInpExt, int64_t(layer.inp.address));
  e.seti(kKerExt, int64_t(layer.kerAddress));
  e.seti(kOutExt, int64_t(layer.out.address));
  if (layer.epilogue.bias)
    e.seti(kBiasExt, int64_t(layer.biasAddress));
  e.seti(kInpL0, int64_t(buf.inpT));
  e.seti(kKerL0, int64_t(buf.kerT));
  e.seti(kOutL0, int64_t(buf.outT));
  e.seti(kFillSrc, int64_t(zeroAddress));
  e.setf(0, 0.0f);
  if (layer.epilogue.act == Epilogue::Act::Clip) {
    e.setf(1, layer.epilogue.lo);
    e.setf(2, layer.epilogue.hi);
  }

  // The byte step of each register per B-loop iteration along `d`.
  auto stepB = [&](Dim d) {
    std::array<std::pair<int64_t, int64_t>, 4> s = {
        std::pair<int64_t, int64_t>{
            kInpExt, m.b[idx(d)] * layer.inp.strides[idx(d)] * inpBytes},
        {kKerExt, d == Dim::In    ? kerTileBytes
                  : d == Dim::Out ? tilesIn * kerTileBytes
                                  : 0},
        {kOutExt, m.b[idx(d)] * layer.out.strides[idx(d)] * outBytes},
        {kBiasExt,
         layer.epilogue.bias && d == Dim::Out ? bp[idx(Dim::Out)] * 4 : 0}};
    return s;
  };
  auto stepT = [&](Dim d) {
    std::array<std::pair<int64_t, int64_t>, 3> s = {
        std::pair<int64_t, int64_t>{kInpLx,
                                    m.t[idx(d)] * lx.inp[idx(d)] * inpBytes},
        {kKerLx, m.t[idx(d)] * lx.ker[idx(d)] * kerBytes},
        {kOutLx, m.t[idx(d)] * lx.out[idx(d)] * accBytes}};
    return s;
  };
  llvm::Error err = llvm::Error::success();
  auto dma = [&](isa::DmaPath path, const isa::DmaDescriptor &d, int64_t dst,
                 int64_t src, const char *what) {
    if (llvm::Error e2 = checkBlock(d, "layer '" + layer.name + "': " + what))
      err = llvm::joinErrors(std::move(err), std::move(e2));
    e.dma(path, d, dst, src);
  };

  // T stage: whole T tiles over the padded B tile.
  std::function<void(unsigned)> emitT = [&](unsigned pos) {
    if (lastT[kInp] + 1 == int(pos))
      dma(isa::DmaPath::LxToL0,
          block(w, DataStructure::Inp, m.t, lx.inp, l0.inp, pc.inp), kInpL0,
          kInpLx, "the input T tile");
    if (lastT[kKer] + 1 == int(pos))
      dma(isa::DmaPath::LxToL0,
          block(w, DataStructure::Ker, m.t, lx.ker, l0.ker, pc.ker), kKerL0,
          kKerLx, "the weight T tile");
    bool outHere = lastT[kOut] + 1 == int(pos);
    if (outHere)
      dma(isa::DmaPath::LxToL0,
          block(w, DataStructure::Outp, m.t, lx.out, l0.out, pc.acc), kOutL0,
          kOutLx, "the output T tile");
    if (pos == kNumDims) {
      isa::TileDescriptor t;
      for (unsigned d = 0; d < kNumDims; ++d) {
        t.p[d] = uint32_t(m.t[d]);
        t.strides[0][d] =
            w.indexes(DataStructure::Inp, Dim(d)) ? int32_t(l0.inp[d]) : 0;
        t.strides[1][d] =
            w.indexes(DataStructure::Ker, Dim(d)) ? int32_t(l0.ker[d]) : 0;
        t.strides[2][d] =
            w.indexes(DataStructure::Outp, Dim(d)) ? int32_t(l0.out[d]) : 0;
      }
      e.emit(Opcode::Mac)
          .set("dataflow", int64_t(m.dataflow))
          .set("inp_prec", int64_t(pc.inp))
          .set("ker_prec", int64_t(pc.ker))
          .set("acc_prec", int64_t(pc.acc))
          .set("chunk", pc.chunk)
          .set("accumulate", 1)
          .set("tile", e.tileDesc(t))
          .set("inp", kInpL0)
          .set("inp_off", 0)
          .set("ker", kKerL0)
          .set("ker_off", 0)
          .set("out", kOutL0)
          .set("out_off", 0)
          .set("wait", kChain)
          .set("signal", kChain);
    } else {
      Dim d = orderT[pos];
      int64_t trips = tripsT[idx(d)];
      e.repeat(trips, [&] {
        emitT(pos + 1);
        if (trips > 1)
          for (auto [reg, step] : stepT(d))
            e.addi(reg, step);
      });
      if (trips > 1)
        for (auto [reg, step] : stepT(d))
          e.addi(reg, -trips * step);
    }
    if (outHere)
      dma(isa::DmaPath::L0ToLx,
          block(w, DataStructure::Outp, m.t, l0.out, lx.out, pc.acc), kOutLx,
          kOutL0, "the output T tile");
  };

  // The SFU work over `n` elements in chunks the count field holds.
  auto sfuAll = [&](int64_t n, const std::function<void(int64_t)> &op,
                    std::initializer_list<std::pair<int64_t, int64_t>> regs) {
    for (int64_t done = 0; done < n; done += kMaxSfuCount) {
      op(std::min(kMaxSfuCount, n - done));
      if (done + kMaxSfuCount < n)
        for (auto [reg, elemBytes] : regs)
          e.addi(reg, kMaxSfuCount * elemBytes);
    }
  };

  // The epilogue of a complete output B tile of real extent `ext`.
  auto epilogue = [&](const DimTuple &ext) {
    const Epilogue &ep = layer.epilogue;
    int64_t ij = bp[idx(Dim::Ij)], outs = bp[idx(Dim::Out)],
            mbs = bp[idx(Dim::Mb)];
    if (ep.bias) {
      e.seti(kEpA, int64_t(buf.outB));
      e.seti(kEpB, int64_t(buf.biasB));
      if (ij > 1) {
        // Layout [mb][out][ij]: one bias element broadcast per row.
        e.repeat(mbs, [&] {
          e.repeat(outs, [&] {
            e.sfu(isa::SfuOperation::Add, pc.acc, pc.acc, isa::BMode::Broadcast,
                  ij, kEpA, kEpA, kEpB);
            e.addi(kEpA, ij * accBytes);
            e.addi(kEpB, 4);
          });
          e.addi(kEpB, -outs * 4);
        });
      } else {
        e.repeat(mbs, [&] {
          e.sfu(isa::SfuOperation::Add, pc.acc, pc.acc, isa::BMode::Vector,
                outs, kEpA, kEpA, kEpB);
          e.addi(kEpA, outs * accBytes);
        });
      }
    }
    if (ep.act == Epilogue::Act::Relu || ep.act == Epilogue::Act::Clip) {
      e.seti(kEpA, int64_t(buf.outB));
      sfuAll(outElems,
             [&](int64_t n) {
               e.sfu(isa::SfuOperation::Max, pc.acc, pc.acc, isa::BMode::Scalar,
                     n, kEpA, kEpA, ep.act == Epilogue::Act::Clip ? 1 : 0);
               if (ep.act == Epilogue::Act::Clip)
                 e.sfu(isa::SfuOperation::Min, pc.acc, pc.acc,
                       isa::BMode::Scalar, n, kEpA, kEpA, 2);
             },
             {{kEpA, accBytes}});
    }
    e.seti(kEpA, int64_t(buf.finalB));
    e.seti(kEpB, int64_t(buf.outB));
    sfuAll(outElems,
           [&](int64_t n) {
             e.sfu(isa::SfuOperation::Mov, pc.acc, layer.out.precision,
                   isa::BMode::Vector, n, kEpA, kEpB, kZeroReg);
           },
           {{kEpA, outBytes}, {kEpB, accBytes}});
    e.seti(kEpA, int64_t(buf.finalB));
    dma(isa::DmaPath::LxToExt,
        block(w, DataStructure::Outp, ext, lx.out, layer.out.strides,
              layer.out.precision),
        kOutExt, kEpA, "the output B tile");
  };

  // B stage: loops over the real extents, the last tile of a dimension
  // B does not divide emitted apart.
  std::function<void(unsigned, DimTuple)> emitB = [&](unsigned pos,
                                                      DimTuple ext) {
    if (lastB[kInp] + 1 == int(pos)) {
      e.seti(kEpA, int64_t(buf.inpB));
      dma(isa::DmaPath::ExtToLx,
          block(w, DataStructure::Inp, ext, layer.inp.strides, lx.inp, pc.inp),
          kEpA, kInpExt, "the input B tile");
    }
    if (lastB[kKer] + 1 == int(pos)) {
      e.seti(kEpA, int64_t(buf.kerB));
      isa::DmaDescriptor d;
      d.elementBits = unsigned(storageBits(pc.ker));
      d.dims.push_back({uint32_t(kerTileBytes / kerBytes), kerBytes, kerBytes});
      dma(isa::DmaPath::ExtToLx, d, kEpA, kKerExt, "the weight B tile");
    }
    bool outHere = lastB[kOut] + 1 == int(pos);
    if (outHere) {
      // Partial sums start at zero: fill from the zero word.
      isa::DmaDescriptor fill;
      fill.elementBits = unsigned(storageBits(pc.acc));
      fill.dims.push_back({uint32_t(outElems), 0, accBytes});
      e.seti(kEpA, int64_t(buf.outB));
      dma(isa::DmaPath::ExtToLx, fill, kEpA, kFillSrc, "the output fill");
      if (layer.epilogue.bias) {
        isa::DmaDescriptor d;
        d.elementBits = 32;
        d.dims.push_back({uint32_t(bp[idx(Dim::Out)]), 4, 4});
        e.seti(kEpA, int64_t(buf.biasB));
        dma(isa::DmaPath::ExtToLx, d, kEpA, kBiasExt, "the bias B tile");
      }
    }
    if (pos == kNumDims) {
      e.seti(kInpLx, int64_t(buf.inpB));
      e.seti(kKerLx, int64_t(buf.kerB));
      e.seti(kOutLx, int64_t(buf.outB));
      emitT(0);
    } else {
      Dim d = orderB[pos];
      int64_t trips = tripsB[idx(d)];
      int64_t full = m.b[idx(d)], rem = m.n[idx(d)] - (trips - 1) * full;
      DimTuple inner = ext;
      inner[idx(d)] = full;
      int64_t fullTrips = rem == full ? trips : trips - 1;
      e.repeat(fullTrips, [&] {
        emitB(pos + 1, inner);
        if (trips > 1)
          for (auto [reg, step] : stepB(d))
            e.addi(reg, step);
      });
      if (rem != full) {
        inner[idx(d)] = rem;
        emitB(pos + 1, inner);
      }
      int64_t advanced = rem != full ? trips - 1 : trips;
      if (trips > 1)
        for (auto [reg, step] : stepB(d))
          e.addi(reg, -advanced * step);
    }
    if (outHere)
      epilogue(ext);
  };

  DimTuple ext;
  for (unsigned d = 0; d < kNumDims; ++d)
    ext[d] = tripsB[d] == 1 ? m.n[d] : m.b[d];
  emitB(0, ext);
  return err;
}
