//===- LayerLowering.cpp - A mapped layer as ISA code ---------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/LayerLowering.h"
#include "Emitter.h"
#include "rapid/Backend/MemoryPlan.h"
#include "rapid/Numerics/Quantize.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstring>
#include <functional>

using namespace rapid;
using namespace rapid::backend;
using namespace rapid::backend::detail;

static constexpr unsigned idx(Dim d) { return unsigned(d); }
static constexpr unsigned idx(TileDim d) { return unsigned(d); }
static constexpr unsigned idx(DataStructure ds) { return unsigned(ds); }

constexpr TileDim kAllDims[] = {TileDim::In, TileDim::Out, TileDim::Oy,
                                TileDim::Ox, TileDim::Mb,  TileDim::Ky,
                                TileDim::Kx};

/// The workload dimension a tile dimension belongs to.
static Dim workloadDim(TileDim d) {
  switch (d) {
  case TileDim::In:
    return Dim::In;
  case TileDim::Out:
    return Dim::Out;
  case TileDim::Oy:
  case TileDim::Ox:
    return Dim::Ij;
  case TileDim::Mb:
    return Dim::Mb;
  case TileDim::Ky:
  case TileDim::Kx:
    return Dim::Kij;
  }
  llvm_unreachable("tile dimension");
}

static bool indexes(const MappedLayer &l, DataStructure ds, TileDim d) {
  return l.workload.indexes(ds, workloadDim(d));
}

//===----------------------------------------------------------------------===//
// Tiles
//===----------------------------------------------------------------------===//

TileTuple rapid::backend::tileOf(const MappedLayer &l, llvm::StringRef level) {
  const Mapping &m = l.mapping;
  if (level == "B'") {
    TileTuple b = tileOf(l, "B"), t = tileOf(l, "T"), out;
    for (unsigned d = 0; d < kTileDims; ++d)
      out[d] = ceilDiv(b[d], t[d]) * t[d];
    return out;
  }
  const DimTuple &x = level == "N" ? m.n : level == "B" ? m.b : m.t;
  int64_t outW = l.out.shape[3], kernelW = l.window.kernelW;
  // A tile of t consecutive pixels (taps) as a rectangle: whole rows when it
  // spans a row, else part of one row (Workload's halo footprint).
  auto rect = [](int64_t t, int64_t width) {
    return t >= width ? std::pair<int64_t, int64_t>{ceilDiv(t, width), width}
                      : std::pair<int64_t, int64_t>{1, t};
  };
  TileTuple out;
  out[idx(TileDim::In)] = x[idx(Dim::In)];
  out[idx(TileDim::Out)] = x[idx(Dim::Out)];
  out[idx(TileDim::Mb)] = x[idx(Dim::Mb)];
  std::tie(out[idx(TileDim::Oy)], out[idx(TileDim::Ox)]) =
      rect(x[idx(Dim::Ij)], outW);
  std::tie(out[idx(TileDim::Ky)], out[idx(TileDim::Kx)]) =
      rect(x[idx(Dim::Kij)], kernelW);
  return out;
}

std::string rapid::backend::checkLayer(const MappedLayer &l) {
  const Workload &w = l.workload;
  const Mapping &m = l.mapping;
  const Window &win = l.window;
  std::string at = "layer '" + l.name + "': ";
  if (w.kernel != Kernel::FWD)
    return at + "only inference (forward) layers are lowered so far";
  int64_t outs = w.dims[idx(Dim::Out)];
  if (l.depthwise ? (w.dims[idx(Dim::In)] != 1 || w.outPerGroup != 1)
                  : w.outPerGroup != outs)
    return at + "grouped convolutions are lowered only as depthwise ones "
                "(one output channel per input channel)";
  auto [n, c, h, wd] = l.inp.shape;
  auto [on, oc, oh, ow] = l.out.shape;
  if (on != w.dims[idx(Dim::Mb)] || oc != outs ||
      oh * ow != w.dims[idx(Dim::Ij)] || n != on ||
      c != (l.depthwise ? outs : w.dims[idx(Dim::In)]) ||
      win.kernelH * win.kernelW != w.dims[idx(Dim::Kij)])
    return at + "the tensors' shapes do not match the workload";
  if ((oh - 1) * win.strideH + (win.kernelH - 1) * win.dilationH + 1 > h ||
      (ow - 1) * win.strideW + (win.kernelW - 1) * win.dilationW + 1 > wd)
    return at + "the window reads beyond the (padded) input";
  for (unsigned d = 0; d < kNumDims; ++d) {
    if (m.n[d] != w.dims[d])
      return at + "the mapping's N is not the layer's workload (one core "
                  "runs the whole layer)";
    if (m.p[d] < 1 || m.p[d] > m.t[d] || m.t[d] > m.b[d] || m.b[d] > m.n[d])
      return at + "the mapping's tiles do not nest (P <= T <= B <= N)";
  }
  for (Precision p : {m.precision.acc, l.out.precision})
    if (storageBits(p) % 8 || p >= Precision::INT8)
      return at + "precision " + stringify(p).str() +
             " for sums or outputs is not lowered (fp32, fp16, hfp8)";
  bool integer =
      m.precision.inp >= Precision::INT8 || m.precision.ker >= Precision::INT8;
  if (integer &&
      (m.precision.inp < Precision::INT8 || m.precision.ker < Precision::INT8))
    return at + "mixes an integer and a float operand (" +
           stringify(m.precision.inp).str() + " x " +
           stringify(m.precision.ker).str() + ")";
  if (integer && m.precision.acc != Precision::FP32)
    return at +
           "integer operands accumulate in fp32 (exact up to 2^24), "
           "not " +
           stringify(m.precision.acc).str();
  if (!integer && l.epilogue.scale != 1)
    return at + "a scale for float operands";
  if (l.inp.elementOffset && !numerics::isPacked(l.inp.precision))
    return at + "an element offset into a whole-byte input";
  if (l.inp.precision != m.precision.inp)
    return at + "the input is stored in " + stringify(l.inp.precision).str() +
           " but the mapping reads " + stringify(m.precision.inp).str();
  if (m.precision.acc != Precision::FP32 && m.precision.acc != Precision::FP16)
    return at + "accumulation in " + stringify(m.precision.acc).str() +
           " is not lowered yet (fp32, fp16)";
  return {};
}

//===----------------------------------------------------------------------===//
// Layouts
//===----------------------------------------------------------------------===//

namespace {
/// Element strides of a compact layout over `extent`, the dimensions of
/// `order` innermost first.
TileTuple compact(const TileTuple &extent,
                  std::initializer_list<TileDim> order) {
  TileTuple s{};
  int64_t stride = 1;
  for (TileDim d : order) {
    s[idx(d)] = stride;
    stride *= extent[idx(d)];
  }
  return s;
}

/// An input patch: the rows and columns the windows of a tile of output
/// pixels read, for its channels and images.
struct Patch {
  int64_t rows, cols, channels, images;
  static Patch of(const MappedLayer &l, const TileTuple &e) {
    const Window &w = l.window;
    return {(e[idx(TileDim::Oy)] - 1) * w.strideH +
                (e[idx(TileDim::Ky)] - 1) * w.dilationH + 1,
            (e[idx(TileDim::Ox)] - 1) * w.strideW +
                (e[idx(TileDim::Kx)] - 1) * w.dilationW + 1,
            l.depthwise ? e[idx(TileDim::Out)] : e[idx(TileDim::In)],
            e[idx(TileDim::Mb)]};
  }
  int64_t elements() const { return rows * cols * channels * images; }
  /// Element strides per tile dimension of a patch stored with rows of
  /// `pitch` elements and `rowsPerChannel` rows per channel, `channelsPer
  /// Image` channels per image.
  static TileTuple strides(const MappedLayer &l, int64_t pitch,
                           int64_t rowsPerChannel, int64_t channelsPerImage) {
    const Window &w = l.window;
    int64_t channel = pitch * rowsPerChannel;
    TileTuple s{};
    s[idx(TileDim::In)] = l.depthwise ? 0 : channel;
    s[idx(TileDim::Out)] = l.depthwise ? channel : 0;
    s[idx(TileDim::Oy)] = w.strideH * pitch;
    s[idx(TileDim::Ox)] = w.strideW;
    s[idx(TileDim::Mb)] = channel * channelsPerImage;
    s[idx(TileDim::Ky)] = w.dilationH * pitch;
    s[idx(TileDim::Kx)] = w.dilationW;
    return s;
  }
};

/// The on-chip layouts (element strides per tile dimension) of the three
/// operands over a tile `e`.
struct Layouts {
  TileTuple inp, ker, out;
  static Layouts of(const MappedLayer &l, const TileTuple &e) {
    Patch p = Patch::of(l, e);
    return {Patch::strides(l, p.cols, p.rows, p.channels),
            compact(e, {TileDim::Kx, TileDim::Ky, TileDim::In, TileDim::Out}),
            compact(e, {TileDim::Ox, TileDim::Oy, TileDim::Out, TileDim::Mb})};
  }
};

int64_t elements(const MappedLayer &l, DataStructure ds, const TileTuple &e) {
  if (ds == DataStructure::Inp)
    return Patch::of(l, e).elements();
  int64_t n = 1;
  for (TileDim d : kAllDims)
    if (indexes(l, ds, d))
      n *= e[idx(d)];
  return n;
}

/// The loop order of a stage over the tile dimensions: ij as (oy, ox) and
/// kij as (ky, kx) where the mapping has them.
std::array<TileDim, kTileDims> expand(const LoopOrder &order) {
  std::array<TileDim, kTileDims> out;
  unsigned n = 0;
  for (Dim d : order) {
    switch (d) {
    case Dim::In:
      out[n++] = TileDim::In;
      break;
    case Dim::Out:
      out[n++] = TileDim::Out;
      break;
    case Dim::Ij:
      out[n++] = TileDim::Oy;
      out[n++] = TileDim::Ox;
      break;
    case Dim::Mb:
      out[n++] = TileDim::Mb;
      break;
    case Dim::Kij:
      out[n++] = TileDim::Ky;
      out[n++] = TileDim::Kx;
      break;
    }
  }
  return out;
}

/// The innermost loop (position) of more than one trip that indexes each
/// data structure, or -1 (rapid::transferLocations' rule).
std::array<int, kNumDataStructures>
lastIndexing(const MappedLayer &l, const std::array<TileDim, kTileDims> &order,
             const TileTuple &trips) {
  std::array<int, kNumDataStructures> last = {-1, -1, -1};
  for (unsigned pos = 0; pos < kTileDims; ++pos) {
    if (trips[idx(order[pos])] == 1)
      continue;
    for (unsigned ds = 0; ds < kNumDataStructures; ++ds)
      if (indexes(l, DataStructure(ds), order[pos]))
        last[ds] = int(pos);
  }
  return last;
}
} // namespace

Buffers rapid::backend::planBuffers(const MappedLayer &l, uint64_t lxBase,
                                    uint64_t l0Base) {
  const Mapping &m = l.mapping;
  TileTuple bp = tileOf(l, "B'"), t = tileOf(l, "T");
  Buffers b;
  uint64_t at = lxBase;
  auto take = [&](uint64_t &slot, int64_t bytes) {
    slot = at;
    at = alignUp(at + uint64_t(bytes));
  };
  int64_t accBytes = bytesOf(m.precision.acc);
  take(b.inpB, bytesFor(elements(l, DataStructure::Inp, bp), m.precision.inp));
  take(b.kerB, bytesFor(elements(l, DataStructure::Ker, bp), m.precision.ker));
  take(b.outB, elements(l, DataStructure::Outp, bp) * accBytes);
  take(b.biasB, l.epilogue.bias ? bp[idx(TileDim::Out)] * accBytes : 0);
  take(b.finalB,
       elements(l, DataStructure::Outp, bp) * bytesOf(l.out.precision));
  b.lxEnd = at;
  take(b.inpB2, bytesFor(elements(l, DataStructure::Inp, bp), m.precision.inp));
  take(b.kerB2, bytesFor(elements(l, DataStructure::Ker, bp), m.precision.ker));
  b.lxEnd2 = at;
  at = l0Base;
  take(b.inpT, bytesFor(elements(l, DataStructure::Inp, t), m.precision.inp));
  take(b.kerT, bytesFor(elements(l, DataStructure::Ker, t), m.precision.ker));
  take(b.outT, elements(l, DataStructure::Outp, t) * accBytes);
  take(b.inpT2, bytesFor(elements(l, DataStructure::Inp, t), m.precision.inp));
  take(b.kerT2, bytesFor(elements(l, DataStructure::Ker, t), m.precision.ker));
  b.l0End = at;
  take(b.outT2, elements(l, DataStructure::Outp, t) * accBytes);
  b.l0End2 = at;
  return b;
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

namespace {
/// The packed weight tiles: B tiles over (out, in, ky, kx) in that order,
/// each [B'out][B'in][B'ky][B'kx].
struct KerTiles {
  TileTuple n, b, bp, tiles;
  int64_t tileElements;
  explicit KerTiles(const MappedLayer &l)
      : n(tileOf(l, "N")), b(tileOf(l, "B")), bp(tileOf(l, "B'")) {
    for (unsigned d = 0; d < kTileDims; ++d)
      tiles[d] = ceilDiv(n[d], b[d]);
    tileElements = bp[idx(TileDim::Out)] * bp[idx(TileDim::In)] *
                   bp[idx(TileDim::Ky)] * bp[idx(TileDim::Kx)];
  }
  /// Tiles between consecutive tiles along `d` (0 for dims not indexing
  /// the weights).
  int64_t tileStride(TileDim d) const {
    int64_t kx = 1, ky = tiles[idx(TileDim::Kx)],
            in = ky * tiles[idx(TileDim::Ky)],
            out = in * tiles[idx(TileDim::In)];
    switch (d) {
    case TileDim::Kx:
      return kx;
    case TileDim::Ky:
      return ky;
    case TileDim::In:
      return in;
    case TileDim::Out:
      return out;
    default:
      return 0;
    }
  }
  int64_t count() const {
    return tiles[idx(TileDim::Out)] * tiles[idx(TileDim::In)] *
           tiles[idx(TileDim::Ky)] * tiles[idx(TileDim::Kx)];
  }
};
} // namespace

std::vector<uint8_t> rapid::backend::packWeights(const MappedLayer &l,
                                                 llvm::ArrayRef<float> w) {
  KerTiles k(l);
  const Mapping &m = l.mapping;
  Precision p = m.precision.ker;
  int64_t outs = k.n[idx(TileDim::Out)], ins = k.n[idx(TileDim::In)],
          kh = k.n[idx(TileDim::Ky)], kw = k.n[idx(TileDim::Kx)];
  std::vector<uint8_t> bytes(size_t(bytesFor(k.count() * k.tileElements, p)),
                             0);
  TileTuple lay =
      compact(k.bp, {TileDim::Kx, TileDim::Ky, TileDim::In, TileDim::Out});
  for (int64_t o = 0; o < outs; ++o)
    for (int64_t i = 0; i < ins; ++i)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) {
          TileTuple at{};
          at[idx(TileDim::Out)] = o;
          at[idx(TileDim::In)] = i;
          at[idx(TileDim::Ky)] = y;
          at[idx(TileDim::Kx)] = x;
          int64_t tile = 0, within = 0;
          for (TileDim d :
               {TileDim::Out, TileDim::In, TileDim::Ky, TileDim::Kx}) {
            tile += at[idx(d)] / k.b[idx(d)] * k.tileStride(d);
            within += at[idx(d)] % k.b[idx(d)] * lay[idx(d)];
          }
          numerics::storeAt(w[size_t(((o * ins + i) * kh + y) * kw + x)], p,
                            bytes.data(),
                            uint64_t(tile * k.tileElements + within));
        }
  return bytes;
}

std::optional<CompressWeights>
rapid::backend::parseCompressWeights(llvm::StringRef mode) {
  if (mode == "auto")
    return CompressWeights::Auto;
  if (mode == "never")
    return CompressWeights::Never;
  if (mode == "always")
    return CompressWeights::Always;
  return std::nullopt;
}

std::vector<uint8_t> rapid::backend::compressRun(llvm::ArrayRef<uint8_t> dense,
                                                 int64_t first, int64_t count,
                                                 int64_t bits) {
  int64_t mapBytes = (count + 7) / 8;
  std::vector<uint8_t> run(size_t(mapBytes), 0);
  int64_t nonZero = 0;
  for (int64_t k = 0; k < count; ++k) {
    if (bits % 8 == 0) {
      int64_t eb = bits / 8;
      const uint8_t *e = &dense[size_t((first + k) * eb)];
      if (std::all_of(e, e + eb, [](uint8_t x) { return x == 0; }))
        continue;
      run.insert(run.end(), e, e + eb);
    } else {
      uint8_t mask = uint8_t((1u << bits) - 1);
      int64_t bit = (first + k) * bits;
      uint8_t v = uint8_t((dense[size_t(bit / 8)] >> (bit % 8)) & mask);
      if (!v)
        continue;
      int64_t to = mapBytes * 8 + nonZero * bits;
      if (run.size() <= size_t(to / 8))
        run.push_back(0);
      run[size_t(to / 8)] |= uint8_t(v << (to % 8));
    }
    run[size_t(k / 8)] |= uint8_t(1u << (k % 8));
    ++nonZero;
  }
  return run;
}

std::optional<CompressedWeights> rapid::backend::compressWeights(
    const MappedLayer &l, llvm::ArrayRef<uint8_t> dense, CompressWeights mode) {
  if (mode == CompressWeights::Never)
    return std::nullopt;
  KerTiles k(l);
  Precision p = l.mapping.precision.ker;
  int64_t bits = storageBits(p);
  CompressedWeights c;
  c.tiles = k.count();
  c.denseTileBytes = bytesFor(k.tileElements, p);
  std::vector<std::vector<uint8_t>> runs;
  for (int64_t t = 0; t < c.tiles; ++t) {
    runs.push_back(
        compressRun(dense, t * k.tileElements, k.tileElements, bits));
    c.slotBytes = std::max(c.slotBytes, int64_t(runs.back().size()));
  }
  auto zeroAt = [&](llvm::ArrayRef<uint8_t> bytes, int64_t e) {
    if (bits % 8)
      return ((bytes[size_t(e * bits / 8)] >> (e * bits % 8)) &
              ((1 << bits) - 1)) == 0;
    for (int64_t b = 0; b < bits / 8; ++b)
      if (bytes[size_t(e * bits / 8 + b)])
        return false;
    return true;
  };
  bool pays = c.slotBytes <= c.denseTileBytes;
  if (pays && mode == CompressWeights::Auto) {
    // Only the layer's own zero weights pay: the tiles' padding (zeros
    // past the layer's extents, where a mapping's B' tile is larger)
    // counts as non-zero, so that dense weights stay dense.
    int64_t weights = 1;
    for (TileDim d : {TileDim::Out, TileDim::In, TileDim::Ky, TileDim::Kx})
      weights *= k.n[idx(d)];
    std::vector<float> ones(size_t(weights), 1.0f);
    std::vector<uint8_t> real = packWeights(l, ones);
    int64_t worst = 0;
    for (int64_t t = 0; t < c.tiles; ++t) {
      int64_t kept = 0;
      for (int64_t e = t * k.tileElements; e < (t + 1) * k.tileElements; ++e)
        kept += zeroAt(real, e) || !zeroAt(dense, e);
      worst = std::max(worst, (k.tileElements + 7) / 8 + bytesFor(kept, p));
    }
    pays = 4 * worst <= 3 * c.denseTileBytes;
  }
  if (!pays)
    return std::nullopt;
  c.bytes.assign(size_t(c.tiles * c.slotBytes), 0);
  for (int64_t t = 0; t < c.tiles; ++t)
    std::copy(runs[size_t(t)].begin(), runs[size_t(t)].end(),
              c.bytes.begin() + t * c.slotBytes);
  return c;
}

std::vector<uint8_t> rapid::backend::packBias(const MappedLayer &l,
                                              llvm::ArrayRef<float> b) {
  TileTuple n = tileOf(l, "N"), bt = tileOf(l, "B"), bp = tileOf(l, "B'");
  int64_t out = n[idx(TileDim::Out)], bOut = bt[idx(TileDim::Out)],
          pOut = bp[idx(TileDim::Out)];
  int64_t tiles = ceilDiv(out, bOut);
  Precision acc = l.mapping.precision.acc;
  int64_t eb = bytesOf(acc);
  std::vector<uint8_t> bytes(size_t(tiles * pOut * eb), 0);
  for (int64_t o = 0; o < out; ++o)
    numerics::storeElement(b[size_t(o)], acc,
                           &bytes[size_t((o / bOut * pOut + o % bOut) * eb)]);
  return bytes;
}

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

namespace {
/// The block of tile extent `e` of a data structure between two layouts
/// (element strides per tile dimension); the input moves its patch.
Block blockOf(const MappedLayer &l, DataStructure ds, const TileTuple &e,
              const TileTuple &src, const TileTuple &dst) {
  Block b;
  if (ds == DataStructure::Inp) {
    // The patch: columns, rows, channels, images. A patch's row and column
    // steps are the strides of kx and ky over one dilation.
    const Window &w = l.window;
    Patch p = Patch::of(l, e);
    TileDim channel = l.depthwise ? TileDim::Out : TileDim::In;
    b.add(p.cols, src[idx(TileDim::Kx)] / w.dilationW,
          dst[idx(TileDim::Kx)] / w.dilationW);
    b.add(p.rows, src[idx(TileDim::Ky)] / w.dilationH,
          dst[idx(TileDim::Ky)] / w.dilationH);
    b.add(p.channels, src[idx(channel)], dst[idx(channel)]);
    b.add(p.images, src[idx(TileDim::Mb)], dst[idx(TileDim::Mb)]);
    return b;
  }
  for (TileDim d : kAllDims)
    if (indexes(l, ds, d))
      b.add(e[idx(d)], src[idx(d)], dst[idx(d)]);
  return b;
}
} // namespace

void rapid::backend::beginProgram(isa::CoreProgram &core) {
  Emitter e(core);
  e.seti(kZeroReg, 0);
}

void rapid::backend::endProgram(isa::CoreProgram &core) {
  Emitter e(core);
  e.emit(Opcode::Halt);
}

llvm::Error rapid::backend::lowerLayer(const MappedLayer &l,
                                       const CoreModel &coreModel,
                                       uint64_t zeroAddress, uint64_t lxBase,
                                       uint64_t l0Base,
                                       isa::CoreProgram &core) {
  auto fail = [&](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  if (std::string why = checkLayer(l); !why.empty())
    return fail(why);
  const Mapping &m = l.mapping;
  const PrecisionConfig &pc = m.precision;
  Buffers buf = planBuffers(l, lxBase, l0Base);
  if (buf.lxEnd > uint64_t(coreModel.lxBytes))
    return fail(llvm::formatv("layer '{0}': its Lx buffers need {1} bytes "
                              "(from {2}) but the core has {3}",
                              l.name, buf.lxEnd - lxBase, lxBase,
                              coreModel.lxBytes));
  // The second L0 buffers (double buffering) come last: without room for
  // them the T stage runs single-buffered.
  bool roomForTwo = buf.l0End <= uint64_t(coreModel.l0Bytes);
  if (buf.inpT2 > uint64_t(coreModel.l0Bytes))
    return fail(llvm::formatv("layer '{0}': its L0 buffers need {1} bytes "
                              "(from {2}) but the core has {3}",
                              l.name, buf.inpT2 - l0Base, l0Base,
                              coreModel.l0Bytes));

  TileTuple n = tileOf(l, "N"), b = tileOf(l, "B"), t = tileOf(l, "T"),
            bp = tileOf(l, "B'");
  TileTuple tripsB, tripsT;
  for (unsigned d = 0; d < kTileDims; ++d) {
    tripsB[d] = ceilDiv(n[d], b[d]);
    tripsT[d] = bp[d] / t[d];
  }
  auto orderB = expand(m.order[unsigned(LoopStage::B)]);
  auto orderT = expand(m.order[unsigned(LoopStage::T)]);
  auto lastB = lastIndexing(l, orderB, tripsB);
  auto lastT = lastIndexing(l, orderT, tripsT);
  constexpr unsigned kInp = idx(DataStructure::Inp),
                     kKer = idx(DataStructure::Ker),
                     kOut = idx(DataStructure::Outp);
  // An output B tile revisited by a reduction loop would hold partial sums
  // in external memory between visits.
  {
    int64_t changes = 1, distinct = 1;
    for (int pos = 0; pos <= lastB[kOut]; ++pos)
      changes *= tripsB[idx(orderB[pos])];
    for (TileDim d : kAllDims)
      if (indexes(l, DataStructure::Outp, d))
        distinct *= tripsB[idx(d)];
    if (changes > distinct)
      return fail("layer '" + l.name +
                  "': its mapping revisits output B tiles (a reduction loop "
                  "outside an output loop at the B stage); partial sums in "
                  "external memory are not lowered yet");
  }

  Layouts lx = Layouts::of(l, bp), l0 = Layouts::of(l, t);
  // Element strides per tile dimension in external memory.
  auto [sN, sC, sH, sW] = l.inp.elementStrides();
  const Window &win = l.window;
  TileTuple extInp{};
  extInp[idx(TileDim::In)] = l.depthwise ? 0 : sC;
  extInp[idx(TileDim::Out)] = l.depthwise ? sC : 0;
  extInp[idx(TileDim::Oy)] = win.strideH * sH;
  extInp[idx(TileDim::Ox)] = win.strideW * sW;
  extInp[idx(TileDim::Mb)] = sN;
  extInp[idx(TileDim::Ky)] = win.dilationH * sH;
  extInp[idx(TileDim::Kx)] = win.dilationW * sW;
  auto [oN, oC, oH, oW] = l.out.elementStrides();
  TileTuple extOut{};
  extOut[idx(TileDim::Out)] = oC;
  extOut[idx(TileDim::Oy)] = oH;
  extOut[idx(TileDim::Ox)] = oW;
  extOut[idx(TileDim::Mb)] = oN;
  // Address units per element (bytes; elements for the packed precisions).
  int64_t inpBytes = unitsOf(pc.inp), kerBytes = unitsOf(pc.ker),
          accBytes = bytesOf(pc.acc), outBytes = bytesOf(l.out.precision);
  auto inpAt = [&](uint64_t byteAddress) {
    return addressOf(byteAddress, pc.inp);
  };
  auto kerAt = [&](uint64_t byteAddress) {
    return addressOf(byteAddress, pc.ker);
  };
  int64_t outElems = elements(l, DataStructure::Outp, bp);
  KerTiles kt(l);

  Emitter e(core);
  e.seti(kInpExt, inpAt(l.inp.address) + l.inp.elementOffset);
  e.seti(kKerExt, kerAt(l.kerAddress));
  e.seti(kOutExt, int64_t(l.out.address));
  if (l.epilogue.bias)
    e.seti(kBiasExt, int64_t(l.biasAddress));
  e.seti(kInpL0, inpAt(buf.inpT));
  e.seti(kKerL0, kerAt(buf.kerT));
  e.seti(kOutL0, int64_t(buf.outT));
  e.seti(kFillSrc, int64_t(zeroAddress));
  e.activationScalars(l.epilogue.act, l.epilogue.lo, l.epilogue.hi);
  if (l.epilogue.scale != 1)
    e.setf(kScaleF, l.epilogue.scale);

  // A weight B tile's step in external memory: a dense tile, or a slot of
  // compressed ones (address units: elements for the packed precisions).
  int64_t kerTileUnits = l.kerSlotBytes ? kerAt(uint64_t(l.kerSlotBytes))
                                        : kt.tileElements * kerBytes;
  // The byte step of each register per loop iteration along `d`.
  using Steps = std::array<std::pair<int64_t, int64_t>, 4>;
  auto stepB = [&](TileDim d) -> Steps {
    unsigned i = idx(d);
    return {{{kInpExt, b[i] * extInp[i] * inpBytes},
             {kKerExt, kt.tileStride(d) * kerTileUnits},
             {kOutExt, b[i] * extOut[i] * outBytes},
             {kBiasExt,
              l.epilogue.bias && d == TileDim::Out ? bp[i] * accBytes : 0}}};
  };
  auto stepT = [&](TileDim d) -> Steps {
    unsigned i = idx(d);
    return {
        {{kInpLx, t[i] * lx.inp[i] * inpBytes},
         {kKerLx,
          indexes(l, DataStructure::Ker, d) ? t[i] * lx.ker[i] * kerBytes : 0},
         {kOutLx,
          indexes(l, DataStructure::Outp, d) ? t[i] * lx.out[i] * accBytes : 0},
         {kZeroReg, 0}}};
  };
  auto dma = [&](isa::DmaPath path, const Block &blk, Precision p, int64_t dst,
                 int64_t src) { e.dma(path, blk.descriptor(p), dst, src); };
  std::string tooManyDims;
  auto checkRank = [&](const Block &blk, const char *what) {
    if (blk.descriptor(Precision::FP32).dims.size() > isa::kMaxDmaRank &&
        tooManyDims.empty())
      tooManyDims = "layer '" + l.name + "': " + what +
                    " needs more than 4 strided dimensions";
  };

  // Double buffering at the T stage: the loop `dbLoop` whose body loads
  // the input and/or weight T tiles alternates two L0 buffers for them.
  // While the PE array works on one buffer's tiles the DMA fills the other:
  // the instruction unit waits only for the loads of the tile it is about
  // to compute, and before refilling a buffer for the macs of the tiles two
  // iterations back (counted on kMacDone, primed with two iterations'
  // worth). Only when the output T tile stays put across that loop (its
  // read-back and write-back wait for every mac).
  //
  // When the output T tile changes at that loop too (a tile per iteration,
  // e.g. a 1x1 convolution's pixels), it alternates two L0 buffers as well:
  // each mac signals kStore, on which the write-back of its tile waits (an
  // engine-level wait, so the instruction unit goes on), and the write-back
  // frees the buffers (kMacDone).
  //
  // Output T tiles whose sums start and end within one visit (every
  // reduction loop of more than one trip nested inside the loop that moves
  // the tile, none at the B stage) need no partial sums: the macs of the
  // first iteration of those reduction loops (emitted apart: `fresh`)
  // replace (accumulate = 0), and neither the Lx nor the L0 output tile is
  // zeroed or read first.
  bool outFresh = true;
  for (TileDim d : kAllDims)
    if (!indexes(l, DataStructure::Outp, d) && tripsB[idx(d)] > 1)
      outFresh = false;
  for (int pos = 0; pos <= lastT[kOut]; ++pos)
    if (!indexes(l, DataStructure::Outp, orderT[pos]) &&
        tripsT[idx(orderT[pos])] > 1)
      outFresh = false;
  bool fresh = false;
  auto isReduction = [&](TileDim d) {
    return !indexes(l, DataStructure::Outp, d);
  };
  int dbLoop = std::max(lastT[kInp], lastT[kKer]);
  bool dbInp = false, dbKer = false, dbOut = false;
  int64_t macsPerIteration = 1;
  if (roomForTwo && dbLoop >= 0 && lastT[kOut] <= dbLoop &&
      tripsT[idx(orderT[dbLoop])] >= 2 &&
      (lastT[kOut] < dbLoop || buf.l0End2 <= uint64_t(coreModel.l0Bytes))) {
    dbInp = lastT[kInp] == dbLoop;
    dbKer = lastT[kKer] == dbLoop;
    dbOut = lastT[kOut] == dbLoop;
    for (unsigned p = unsigned(dbLoop) + 1; p < kTileDims; ++p)
      macsPerIteration *= tripsT[idx(orderT[p])];
  } else {
    dbLoop = -1;
  }
  bool dbActive = false;

  // T stage: whole T tiles over the padded B tile.
  std::function<void(unsigned)> emitT = [&](unsigned pos) {
    if (lastT[kInp] + 1 == int(pos) && !(dbActive && dbInp)) {
      Block blk = blockOf(l, DataStructure::Inp, t, lx.inp, l0.inp);
      checkRank(blk, "the input T tile");
      dma(isa::DmaPath::LxToL0, blk, pc.inp, kInpL0, kInpLx);
    }
    if (lastT[kKer] + 1 == int(pos) && !(dbActive && dbKer))
      dma(isa::DmaPath::LxToL0,
          blockOf(l, DataStructure::Ker, t, lx.ker, l0.ker), pc.ker, kKerL0,
          kKerLx);
    // (With dbOut the double-buffered loop moves the output tiles.)
    bool outHere = lastT[kOut] + 1 == int(pos) && !(dbActive && dbOut);
    if (outHere && !outFresh)
      dma(isa::DmaPath::LxToL0,
          blockOf(l, DataStructure::Outp, t, lx.out, l0.out), pc.acc, kOutL0,
          kOutLx);
    if (lastT[kOut] + 1 == int(pos))
      fresh = outFresh;
    if (pos == kTileDims) {
      isa::TileDescriptor td;
      for (TileDim d : kAllDims) {
        unsigned i = idx(d);
        td.p[i] = uint32_t(t[i]);
        td.strides[0][i] = indexes(l, DataStructure::Inp, d) ||
                                   (l.depthwise && d == TileDim::Out)
                               ? int32_t(l0.inp[i])
                               : 0;
        td.strides[1][i] =
            indexes(l, DataStructure::Ker, d) ? int32_t(l0.ker[i]) : 0;
        td.strides[2][i] =
            indexes(l, DataStructure::Outp, d) ? int32_t(l0.out[i]) : 0;
      }
      e.emit(Opcode::Mac)
          .set("dataflow", int64_t(m.dataflow))
          .set("inp_prec", int64_t(pc.inp))
          .set("ker_prec", int64_t(pc.ker))
          .set("acc_prec", int64_t(pc.acc))
          .set("chunk", pc.chunk)
          .set("accumulate", fresh ? 0 : 1)
          .set("tile", e.tileDesc(td))
          .set("inp", kInpL0)
          .set("inp_off", 0)
          .set("ker", kKerL0)
          .set("ker_off", 0)
          .set("out", kOutL0)
          .set("out_off", 0)
          .set("wait", isa::kNoSemaphore)
          .set("signal", !dbActive ? kChain
                         : dbOut   ? kStore
                                   : kMacDone);
      if (!dbActive)
        e.complete();
    } else if (int(pos) == dbLoop) {
      TileDim d = orderT[pos];
      int64_t trips = tripsT[idx(d)];
      int64_t m2 = 2 * macsPerIteration;
      // The tiles' buffers are written outside the chain.
      e.fence();
      e.semSignal(kMacDone, m2);
      dbActive = true;
      auto copy = [&](int k) {
        e.semWait(kMacDone, macsPerIteration);
        int64_t loads = 0;
        e.signalling(kLoaded, [&] {
          if (dbInp) {
            e.seti(kInpL0, inpAt(k ? buf.inpT2 : buf.inpT));
            dma(isa::DmaPath::LxToL0,
                blockOf(l, DataStructure::Inp, t, lx.inp, l0.inp), pc.inp,
                kInpL0, kInpLx);
            ++loads;
          }
          if (dbKer) {
            e.seti(kKerL0, kerAt(k ? buf.kerT2 : buf.kerT));
            dma(isa::DmaPath::LxToL0,
                blockOf(l, DataStructure::Ker, t, lx.ker, l0.ker), pc.ker,
                kKerL0, kKerLx);
            ++loads;
          }
          if (dbOut) {
            e.seti(kOutL0, int64_t(k ? buf.outT2 : buf.outT));
            if (!outFresh) {
              dma(isa::DmaPath::LxToL0,
                  blockOf(l, DataStructure::Outp, t, lx.out, l0.out), pc.acc,
                  kOutL0, kOutLx);
              ++loads;
            }
          }
        });
        e.semWait(kLoaded, loads);
        emitT(pos + 1);
        if (dbOut)
          // The write-back waits for its mac, then frees the buffers.
          e.signalling(kMacDone, [&] {
            dma(isa::DmaPath::L0ToLx,
                blockOf(l, DataStructure::Outp, t, l0.out, lx.out), pc.acc,
                kOutLx, kOutL0);
            e.back().set("wait", kStore);
          });
        for (auto [reg, step] : stepT(d))
          e.addi(reg, step);
      };
      if (fresh && isReduction(d)) {
        // The first iteration apart (fresh sums), then the others from the
        // second buffers on.
        copy(0);
        fresh = false;
        e.repeat((trips - 1) / 2, [&] {
          copy(1);
          copy(0);
        });
        if ((trips - 1) % 2)
          copy(1);
        fresh = true;
      } else {
        e.repeat(trips / 2, [&] {
          copy(0);
          copy(1);
        });
        if (trips % 2)
          copy(0);
      }
      dbActive = false;
      e.semWait(kMacDone, m2);
      for (auto [reg, step] : stepT(d))
        e.addi(reg, -trips * step);
    } else {
      TileDim d = orderT[pos];
      int64_t trips = tripsT[idx(d)];
      auto body = [&] {
        emitT(pos + 1);
        if (trips > 1)
          for (auto [reg, step] : stepT(d))
            e.addi(reg, step);
      };
      if (fresh && trips > 1 && isReduction(d)) {
        // The first iteration apart (fresh sums).
        body();
        fresh = false;
        e.repeat(trips - 1, body);
        fresh = true;
      } else {
        e.repeat(trips, body);
      }
      if (trips > 1)
        for (auto [reg, step] : stepT(d))
          e.addi(reg, -trips * step);
    }
    if (outHere)
      dma(isa::DmaPath::L0ToLx,
          blockOf(l, DataStructure::Outp, t, l0.out, lx.out), pc.acc, kOutLx,
          kOutL0);
  };

  // The SFU work over `count` elements in pieces the count field holds.
  auto sfuAll = [&](int64_t count, const std::function<void(int64_t)> &op,
                    std::initializer_list<std::pair<int64_t, int64_t>> regs) {
    for (int64_t done = 0; done < count; done += kMaxSfuCount) {
      op(std::min(kMaxSfuCount, count - done));
      if (done + kMaxSfuCount < count)
        for (auto [reg, elemBytes] : regs)
          e.addi(reg, kMaxSfuCount * elemBytes);
    }
  };

  // The epilogue of a complete output B tile of real extent `ext`.
  auto epilogue = [&](const TileTuple &ext) {
    const Epilogue &ep = l.epilogue;
    int64_t pixels = bp[idx(TileDim::Oy)] * bp[idx(TileDim::Ox)],
            outs = bp[idx(TileDim::Out)], images = bp[idx(TileDim::Mb)];
    if (ep.scale != 1) {
      // Integer sums count steps of the two scales' product.
      e.seti(kEpA, int64_t(buf.outB));
      sfuAll(outElems,
             [&](int64_t count) {
               e.sfu(isa::SfuOperation::Mul, pc.acc, pc.acc, isa::BMode::Scalar,
                     count, kEpA, kEpA, kScaleF);
             },
             {{kEpA, accBytes}});
    }
    if (ep.bias) {
      e.seti(kEpA, int64_t(buf.outB));
      e.seti(kEpB, int64_t(buf.biasB));
      constexpr int64_t kMaxGroup = (int64_t(1) << 13) - 1;
      if (pixels > 1 && pixels <= kMaxGroup) {
        // Layout [mb][out][oy][ox]: bias element c for the pixels of
        // channel c (a grouped broadcast), as many channels per op as the
        // count field holds.
        int64_t perOp = std::min(outs, kMaxSfuCount / pixels);
        e.repeat(images, [&] {
          for (int64_t c = 0; c < outs; c += perOp) {
            int64_t k = std::min(perOp, outs - c);
            e.sfu(isa::SfuOperation::Add, pc.acc, pc.acc, isa::BMode::Broadcast,
                  k * pixels, kEpA, kEpA, kEpB, pixels);
            e.addi(kEpA, k * pixels * accBytes);
            e.addi(kEpB, k * accBytes);
          }
          e.addi(kEpB, -outs * accBytes);
        });
      } else if (pixels > 1) {
        // One bias element broadcast per channel.
        e.repeat(images, [&] {
          e.repeat(outs, [&] {
            e.sfu(isa::SfuOperation::Add, pc.acc, pc.acc, isa::BMode::Broadcast,
                  pixels, kEpA, kEpA, kEpB);
            e.addi(kEpA, pixels * accBytes);
            e.addi(kEpB, accBytes);
          });
          e.addi(kEpB, -outs * accBytes);
        });
      } else {
        e.repeat(images, [&] {
          e.sfu(isa::SfuOperation::Add, pc.acc, pc.acc, isa::BMode::Vector,
                outs, kEpA, kEpA, kEpB);
          e.addi(kEpA, outs * accBytes);
        });
      }
    }
    if (ep.act != Epilogue::Act::None) {
      e.seti(kEpA, int64_t(buf.outB));
      sfuAll(outElems,
             [&](int64_t count) {
               e.activation(ep.act, pc.acc, pc.acc, count, kEpA, kEpA);
             },
             {{kEpA, accBytes}});
    }
    e.seti(kEpA, int64_t(buf.finalB));
    e.seti(kEpB, int64_t(buf.outB));
    sfuAll(outElems,
           [&](int64_t count) {
             e.sfu(isa::SfuOperation::Mov, pc.acc, l.out.precision,
                   isa::BMode::Vector, count, kEpA, kEpB, kZeroReg);
           },
           {{kEpA, outBytes}, {kEpB, accBytes}});
    e.seti(kEpA, int64_t(buf.finalB));
    dma(isa::DmaPath::LxToExt,
        blockOf(l, DataStructure::Outp, ext, lx.out, extOut), l.out.precision,
        kOutExt, kEpA);
  };

  // Double buffering at the B stage: the loop `dbB` whose body loads the
  // input and/or weight B tiles prefetches the next iteration's tiles into
  // the second Lx buffers (on the external DMA engine, signalling kBLoaded)
  // while the T stage works on the current ones; each iteration waits only
  // for its own tiles. The iterations alternate the buffers (the loop
  // unrolled by two); the last one prefetches nothing. Without Lx room for
  // the second buffers the B stage runs single-buffered.
  int dbB = std::max(lastB[kInp], lastB[kKer]);
  if (buf.lxEnd2 > uint64_t(coreModel.lxBytes))
    dbB = -1;
  // The prefetch addresses its sources one step on with a 32-bit addi.
  if (dbB >= 0) {
    Steps steps = stepB(orderB[dbB]);
    if (steps[0].second < INT32_MIN || steps[0].second > INT32_MAX ||
        steps[1].second < INT32_MIN || steps[1].second > INT32_MAX)
      dbB = -1;
  }
  bool dbBInp = dbB >= 0 && lastB[kInp] == dbB;
  bool dbBKer = dbB >= 0 && lastB[kKer] == dbB;
  // The B tiles the T stage reads, and while an iteration of loop dbB is
  // emitted, the next iteration's extents (none: the last) and buffers.
  uint64_t curInpB = buf.inpB, curKerB = buf.kerB;
  uint64_t nextInpB = buf.inpB2, nextKerB = buf.kerB2;
  std::optional<TileTuple> prefetchExt;
  int64_t prefetchInpStep = 0, prefetchKerStep = 0;

  // The loads of an input B tile of extent `ext` into Lx at `lxAddr` from
  // the external address in `srcReg`; how many DMAs they take.
  auto loadInp = [&](const TileTuple &ext, uint64_t lxAddr, int64_t srcReg) {
    Block blk = blockOf(l, DataStructure::Inp, ext, extInp, lx.inp);
    checkRank(blk, "the input B tile");
    e.seti(kEpA, inpAt(lxAddr));
    int loads = 1;
    // A patch smaller than the padded tile's leaves Lx bytes the T stage
    // reads (against zero weights, in reduced dimensions): zero them, as
    // stale bytes may hold infinities or NaNs.
    Patch real = Patch::of(l, ext), padded = Patch::of(l, bp);
    if (real.rows != padded.rows || real.cols != padded.cols ||
        real.channels != padded.channels || real.images != padded.images) {
      isa::DmaDescriptor fill;
      fill.elementBits = unsigned(storageBits(pc.inp));
      fill.dims.push_back({uint32_t(padded.elements()), 0, inpBytes});
      if (numerics::isPacked(pc.inp)) {
        // The zero word as packed elements.
        e.seti(kEpC, inpAt(zeroAddress));
        e.dma(isa::DmaPath::ExtToLx, fill, kEpA, kEpC);
      } else {
        e.dma(isa::DmaPath::ExtToLx, fill, kEpA, kFillSrc);
      }
      ++loads;
    }
    dma(isa::DmaPath::ExtToLx, blk, pc.inp, kEpA, srcReg);
    return loads;
  };
  auto loadKer = [&](uint64_t lxAddr, int64_t srcReg) {
    Block blk;
    blk.add(kt.tileElements, 1, 1);
    e.seti(kEpA, kerAt(lxAddr));
    if (l.kerSlotBytes) {
      // A compressed tile: the run expanded into the dense Lx tile.
      isa::DmaDescriptor unpack;
      unpack.elementBits = unsigned(storageBits(pc.ker));
      unpack.dims.push_back({uint32_t(kt.tileElements), 0, kerBytes});
      e.dma(isa::DmaPath::ExtToLxUnpack, unpack, kEpA, srcReg);
      return 1;
    }
    dma(isa::DmaPath::ExtToLx, blk, pc.ker, kEpA, srcReg);
    return 1;
  };
  // a <- b + imm.
  auto offset = [&](int64_t a, int64_t b, int64_t imm) {
    e.emit(Opcode::AddI).set("a", a).set("b", b).set("imm", imm);
  };

  // B stage: loops over the real extents, the last tile of a dimension
  // B does not divide emitted apart.
  std::function<void(unsigned, TileTuple)> emitB = [&](unsigned pos,
                                                       TileTuple ext) {
    if (lastB[kInp] + 1 == int(pos) && !dbBInp)
      loadInp(ext, buf.inpB, kInpExt);
    if (lastB[kKer] + 1 == int(pos) && !dbBKer)
      loadKer(buf.kerB, kKerExt);
    bool prefetchHere = dbB >= 0 && dbB + 1 == int(pos);
    if (prefetchHere) {
      // This iteration's tiles, prefetched by the previous one (or the
      // loop's prologue).
      int64_t loads = 0;
      if (dbBInp) {
        Patch real = Patch::of(l, ext), padded = Patch::of(l, bp);
        loads += 1 + (real.rows != padded.rows || real.cols != padded.cols ||
                      real.channels != padded.channels ||
                      real.images != padded.images);
      }
      loads += dbBKer;
      e.semWait(kBLoaded, loads);
    }
    bool outHere = lastB[kOut] + 1 == int(pos);
    if (outHere) {
      // Partial sums start at zero: fill from the zero word.
      isa::DmaDescriptor fill;
      fill.elementBits = unsigned(storageBits(pc.acc));
      fill.dims.push_back({uint32_t(outElems), 0, accBytes});
      if (!outFresh) {
        e.seti(kEpA, int64_t(buf.outB));
        e.dma(isa::DmaPath::ExtToLx, fill, kEpA, kFillSrc);
      }
      if (l.epilogue.bias) {
        Block blk;
        blk.add(bp[idx(TileDim::Out)], 1, 1);
        e.seti(kEpA, int64_t(buf.biasB));
        dma(isa::DmaPath::ExtToLx, blk, pc.acc, kEpA, kBiasExt);
      }
    }
    if (prefetchHere && prefetchExt) {
      // The next iteration's tiles into the other buffers, from the
      // external addresses one step on (registers read at issue), once the
      // chained instructions that read those buffers are done.
      e.fence();
      TileTuple next = *prefetchExt;
      uint64_t inpTo = nextInpB, kerTo = nextKerB;
      int64_t inpStep = prefetchInpStep, kerStep = prefetchKerStep;
      e.signalling(kBLoaded, [&] {
        if (dbBInp) {
          offset(kEpB, kInpExt, inpStep);
          loadInp(next, inpTo, kEpB);
        }
        if (dbBKer) {
          offset(kEpC, kKerExt, kerStep);
          loadKer(kerTo, kEpC);
        }
      });
    }
    if (pos == kTileDims) {
      e.seti(kInpLx, inpAt(curInpB));
      e.seti(kKerLx, kerAt(curKerB));
      e.seti(kOutLx, int64_t(buf.outB));
      emitT(0);
    } else if (int(pos) == dbB) {
      TileDim d = orderB[pos];
      int64_t trips = tripsB[idx(d)];
      int64_t full = b[idx(d)], rem = n[idx(d)] - (trips - 1) * full;
      TileTuple inner = ext, last = ext;
      inner[idx(d)] = full;
      last[idx(d)] = rem;
      Steps steps = stepB(d);
      int64_t inpStep = steps[0].second, kerStep = steps[1].second;
      // Prologue: the first iteration's tiles (outside the chain, so once
      // the chained instructions before, which may use those bytes, are
      // done).
      e.fence();
      e.signalling(kBLoaded, [&] {
        if (dbBInp)
          loadInp(inner, buf.inpB, kInpExt);
        if (dbBKer)
          loadKer(buf.kerB, kKerExt);
      });
      auto iteration = [&](int k, const TileTuple &cur,
                           std::optional<TileTuple> next) {
        curInpB = dbBInp && k ? buf.inpB2 : buf.inpB;
        curKerB = dbBKer && k ? buf.kerB2 : buf.kerB;
        nextInpB = k ? buf.inpB : buf.inpB2;
        nextKerB = k ? buf.kerB : buf.kerB2;
        prefetchExt = next;
        prefetchInpStep = inpStep;
        prefetchKerStep = kerStep;
        emitB(pos + 1, cur);
        prefetchExt.reset();
        if (next)
          for (auto [reg, step] : steps)
            e.addi(reg, step);
      };
      // Iterations followed by a full one, in pairs; then the last ones.
      int64_t uniform = rem != full ? trips - 2 : trips - 1;
      e.repeat(uniform / 2, [&] {
        iteration(0, inner, inner);
        iteration(1, inner, inner);
      });
      int k = int(uniform % 2);
      if (k)
        iteration(0, inner, inner);
      if (rem != full) {
        iteration(k, inner, last);
        iteration(1 - k, last, std::nullopt);
      } else {
        iteration(k, inner, std::nullopt);
      }
      curInpB = buf.inpB;
      curKerB = buf.kerB;
      for (auto [reg, step] : steps)
        e.addi(reg, -(trips - 1) * step);
    } else {
      TileDim d = orderB[pos];
      int64_t trips = tripsB[idx(d)];
      int64_t full = b[idx(d)], rem = n[idx(d)] - (trips - 1) * full;
      TileTuple inner = ext;
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
      if (trips > 1)
        for (auto [reg, step] : stepB(d))
          e.addi(reg, -fullTrips * step);
    }
    if (outHere)
      epilogue(ext);
  };

  TileTuple ext;
  for (unsigned d = 0; d < kTileDims; ++d)
    ext[d] = tripsB[d] == 1 ? n[d] : b[d];
  emitB(0, ext);
  if (!tooManyDims.empty())
    return fail(tooManyDims);
  return llvm::Error::success();
}
