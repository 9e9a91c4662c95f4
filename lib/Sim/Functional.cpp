//===- Functional.cpp - Executes a core's program functionally ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Functional.h"
#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Numerics/Random.h"
#include "rapid/Numerics/SfuMath.h"
#include "rapid/Sim/Kernels.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>

using namespace rapid;
using namespace rapid::sim;
using isa::Instruction;
using isa::Opcode;

/// Whether the executor computes in `p`: the whole-byte precisions.
static bool simulated(Precision p) {
  return p == Precision::FP32 || p == Precision::INT8 ||
         p == Precision::BiScaled4 || p == Precision::FPEC4 ||
         numerics::floatFormat(p) || numerics::isPacked(p);
}

/// Reads element `index` of precision `p` from `base` in `memory` (packed
/// sub-byte precisions by bit position, docs/isa.md); false when out of
/// bounds (`byte`: the address, for the message).
static bool readElement(const std::vector<uint8_t> &memory, int64_t base,
                        int64_t index, Precision p, double &value,
                        int64_t &byte) {
  int64_t bits = storageBits(p);
  if (numerics::isPacked(p)) {
    int64_t bit = (base + index) * bits;
    byte = bit < 0 ? -1 : bit / 8;
    if (bit < 0 || uint64_t(bit) >= memory.size() * 8)
      return false;
    value = numerics::loadPacked(memory.data(), uint64_t(bit), p);
    return true;
  }
  byte = base + index * (bits / 8);
  if (byte < 0 || uint64_t(byte + bits / 8) > memory.size())
    return false;
  value = numerics::loadElement(memory.data() + byte, p);
  return true;
}

/// `x` rounded to the accumulation precision (the small float formats
/// stochastically with `random`'s bits when `rounding` says so; FP32 to
/// nearest even).
static double
roundTo(double x, Precision p,
        numerics::Rounding rounding = numerics::Rounding::NearestEven,
        uint64_t random = 0) {
  if (p == Precision::FP32)
    return double(float(x));
  if (const numerics::FloatFormat *f = numerics::floatFormat(p))
    return numerics::round(x, *f, {rounding, false}, random);
  return x; // integer accumulators are exact at these sizes
}

namespace {
/// What the cores share: each core's memories by its number, the topology,
/// and (timed) when each ring or link direction is next free.
struct System {
  Topology topology;
  std::map<uint32_t, CoreMemories *> memories;
  std::map<std::pair<int64_t, int>, double> linkFree;
  int64_t traceLeft = 0;
  int64_t coresPerChip() const {
    return topology.coresPerChip > 0 ? topology.coresPerChip
                                     : int64_t(memories.size());
  }
  /// The core `peer` names from `core`, or an empty optional.
  std::optional<uint32_t> peerOf(uint32_t core, isa::Peer peer) const {
    int64_t cpc = coresPerChip();
    int64_t chip = int64_t(core) / cpc, c = int64_t(core) % cpc;
    int64_t x = chip % topology.chipsX, y = chip / topology.chipsX;
    int64_t X = topology.chipsX, Y = topology.chipsY;
    switch (peer) {
    case isa::Peer::Next:
      c = (c + 1) % cpc;
      break;
    case isa::Peer::Prev:
      c = (c + cpc - 1) % cpc;
      break;
    case isa::Peer::PlusX:
      x = (x + 1) % X;
      break;
    case isa::Peer::MinusX:
      x = (x + X - 1) % X;
      break;
    case isa::Peer::PlusY:
      y = (y + 1) % Y;
      break;
    case isa::Peer::MinusY:
      y = (y + Y - 1) % Y;
      break;
    default:
      return std::nullopt;
    }
    return uint32_t((y * X + x) * cpc + c);
  }
};

class Core {
public:
  Core(const isa::CoreProgram &program, CoreMemories &mem, RunStats &stats,
       const RunOptions &options, System &system)
      : program(program), mem(mem), stats(stats), system(system),
        schedule(options.schedule), timing(options.timing),
        trace(options.trace), rounding(options.rounding), seed(options.seed) {
    issues.assign(program.code.size(), 0);
    if (trace.core >= 0 && trace.core != int64_t(program.core))
      trace.os = nullptr;
    if (timing) {
      duration.assign(program.code.size(), -1);
      bubbleAt.assign(program.code.size(), 0);
    }
  }

  /// Runs until the core halts (returns -1) or reaches a barrier (returns
  /// its id; the core then waits there, and the next call continues after
  /// it).
  llvm::Expected<int64_t> run(int64_t maxInstructions);
  /// The barrier's scope when run() stopped at one.
  int64_t barrierScope = 0;
  /// Timed: the instruction unit's cycle (the next issue), which a
  /// barrier's release advances, and the cycle the core finished.
  double clock = 0, finished = 0;

private:
  const isa::CoreProgram &program;
  CoreMemories &mem;
  RunStats &stats;
  System &system;
  Schedule schedule;
  const TimingModel *timing;
  TraceOptions trace;
  /// Stochastic rounding: the seed, how many times each pc has issued, and
  /// that count for the engine instruction being run.
  numerics::Rounding rounding;
  uint64_t seed;
  std::vector<uint64_t> issues;
  uint64_t issueIndex = 0;
  /// Whether stores into `p` round stochastically.
  bool stochastic(Precision p) const {
    return rounding == numerics::Rounding::Stochastic &&
           numerics::floatFormat(p);
  }
  /// The random stream of the engine instruction being run: a function of
  /// (seed, core, pc, its issue count), not of when it runs.
  numerics::RandomStream stream() const {
    return numerics::RandomStream(seed)
        .derive(program.core)
        .derive(pc)
        .derive(issueIndex);
  }
  /// Timed: each engine's next free cycle; each semaphore's units by the
  /// cycle they arrive (a min-heap); each instruction's duration (-1: not
  /// computed yet) and its PE-array bubble.
  std::array<double, kEngines> engineFree{};
  using Heap =
      std::priority_queue<double, std::vector<double>, std::greater<double>>;
  std::array<Heap, 63> arrivals;
  std::vector<double> duration, bubbleAt;
  /// The layer the instruction unit is in (-1: before the first mark) and
  /// the next mark.
  int64_t layer = -1;
  size_t nextMark = 0;
  LayerStats *layerStats(int64_t l) {
    if (l < 0)
      return nullptr;
    if (stats.layers.size() <= size_t(l))
      stats.layers.resize(size_t(l) + 1);
    return &stats.layers[size_t(l)];
  }
  /// The cycles of the engine instruction at `at` (an ext_to_lx_unpack: of
  /// the one just run, by the compressed bytes it read).
  double durationOf(size_t at);
  /// (The trace's line budget is the system's, shared by the cores.)
  void traceLine(const llvm::Twine &text) {
    if (trace.os && system.traceLeft > 0) {
      *trace.os << "core " << program.core << " " << text << "\n";
      if (--system.traceLeft == 0)
        *trace.os << "(trace limit reached)\n";
    }
  }
  bool tracing(size_t at) const {
    return trace.os && system.traceLeft > 0 && at >= trace.firstPc &&
           at <= trace.lastPc;
  }
  /// An engine instruction issued but not run (Schedule::Lazy): its
  /// registers as they were at issue.
  struct Pending {
    size_t pc;
    std::array<int64_t, 16> a;
    std::array<float, 16> f;
    uint64_t issued;
    double issuedAt;
    int64_t layer;
    /// How many times this pc had issued before.
    uint64_t issueIndex;
  };
  /// Each engine's queue, in issue order.
  std::array<std::deque<Pending>, kEngines> queues;
  uint64_t issueCount = 0;
  /// Runs one queued instruction whose semaphore is available, preferring
  /// the one issued last (an order that breaks code missing a
  /// synchronization). Sets `ran` to whether one could run.
  llvm::Error step(bool &ran) {
    ran = false;
    int best = -1;
    for (unsigned e = 0; e < queues.size(); ++e) {
      if (queues[e].empty())
        continue;
      const Pending &p = queues[e].front();
      int64_t w = program.code[p.pc].get("wait");
      if (w != isa::kNoSemaphore && sem[size_t(w)] < 1)
        continue;
      if (best < 0 || p.issued > queues[size_t(best)].front().issued)
        best = int(e);
    }
    if (best < 0)
      return llvm::Error::success();
    Pending p = queues[size_t(best)].front();
    queues[size_t(best)].pop_front();
    ran = true;
    std::array<int64_t, 16> savedA = a;
    std::array<float, 16> savedF = f;
    size_t savedPc = pc;
    a = p.a;
    f = p.f;
    pc = p.pc;
    issueIndex = p.issueIndex;
    llvm::Error err = execute(program.code[p.pc], p.issuedAt, p.layer);
    a = savedA;
    f = savedF;
    pc = savedPc;
    return err;
  }
  /// Takes the engine's semaphore, runs it, signals. Timed: it starts once
  /// issued (at `issuedAt`), its engine is free and its semaphore unit has
  /// arrived, and signals when it ends.
  llvm::Error execute(const Instruction &inst, double issuedAt,
                      int64_t inLayer) {
    double arrived = 0;
    if (llvm::Error e = take(inst, inst.get("wait"), 1, &arrived))
      return e;
    int64_t macsBefore = stats.macs;
    llvm::Error e = inst.opcode == Opcode::Dma   ? dma(inst)
                    : inst.opcode == Opcode::Mac ? mac(inst)
                                                 : sfu(inst);
    if (e)
      return e;
    bool isMac = inst.opcode == Opcode::Mac;
    if (isMac)
      if (LayerStats *l = layerStats(inLayer)) {
        l->macs += stats.macs - macsBefore;
        l->zeroInputMacs += lastZeros.zeroInput;
        l->zeroWeightMacs += lastZeros.zeroWeight;
        l->skippableMacs += lastZeros.zeroEither;
      }
    double end = 0;
    if (timing) {
      Engine engine = engineOf(inst);
      double &free = engineFree[unsigned(engine)];
      double start = std::max({issuedAt, free, arrived});
      double cycles = durationOf(pc);
      double bubble = isMac ? bubbleAt[pc] : 0, skipped = 0;
      // A zero-skipping PE array computes only the MACs without a zero
      // operand (docs/rapid-sim.md).
      if (isMac && timing->zeroSkipping() && lastZeros.zeroEither > 0) {
        double density = 1 - double(lastZeros.zeroEither) /
                                 double(std::max<int64_t>(1, lastZeros.macs));
        double dense = cycles;
        cycles = macCycles(pc, bubble, density);
        skipped = dense - cycles;
        stats.skippedCycles += skipped;
      }
      // A ring or link direction carries one transfer at a time (whichever
      // core drives it).
      double *link = nullptr;
      if (engine == Engine::DmaRing || engine == Engine::DmaLink) {
        auto path = isa::DmaPath(inst.get("path"));
        auto peer = isa::Peer(inst.get("peer"));
        bool out =
            path == isa::DmaPath::LxToRing || path == isa::DmaPath::LxToLink;
        uint32_t sender =
            out ? program.core : *system.peerOf(program.core, peer);
        static const isa::Peer opposite[] = {
            isa::Peer::Self,   isa::Peer::Prev,  isa::Peer::Next,
            isa::Peer::MinusX, isa::Peer::PlusX, isa::Peer::MinusY,
            isa::Peer::PlusY};
        isa::Peer direction = out ? peer : opposite[unsigned(peer)];
        // A ring segment is a core's; a torus link is its chip's, shared by
        // the chip's cores (keyed apart from the cores, by -1 - chip).
        int64_t owner = engine == Engine::DmaRing
                            ? int64_t(sender)
                            : -1 - int64_t(sender) / system.coresPerChip();
        link = &system.linkFree[{owner, int(direction)}];
        start = std::max(start, *link);
      }
      end = free = start + cycles;
      if (link)
        *link = end;
      stats.busy[unsigned(engine)] += cycles;
      if (LayerStats *l = layerStats(inLayer)) {
        l->busy[unsigned(engine)] += cycles;
        l->end = std::max(l->end, end);
        if (isMac) {
          l->bubble += bubble;
          l->skippedCycles += skipped;
          l->macPeak +=
              double(stats.macs - macsBefore) /
              timing->peakMacsPerCycle(Precision(inst.get("inp_prec")),
                                       Precision(inst.get("ker_prec")));
        }
      }
      if (tracing(pc))
        traceLine(llvm::formatv("pc {0} {1} {2:F1}-{3:F1}", pc,
                                engineName(engine), start, end));
    }
    give(inst.get("signal"), 1, end);
    return llvm::Error::success();
  }
  bool idle() const {
    return llvm::all_of(queues, [](const auto &q) { return q.empty(); });
  }
  std::array<int64_t, 16> a{};
  std::array<float, 16> f{};
  std::array<int64_t, 63> sem{};
  size_t pc = 0;
  bool checked = false;
  struct Frame {
    size_t begin, end;
    int64_t left;
  };
  std::vector<Frame> loops;
  /// Moves past the instruction at pc (ending loop iterations).
  void advance() {
    ++pc;
    while (!loops.empty() && pc == loops.back().end) {
      if (--loops.back().left > 0) {
        pc = loops.back().begin;
        break;
      }
      loops.pop_back();
    }
  }

  llvm::Error fail(const Instruction &inst, const llvm::Twine &why) const {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("core {0} instruction {1} ('{2}'): {3}", program.core, pc,
                      inst.spec().mnemonic, why.str()));
  }
  /// The bytes [addr, addr + n) of `memory`, or null when out of bounds.
  uint8_t *at(std::vector<uint8_t> &memory, int64_t addr, int64_t n) {
    if (addr < 0 || n < 0 || uint64_t(addr + n) > memory.size())
      return nullptr;
    return memory.data() + addr;
  }
  /// Takes `count` units of semaphore `s`; timed, `arrived` is the cycle
  /// the last of them arrived (the earliest units are taken).
  llvm::Error take(const Instruction &inst, int64_t s, int64_t count,
                   double *arrived = nullptr) {
    if (s == isa::kNoSemaphore)
      return llvm::Error::success();
    if (sem[size_t(s)] < count)
      return fail(inst, llvm::formatv("deadlock: waits for {0} on s{1}, "
                                      "which holds {2} and has nothing left "
                                      "to signal it",
                                      count, s, sem[size_t(s)]));
    sem[size_t(s)] -= count;
    if (timing) {
      Heap &h = arrivals[size_t(s)];
      double last = 0;
      for (int64_t i = 0; i < count; ++i) {
        last = std::max(last, h.top());
        h.pop();
      }
      if (arrived)
        *arrived = last;
    }
    return llvm::Error::success();
  }
  /// Adds `count` units to semaphore `s`, arriving at cycle `at`.
  void give(int64_t s, int64_t count, double at) {
    if (s == isa::kNoSemaphore)
      return;
    sem[size_t(s)] += count;
    if (timing)
      for (int64_t i = 0; i < count; ++i)
        arrivals[size_t(s)].push(at);
  }
  llvm::Error dma(const Instruction &inst);
  /// ext_to_lx_unpack (docs/isa.md): expands a bitmap-compressed run from
  /// external memory into Lx. Sets `unpackedBytes`, the compressed bytes it
  /// read (its cost).
  llvm::Error unpack(const Instruction &inst);
  int64_t unpackedBytes = 0;
  /// The neighbour's memories of the ring or link transfer being run.
  CoreMemories *peerMem = nullptr;
  llvm::Error mac(const Instruction &inst);
  /// How each tile descriptor's MACs read their operands (built on first
  /// use), and the zero-operand counts of the mac run last.
  std::vector<std::unique_ptr<MacUsePlan>> usePlans;
  MacZeroCounts lastZeros;
  const MacUsePlan &usePlan(size_t tile) {
    if (usePlans.size() <= tile)
      usePlans.resize(program.tiles.size() > tile ? program.tiles.size()
                                                  : tile + 1);
    std::unique_ptr<MacUsePlan> &plan = usePlans[tile];
    if (!plan) {
      const isa::TileDescriptor &t = program.tiles[tile];
      std::array<int64_t, isa::kTileDims> e, sI, sK;
      for (unsigned d = 0; d < isa::kTileDims; ++d) {
        e[d] = t.p[d];
        sI[d] = t.strides[0][d];
        sK[d] = t.strides[1][d];
      }
      plan = std::make_unique<MacUsePlan>(e, sI, sK);
    }
    return *plan;
  }
  /// Counts the zero operands of the mac just run (its operands decoded,
  /// `inp` and `ker` at element offset 0) into `lastZeros` and the run's
  /// statistics.
  void countZeros(size_t tile, const float *inp, const float *ker) {
    lastZeros = usePlan(tile).count(inp, ker);
    stats.zeroInputMacs += lastZeros.zeroInput;
    stats.zeroWeightMacs += lastZeros.zeroWeight;
    stats.skippableMacs += lastZeros.zeroEither;
  }
  /// The PE-array cycles of the mac at `at` (and its bubble) when it
  /// computes the fraction `density` of its MACs.
  double macCycles(size_t at, double &bubble, double density = 1) const {
    const Instruction &inst = program.code[at];
    return timing->mac(
        program.tiles[size_t(inst.get("tile"))],
        isa::MacDataflow(inst.get("dataflow")), Precision(inst.get("inp_prec")),
        Precision(inst.get("ker_prec")), Precision(inst.get("acc_prec")),
        inst.get("chunk"), bubble, density);
  }
  /// mac with FP32 accumulation and no chunks: the operands (whose
  /// products FP32 holds exactly) decoded once, the sums in float, in the
  /// same order as the general path; the same results, much faster.
  llvm::Error macFloat(const Instruction &inst, const isa::TileDescriptor &t,
                       Precision pi, Precision pk, int64_t inp, int64_t ker,
                       int64_t out, bool accumulate);
  /// mac accumulating in FP16 or DLFloat16 to nearest even, its operands
  /// FP32 or float formats (decoded once, exactly): sim::macNarrow, the same
  /// bytes as the general path, much faster. False, having done nothing,
  /// where the general path must run: another precision or rounding, an
  /// empty dimension, an operand or the output out of bounds (whose message
  /// the general path gives), or outputs overlapping an operand.
  bool macNarrowFast(const Instruction &inst, const isa::TileDescriptor &t,
                     Precision pi, Precision pk, Precision pa, int64_t inp,
                     int64_t ker, int64_t out, int64_t chunk, bool accumulate);
  llvm::Error sfu(const Instruction &inst);
  /// Stores `n` SFU results (elements first, first + 1, ... of the
  /// instruction's output) in `p`, rounding stochastically with the
  /// instruction's stream's words for those elements.
  void storeStochastic(const float *values, int64_t n, Precision p,
                       uint8_t *bytes, uint64_t first = 0) const {
    numerics::RandomStream s = stream();
    int64_t eb = storageBits(p) / 8;
    for (int64_t i = 0; i < n; ++i)
      numerics::storeElement(values[i], p, bytes + i * eb,
                             numerics::Rounding::Stochastic,
                             s.at(first + uint64_t(i)));
  }
};
} // namespace

static const char *spaceName(int space) {
  return space == 0   ? "external memory"
         : space == 1 ? "Lx"
         : space == 2 ? "L0"
                      : "the peer's Lx";
}

llvm::Error Core::dma(const Instruction &inst) {
  using isa::DmaPath;
  auto path = DmaPath(inst.get("path"));
  int srcSpace, dstSpace;
  switch (path) {
  case DmaPath::ExtToLx:
    srcSpace = 0, dstSpace = 1;
    break;
  case DmaPath::LxToExt:
    srcSpace = 1, dstSpace = 0;
    break;
  case DmaPath::LxToL0:
    srcSpace = 1, dstSpace = 2;
    break;
  case DmaPath::L0ToLx:
    srcSpace = 2, dstSpace = 1;
    break;
  case DmaPath::ExtToExt:
    srcSpace = 0, dstSpace = 0;
    break;
  case DmaPath::LxToLx:
    srcSpace = 1, dstSpace = 1;
    break;
  case DmaPath::ExtToLxUnpack:
    return unpack(inst);
  default: {
    // Ring and link transfers: between this core's Lx and its neighbour's.
    bool ring = path == DmaPath::LxToRing || path == DmaPath::RingToLx;
    auto peer = isa::Peer(inst.get("peer"));
    bool ringPeer = peer == isa::Peer::Next || peer == isa::Peer::Prev;
    if (ring != ringPeer || peer == isa::Peer::Self)
      return fail(inst, llvm::formatv("a {0} transfer needs a {1} peer",
                                      ring ? "ring" : "link",
                                      ring ? "ring (next, prev)"
                                           : "torus (+x, -x, +y, -y)"));
    std::optional<uint32_t> to = system.peerOf(program.core, peer);
    auto it = to ? system.memories.find(*to) : system.memories.end();
    if (it == system.memories.end())
      return fail(inst, llvm::formatv("its peer, core {0}, has no program",
                                      to ? int64_t(*to) : -1));
    peerMem = it->second;
    bool out = path == DmaPath::LxToRing || path == DmaPath::LxToLink;
    srcSpace = out ? 1 : 3;
    dstSpace = out ? 3 : 1;
    break;
  }
  }
  auto memory = [&](int space) -> std::vector<uint8_t> & {
    return space == 0   ? *mem.ext
           : space == 1 ? mem.lx
           : space == 2 ? mem.l0
                        : peerMem->lx;
  };
  const isa::DmaDescriptor &d = program.dma[size_t(inst.get("desc"))];
  int64_t src = a[size_t(inst.get("src"))] + inst.get("src_off");
  int64_t dst = a[size_t(inst.get("dst"))] + inst.get("dst_off");
  std::array<int64_t, isa::kMaxDmaRank> count{1, 1, 1, 1}, ss{}, ds{};
  for (size_t k = 0; k < d.dims.size(); ++k) {
    count[k] = d.dims[k].count;
    ss[k] = d.dims[k].srcStride;
    ds[k] = d.dims[k].dstStride;
  }
  std::vector<uint8_t> &sm = memory(srcSpace), &dm = memory(dstSpace);
  if (d.elementBits % 8) {
    // Packed sub-byte elements: addresses and strides count elements;
    // element k lies at bit k b (docs/isa.md).
    int64_t b = d.elementBits;
    uint8_t mask = uint8_t((1u << b) - 1);
    for (int64_t i3 = 0; i3 < count[3]; ++i3)
      for (int64_t i2 = 0; i2 < count[2]; ++i2)
        for (int64_t i1 = 0; i1 < count[1]; ++i1)
          for (int64_t i0 = 0; i0 < count[0]; ++i0) {
            int64_t s =
                (src + i0 * ss[0] + i1 * ss[1] + i2 * ss[2] + i3 * ss[3]) * b;
            int64_t t =
                (dst + i0 * ds[0] + i1 * ds[1] + i2 * ds[2] + i3 * ds[3]) * b;
            if (s < 0 || uint64_t(s) >= sm.size() * 8)
              return fail(inst,
                          llvm::formatv("reads bit {0} of {1}, which "
                                        "has {2} bytes",
                                        s, spaceName(srcSpace), sm.size()));
            if (t < 0 || uint64_t(t) >= dm.size() * 8)
              return fail(inst,
                          llvm::formatv("writes bit {0} of {1}, which "
                                        "has {2} bytes",
                                        t, spaceName(dstSpace), dm.size()));
            uint8_t v = uint8_t((sm[size_t(s / 8)] >> (s % 8)) & mask);
            uint8_t &to = dm[size_t(t / 8)];
            to = uint8_t((to & ~(mask << (t % 8))) | (v << (t % 8)));
          }
    stats.dmaBytes += (count[0] * count[1] * count[2] * count[3] * b + 7) / 8;
    return llvm::Error::success();
  }
  int64_t eb = d.elementBits / 8;
  // Every element in bounds, and no byte both read and written: copy whole
  // runs. Otherwise element by element (which reports the first element
  // out of bounds).
  int64_t sLo = 0, sHi = eb, dLo = 0, dHi = eb, elements = 1;
  for (unsigned k = 0; k < isa::kMaxDmaRank; ++k) {
    elements *= count[k];
    int64_t sReach = (count[k] - 1) * ss[k], dReach = (count[k] - 1) * ds[k];
    (sReach < 0 ? sLo : sHi) += sReach;
    (dReach < 0 ? dLo : dHi) += dReach;
  }
  if (elements > 0 && at(sm, src + sLo, sHi - sLo) &&
      at(dm, dst + dLo, dHi - dLo) &&
      (&sm != &dm || src + sHi <= dst + dLo || dst + dHi <= src + sLo)) {
    dmaCopy(dm.data() + dst, sm.data() + src, eb, count, ss, ds);
    stats.dmaBytes += elements * eb;
    return llvm::Error::success();
  }
  for (int64_t i3 = 0; i3 < count[3]; ++i3)
    for (int64_t i2 = 0; i2 < count[2]; ++i2)
      for (int64_t i1 = 0; i1 < count[1]; ++i1)
        for (int64_t i0 = 0; i0 < count[0]; ++i0) {
          int64_t s = src + i0 * ss[0] + i1 * ss[1] + i2 * ss[2] + i3 * ss[3];
          int64_t t = dst + i0 * ds[0] + i1 * ds[1] + i2 * ds[2] + i3 * ds[3];
          uint8_t *from = at(sm, s, eb), *to = at(dm, t, eb);
          if (!from)
            return fail(inst,
                        llvm::formatv("reads {0} bytes at {1} of {2}, "
                                      "which has {3}",
                                      eb, s, spaceName(srcSpace), sm.size()));
          if (!to)
            return fail(inst,
                        llvm::formatv("writes {0} bytes at {1} of {2}, "
                                      "which has {3}",
                                      eb, t, spaceName(dstSpace), dm.size()));
          std::memmove(to, from, size_t(eb));
          stats.dmaBytes += eb;
        }
  return llvm::Error::success();
}

llvm::Error Core::unpack(const Instruction &inst) {
  const isa::DmaDescriptor &d = program.dma[size_t(inst.get("desc"))];
  std::vector<uint8_t> &sm = *mem.ext, &dm = mem.lx;
  int64_t src = a[size_t(inst.get("src"))] + inst.get("src_off");
  int64_t dst = a[size_t(inst.get("dst"))] + inst.get("dst_off");
  std::array<int64_t, isa::kMaxDmaRank> count{1, 1, 1, 1}, ds{};
  for (size_t k = 0; k < d.dims.size(); ++k) {
    if (d.dims[k].srcStride != 0 && d.dims[k].srcStride != 1)
      return fail(inst, llvm::formatv("source stride {0} in dimension {1}: "
                                      "the compressed run has no strides "
                                      "(0 or 1)",
                                      d.dims[k].srcStride, k));
    count[k] = d.dims[k].count;
    ds[k] = d.dims[k].dstStride;
  }
  int64_t b = d.elementBits, n = count[0] * count[1] * count[2] * count[3];
  bool packed = b % 8 != 0;
  // The bitmap starts at the byte holding the source (element) address;
  // the non-zero elements follow it, from the next byte on.
  int64_t mapAt = packed ? (src >= 0 ? src * b / 8 : -1) : src;
  int64_t mapBytes = (n + 7) / 8;
  const uint8_t *map = at(sm, mapAt, mapBytes);
  if (!map)
    return fail(inst, llvm::formatv("reads the {0}-byte bitmap at {1} of "
                                    "external memory, which has {2} bytes",
                                    mapBytes, mapAt, sm.size()));
  int64_t nonZero = 0;
  for (int64_t k = 0; k < n; ++k)
    nonZero += (map[k / 8] >> (k % 8)) & 1;
  int64_t valuesAt = mapAt + mapBytes, valueBytes = (nonZero * b + 7) / 8;
  const uint8_t *values = at(sm, valuesAt, valueBytes);
  if (!values)
    return fail(inst, llvm::formatv("reads {0} non-zero elements ({1} bytes) "
                                    "at {2} of external memory, which has {3} "
                                    "bytes",
                                    nonZero, valueBytes, valuesAt, sm.size()));
  uint8_t mask = uint8_t((1u << (packed ? b : 8)) - 1);
  int64_t eb = packed ? 0 : b / 8, k = 0, next = 0;
  for (int64_t i3 = 0; i3 < count[3]; ++i3)
    for (int64_t i2 = 0; i2 < count[2]; ++i2)
      for (int64_t i1 = 0; i1 < count[1]; ++i1)
        for (int64_t i0 = 0; i0 < count[0]; ++i0, ++k) {
          int64_t t = dst + i0 * ds[0] + i1 * ds[1] + i2 * ds[2] + i3 * ds[3];
          bool set = (map[k / 8] >> (k % 8)) & 1;
          if (packed) {
            int64_t bit = t * b;
            if (t < 0 || uint64_t(bit) >= dm.size() * 8)
              return fail(inst, llvm::formatv("writes bit {0} of Lx, which "
                                              "has {1} bytes",
                                              bit, dm.size()));
            uint8_t v = 0;
            if (set) {
              int64_t from = next++ * b;
              v = uint8_t((values[from / 8] >> (from % 8)) & mask);
            }
            uint8_t &to = dm[size_t(bit / 8)];
            to = uint8_t((to & ~(mask << (bit % 8))) | (v << (bit % 8)));
            continue;
          }
          uint8_t *to = at(dm, t, eb);
          if (!to)
            return fail(inst, llvm::formatv("writes {0} bytes at {1} of Lx, "
                                            "which has {2}",
                                            eb, t, dm.size()));
          if (set)
            std::memcpy(to, values + next++ * eb, size_t(eb));
          else
            std::memset(to, 0, size_t(eb));
        }
  unpackedBytes = mapBytes + valueBytes;
  stats.dmaBytes += unpackedBytes;
  return llvm::Error::success();
}

llvm::Error Core::mac(const Instruction &inst) {
  const isa::TileDescriptor &t = program.tiles[size_t(inst.get("tile"))];
  auto pi = Precision(inst.get("inp_prec")),
       pk = Precision(inst.get("ker_prec")),
       pa = Precision(inst.get("acc_prec"));
  for (Precision p : {pi, pk, pa})
    if (!simulated(p))
      return fail(inst, "precision " + stringify(p) + " is not simulated yet");
  if (numerics::isPacked(pa))
    return fail(inst, "accumulates in " + stringify(pa) +
                          ", a packed sub-byte precision; the accumulator "
                          "needs whole bytes");
  int64_t eA = storageBits(pa) / 8;
  int64_t inp = a[size_t(inst.get("inp"))] + inst.get("inp_off");
  int64_t ker = a[size_t(inst.get("ker"))] + inst.get("ker_off");
  int64_t out = a[size_t(inst.get("out"))] + inst.get("out_off");
  int64_t chunk = inst.get("chunk");
  bool accumulate = inst.get("accumulate");
  const auto &p = t.p;
  const auto &sI = t.strides[0], &sK = t.strides[1], &sO = t.strides[2];
  enum { In, Out, Oy, Ox, Mb, Ky, Kx };
  // FP32 sums without chunks: the vectorized kernel, whatever the operands
  // (integer products and their sums below 2^24 are exact in FP32 either
  // way).
  if (pa == Precision::FP32 && chunk == 0)
    return macFloat(inst, t, pi, pk, inp, ker, out, accumulate);
  if (pi == Precision::FPEC4 || pk == Precision::FPEC4)
    return fail(inst, "the compensated MAC (fpec4 operands) accumulates in "
                      "fp32 without chunks");
  // Stochastic rounding: output element `element`'s roundings draw words
  // 0, 1, ... of the instruction's stream for that element.
  bool random = stochastic(pa);
  if (!random &&
      macNarrowFast(inst, t, pi, pk, pa, inp, ker, out, chunk, accumulate))
    return llvm::Error::success();
  numerics::RandomStream instStream = stream(), elementStream = instStream;
  uint64_t element = 0, draw = 0;
  auto roundAcc = [&](double x) {
    if (!random)
      return roundTo(x, pa);
    return roundTo(x, pa, numerics::Rounding::Stochastic,
                   elementStream.at(draw++));
  };
  for (int64_t mb = 0; mb < p[Mb]; ++mb)
    for (int64_t o = 0; o < p[Out]; ++o)
      for (int64_t oy = 0; oy < p[Oy]; ++oy)
        for (int64_t ox = 0; ox < p[Ox]; ++ox) {
          double total = 0, partial = 0;
          int64_t terms = 0;
          if (random) {
            elementStream = instStream.derive(element++);
            draw = 0;
          }
          int64_t baseI = o * sI[Out] + oy * sI[Oy] + ox * sI[Ox] + mb * sI[Mb];
          int64_t baseK = o * sK[Out] + oy * sK[Oy] + ox * sK[Ox] + mb * sK[Mb];
          for (int64_t ky = 0; ky < p[Ky]; ++ky)
            for (int64_t kx = 0; kx < p[Kx]; ++kx)
              for (int64_t i = 0; i < p[In]; ++i) {
                double x, w;
                int64_t ai, ak;
                bool okI = readElement(
                    mem.l0, inp, baseI + i * sI[In] + ky * sI[Ky] + kx * sI[Kx],
                    pi, x, ai);
                bool okK = okI && readElement(mem.l0, ker,
                                              baseK + i * sK[In] + ky * sK[Ky] +
                                                  kx * sK[Kx],
                                              pk, w, ak);
                if (!okK)
                  return fail(inst, llvm::formatv(
                                        "reads L0 at {0} ({1}) beyond its "
                                        "{2} bytes",
                                        okI ? ak : ai, okI ? "kernel" : "input",
                                        mem.l0.size()));
                double product = roundAcc(x * w);
                partial = roundAcc(partial + product);
                if (chunk && ++terms % chunk == 0) {
                  total = roundAcc(total + partial);
                  partial = 0;
                }
              }
          double sum = chunk ? roundAcc(total + partial) : partial;
          int64_t ao =
              out +
              (o * sO[Out] + oy * sO[Oy] + ox * sO[Ox] + mb * sO[Mb]) * eA;
          uint8_t *y = at(mem.l0, ao, eA);
          if (!y)
            return fail(inst, llvm::formatv("writes L0 at {0} (output) beyond "
                                            "its {1} bytes",
                                            ao, mem.l0.size()));
          double value =
              accumulate ? roundAcc(numerics::loadElement(y, pa) + sum) : sum;
          // `value` is already in `pa`: the store rounds nothing.
          numerics::storeElement(value, pa, y);
          stats.macs += p[In] * p[Ky] * p[Kx];
        }
  // The zero operands, from the spans the tile read, decoded.
  const MacUsePlan &plan = usePlan(size_t(inst.get("tile")));
  static thread_local std::vector<float> xs, ws;
  auto decodeSpan = [&](int64_t base, int64_t lo, int64_t hi, Precision prec,
                        std::vector<float> &to) {
    to.resize(size_t(hi - lo + 1));
    for (int64_t k = lo; k <= hi; ++k) {
      double v;
      int64_t byte;
      // (Every element between two the mac read is in bounds.)
      to[size_t(k - lo)] =
          readElement(mem.l0, base, k, prec, v, byte) ? float(v) : 1.0f;
    }
  };
  decodeSpan(inp, plan.inpLo, plan.inpHi, pi, xs);
  decodeSpan(ker, plan.kerLo, plan.kerHi, pk, ws);
  countZeros(size_t(inst.get("tile")), xs.data() - plan.inpLo,
             ws.data() - plan.kerLo);
  return llvm::Error::success();
}

/// The operand span a tile reads: element offsets [lo, hi] over the tile's
/// extents and one operand's strides.
static std::pair<int64_t, int64_t>
span(const std::array<uint32_t, isa::kTileDims> &p,
     const std::array<int32_t, isa::kTileDims> &s) {
  int64_t lo = 0, hi = 0;
  for (unsigned d = 0; d < isa::kTileDims; ++d) {
    int64_t reach = int64_t(p[d] - 1) * s[d];
    (reach < 0 ? lo : hi) += reach;
  }
  return {lo, hi};
}

/// Decodes elements [lo, hi] of the operand at `base` (a byte address, or
/// for the packed precisions an element address) of precision `prec` in
/// `memory` into floats; false when they are not all in bounds.
static bool decodeOperand(const std::vector<uint8_t> &memory, int64_t base,
                          int64_t lo, int64_t hi, Precision prec, float *out) {
  int64_t n = hi - lo + 1, bits = storageBits(prec);
  if (numerics::isPacked(prec)) {
    int64_t first = (base + lo) * bits, last = (base + hi + 1) * bits;
    if (first < 0 || uint64_t(last) > memory.size() * 8)
      return false;
    // Two's complement fields of `bits` bits (binary: 1 is +1, 0 is -1),
    // extracted inline: this is the integer layers' inner loop.
    const uint8_t *m = memory.data();
    int64_t mask = (int64_t(1) << bits) - 1, sign = int64_t(1) << (bits - 1);
    for (int64_t i = 0, bit = first; i < n; ++i, bit += bits) {
      int64_t v = (m[bit >> 3] >> (bit & 7)) & mask;
      out[i] = prec == Precision::Binary ? (v ? 1.0f : -1.0f)
                                         : float((v ^ sign) - sign);
    }
    return true;
  }
  int64_t e = bits / 8, at = base + lo * e;
  if (at < 0 || uint64_t(at + n * e) > memory.size())
    return false;
  if (prec == Precision::INT8) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = float(int8_t(memory[size_t(at + i)]));
    return true;
  }
  if (prec == Precision::BiScaled4 || prec == Precision::FPEC4) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = float(numerics::fromStorage(memory[size_t(at + i)], prec));
    return true;
  }
  decodeElements(memory.data() + at, n, prec, out);
  return true;
}

/// The fields the PE-array kernels' tiles share: `t`'s extents and
/// strides, the decoded operands (indexed as the descriptor's strides index
/// them) and the output bytes.
template <typename Tile>
static void describeTile(Tile &tile, const isa::TileDescriptor &t,
                         const float *inp, const float *ker, uint8_t *out) {
  for (unsigned d = 0; d < isa::kTileDims; ++d) {
    tile.extents[d] = t.p[d];
    tile.inpStrides[d] = t.strides[0][d];
    tile.kerStrides[d] = t.strides[1][d];
    tile.outStrides[d] = t.strides[2][d];
  }
  tile.inp = inp;
  tile.ker = ker;
  tile.out = out;
}

llvm::Error Core::macFloat(const Instruction &inst,
                           const isa::TileDescriptor &t, Precision pi,
                           Precision pk, int64_t inp, int64_t ker, int64_t out,
                           bool accumulate) {
  enum { In, Out, Oy, Ox, Mb, Ky, Kx };
  const auto &p = t.p;
  const auto &sI = t.strides[0], &sK = t.strides[1], &sO = t.strides[2];
  // The last byte an operand's element reads, for the messages.
  auto lastByte = [](int64_t base, int64_t hi, Precision q) {
    int64_t bits = storageBits(q);
    return bits < 8 ? (base + hi + 1) * bits / 8 - 1 : base + hi * (bits / 8);
  };
  auto [iLo, iHi] = span(p, sI);
  auto [kLo, kHi] = span(p, sK);
  auto [oLo, oHi] = span(p, sO);
  // Reused from tile to tile: no allocation (and page faults) per mac.
  static thread_local std::vector<float> x, w;
  x.resize(static_cast<size_t>(iHi - iLo + 1));
  w.resize(static_cast<size_t>(kHi - kLo + 1));
  if (!decodeOperand(mem.l0, inp, iLo, iHi, pi, x.data()))
    return fail(inst, llvm::formatv("reads L0 at {0} (input) beyond its {1} "
                                    "bytes",
                                    lastByte(inp, iHi, pi), mem.l0.size()));
  if (!decodeOperand(mem.l0, ker, kLo, kHi, pk, w.data()))
    return fail(inst, llvm::formatv("reads L0 at {0} (kernel) beyond its {1} "
                                    "bytes",
                                    lastByte(ker, kHi, pk), mem.l0.size()));
  if (!at(mem.l0, out + oLo * 4, (oHi - oLo + 1) * 4))
    return fail(inst, llvm::formatv("writes L0 at {0} (output) beyond its {1} "
                                    "bytes",
                                    out + oHi * 4, mem.l0.size()));
  MacTileF32 tile;
  describeTile(tile, t, x.data() - iLo, w.data() - kLo, mem.l0.data() + out);
  tile.accumulate = accumulate;
  macF32(tile);
  if (pi == Precision::FPEC4 || pk == Precision::FPEC4) {
    // The compensated MAC (FPEC): sum(qx qy) plus the first-order terms
    // sum(qx dy + qy dx) / 4 of the error directions d (0 for other
    // operands); every term a multiple of 1/4, the sums exact in FP32.
    static thread_local std::vector<float> dx, dy;
    auto directions = [&](int64_t base, int64_t lo, int64_t hi, Precision q,
                          std::vector<float> &d) {
      d.assign(size_t(hi - lo + 1), 0.0f);
      if (q == Precision::FPEC4)
        for (int64_t i = lo; i <= hi; ++i)
          d[size_t(i - lo)] =
              0.25f * float(numerics::fpecDirection(mem.l0[size_t(base + i)]));
    };
    directions(inp, iLo, iHi, pi, dx);
    directions(ker, kLo, kHi, pk, dy);
    MacTileF32 term;
    describeTile(term, t, x.data() - iLo, dy.data() - kLo, mem.l0.data() + out);
    term.accumulate = true;
    macF32(term);
    describeTile(term, t, dx.data() - iLo, w.data() - kLo, mem.l0.data() + out);
    macF32(term);
  }
  stats.macs += int64_t(p[Mb]) * p[Out] * p[Oy] * p[Ox] *
                (int64_t(p[In]) * p[Ky] * p[Kx]);
  countZeros(size_t(inst.get("tile")), tile.inp, tile.ker);
  return llvm::Error::success();
}

static bool narrowFastPath = true;

void rapid::sim::setNarrowMacFastPath(bool enable) { narrowFastPath = enable; }

bool Core::macNarrowFast(const Instruction &inst, const isa::TileDescriptor &t,
                         Precision pi, Precision pk, Precision pa, int64_t inp,
                         int64_t ker, int64_t out, int64_t chunk,
                         bool accumulate) {
  if (!narrowFastPath || !narrowAccumulation(pa) || chunk < 0)
    return false;
  for (Precision q : {pi, pk})
    if (q != Precision::FP32 && !numerics::floatFormat(q))
      return false;
  const auto &p = t.p;
  for (uint32_t e : p)
    if (e == 0)
      return false;
  const auto &sI = t.strides[0], &sK = t.strides[1], &sO = t.strides[2];
  auto [iLo, iHi] = span(p, sI);
  auto [kLo, kHi] = span(p, sK);
  auto [oLo, oHi] = span(p, sO);
  int64_t eI = storageBits(pi) / 8, eK = storageBits(pk) / 8,
          eA = storageBits(pa) / 8;
  // The bytes each reads or writes, [first, last).
  int64_t i0 = inp + iLo * eI, i1 = inp + (iHi + 1) * eI;
  int64_t k0 = ker + kLo * eK, k1 = ker + (kHi + 1) * eK;
  int64_t o0 = out + oLo * eA, o1 = out + (oHi + 1) * eA;
  if (!at(mem.l0, o0, o1 - o0) || (o0 < i1 && i0 < o1) || (o0 < k1 && k0 < o1))
    return false;
  static thread_local std::vector<float> x, w;
  x.resize(size_t(iHi - iLo + 1));
  w.resize(size_t(kHi - kLo + 1));
  if (!decodeOperand(mem.l0, inp, iLo, iHi, pi, x.data()) ||
      !decodeOperand(mem.l0, ker, kLo, kHi, pk, w.data()))
    return false;
  MacTileNarrow tile;
  describeTile(tile, t, x.data() - iLo, w.data() - kLo, mem.l0.data() + out);
  tile.acc = pa;
  tile.chunk = chunk;
  tile.accumulate = accumulate;
  macNarrow(tile);
  enum { In, Out, Oy, Ox, Mb, Ky, Kx };
  stats.macs += int64_t(p[Mb]) * p[Out] * p[Oy] * p[Ox] *
                (int64_t(p[In]) * p[Ky] * p[Kx]);
  countZeros(size_t(inst.get("tile")), tile.inp, tile.ker);
  return true;
}

llvm::Error Core::sfu(const Instruction &inst) {
  using isa::SfuOperation;
  auto op = SfuOperation(inst.get("op"));
  auto pin = Precision(inst.get("in_prec")),
       pout = Precision(inst.get("out_prec"));
  for (Precision p : {pin, pout})
    if (!simulated(p))
      return fail(inst, "precision " + stringify(p) + " is not simulated yet");
  auto mode = isa::BMode(inst.get("b_mode"));
  if (inst.get("group") && mode != isa::BMode::Broadcast)
    return fail(inst, "a group applies to b_mode=broadcast only");
  int64_t n = inst.get("count");
  int64_t eIn = storageBits(pin) / 8, eOut = storageBits(pout) / 8;
  int64_t dst = a[size_t(inst.get("dst"))] + inst.get("dst_off");
  int64_t src = a[size_t(inst.get("a"))] + inst.get("a_off");
  int64_t bAddr = a[size_t(inst.get("b"))] + inst.get("b_off");
  bool reduce = op == SfuOperation::ReduceSum || op == SfuOperation::ReduceMax;
  // Broadcast with a group: element i reads b[i / group] (0: b[0]).
  int64_t group = mode == isa::BMode::Broadcast ? inst.get("group") : 0;
  int64_t bElements = group ? (n + group - 1) / group : 1;
  // Whole vectors when every access is in bounds and the operation is one
  // the kernels know; otherwise element by element (which reports the first
  // access out of bounds, or the operation).
  int64_t bBytes = mode == isa::BMode::Vector      ? n * eIn
                   : mode == isa::BMode::Broadcast ? bElements * eIn
                                                   : 0;
  // (Packed and BiScaled elements go element by element.)
  bool packed = numerics::isPacked(pin) || numerics::isPacked(pout) ||
                pin == Precision::BiScaled4 || pout == Precision::BiScaled4 ||
                pin == Precision::FPEC4 || pout == Precision::FPEC4;
  if (!packed && n > 0 && at(mem.lx, src, n * eIn) &&
      (mode == isa::BMode::Scalar || at(mem.lx, bAddr, bBytes)) &&
      at(mem.lx, dst, (reduce ? 1 : n) * eOut)) {
    static thread_local std::vector<float> x, y, r;
    x.resize(static_cast<size_t>(n));
    y.resize(static_cast<size_t>(n));
    r.resize(static_cast<size_t>(reduce ? 1 : n));
    decodeElements(mem.lx.data() + src, n, pin, x.data());
    if (mode == isa::BMode::Vector) {
      decodeElements(mem.lx.data() + bAddr, n, pin, y.data());
    } else if (group) {
      static thread_local std::vector<float> g;
      g.resize(static_cast<size_t>(bElements));
      decodeElements(mem.lx.data() + bAddr, bElements, pin, g.data());
      for (int64_t i = 0; i < n; ++i)
        y[size_t(i)] = g[size_t(i / group)];
    } else {
      float b = f[size_t(inst.get("b"))];
      if (mode != isa::BMode::Scalar)
        decodeElements(mem.lx.data() + bAddr, 1, pin, &b);
      std::fill(y.begin(), y.end(), b);
    }
    if (reduce) {
      float acc = op == SfuOperation::ReduceMax ? -INFINITY : 0.0f;
      for (float u : x)
        acc = op == SfuOperation::ReduceMax ? sfuMax(acc, u) : acc + u;
      r[0] = acc;
    }
    if (reduce || sfuElementwise(op, x.data(), y.data(), n, r.data())) {
      if (stochastic(pout))
        storeStochastic(r.data(), reduce ? 1 : n, pout, mem.lx.data() + dst);
      else
        encodeElements(r.data(), reduce ? 1 : n, pout, mem.lx.data() + dst);
      stats.sfuElements += n;
      return llvm::Error::success();
    }
  }
  // Read everything first: dst may overlap the operands.
  std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double value;
    int64_t byte;
    if (!readElement(mem.lx, src, i, pin, value, byte))
      return fail(inst, llvm::formatv("reads Lx at {0} beyond its {1} bytes",
                                      byte, mem.lx.size()));
    x[size_t(i)] = float(value);
    if (mode == isa::BMode::Scalar) {
      y[size_t(i)] = f[size_t(inst.get("b"))];
      continue;
    }
    int64_t bi = mode == isa::BMode::Vector ? i : group ? i / group : 0;
    if (!readElement(mem.lx, bAddr, bi, pin, value, byte))
      return fail(inst, llvm::formatv("reads Lx at {0} beyond its {1} bytes",
                                      byte, mem.lx.size()));
    y[size_t(i)] = float(value);
  }
  std::vector<float> r(static_cast<size_t>(n));
  float acc = op == SfuOperation::ReduceMax ? -INFINITY : 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    float u = x[size_t(i)], v = y[size_t(i)];
    float z;
    switch (op) {
    case SfuOperation::Mov:
      z = u;
      break;
    case SfuOperation::Add:
      z = u + v;
      break;
    case SfuOperation::Sub:
      z = u - v;
      break;
    case SfuOperation::Mul:
      z = u * v;
      break;
    case SfuOperation::Max:
      z = sfuMax(u, v);
      break;
    case SfuOperation::Min:
      z = sfuMin(u, v);
      break;
    case SfuOperation::CmpGt:
      z = u > v ? 1.0f : 0.0f;
      break;
    case SfuOperation::CmpEq:
      z = u == v ? 1.0f : 0.0f;
      break;
    case SfuOperation::Abs:
      z = std::fabs(u);
      break;
    case SfuOperation::Neg:
      z = -u;
      break;
    case SfuOperation::Recip:
      z = numerics::sfuRecip(u);
      break;
    case SfuOperation::Rsqrt:
      z = numerics::sfuRsqrt(u);
      break;
    case SfuOperation::Sqrt:
      z = numerics::sfuSqrt(u);
      break;
    case SfuOperation::Exp:
      z = numerics::sfuExp(u);
      break;
    case SfuOperation::Ln:
      z = numerics::sfuLn(u);
      break;
    case SfuOperation::ExpMod:
      z = numerics::sfuExpMod(
          u, std::isnan(v) ? 0 : int(std::clamp(v, -1024.0f, 1024.0f)));
      break;
    case SfuOperation::ReduceSum:
      acc += u;
      continue;
    case SfuOperation::ReduceMax:
      acc = sfuMax(acc, u);
      continue;
    default:
      return fail(inst, "this SFU operation is not simulated yet");
    }
    r[size_t(i)] = z;
  }
  int64_t outputs = reduce ? 1 : n;
  if (reduce)
    r.assign(1, acc);
  for (int64_t i = 0; i < outputs; ++i) {
    if (numerics::isPacked(pout)) {
      // Packed outputs round to nearest even and saturate (stochastic
      // rounding applies to the float formats).
      int64_t bit = (dst + i) * int64_t(storageBits(pout));
      if (bit < 0 || uint64_t(bit) >= mem.lx.size() * 8)
        return fail(inst, llvm::formatv("writes Lx at {0} beyond its {1} "
                                        "bytes",
                                        bit < 0 ? -1 : bit / 8, mem.lx.size()));
      numerics::storePacked(r[size_t(i)], pout, mem.lx.data(), uint64_t(bit));
      continue;
    }
    uint8_t *p = at(mem.lx, dst + i * eOut, eOut);
    if (!p)
      return fail(inst, llvm::formatv("writes Lx at {0} beyond its {1} bytes",
                                      dst + i * eOut, mem.lx.size()));
    if (stochastic(pout))
      storeStochastic(&r[size_t(i)], 1, pout, p, uint64_t(i));
    else
      numerics::storeElement(r[size_t(i)], pout, p);
  }
  stats.sfuElements += n;
  return llvm::Error::success();
}

llvm::Expected<int64_t> Core::run(int64_t maxInstructions) {
  if (!checked) {
    if (std::string why = isa::checkProgramStructure(program.code);
        !why.empty())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("core {0}: {1}", program.core, why).str());
    checked = true;
  }
  while (true) {
    const Instruction &inst = program.code[pc];
    if (maxInstructions && stats.instructions >= maxInstructions)
      return fail(inst, llvm::formatv("the run exceeded {0} instructions",
                                      maxInstructions));
    ++stats.instructions;
    // Marks lie outside loops: the instruction unit passes each once.
    if (nextMark < program.marks.size() && program.marks[nextMark].pc == pc) {
      layer = int64_t(program.marks[nextMark++].layer);
      ++layerStats(layer)->cores;
    }
    // The instruction issues at `issue`; the unit moves on a cycle later.
    double issue = clock;
    clock += 1;
    // (A core's barriers and halt belong to no layer: an idle core reaches
    // them late, and they would stretch the last layer it worked on.)
    LayerStats *l =
        inst.opcode == Opcode::Barrier || inst.opcode == Opcode::Halt
            ? nullptr
            : layerStats(layer);
    if (l) {
      ++l->instructions;
      l->start = std::min(l->start, issue);
      l->end = std::max(l->end, clock);
    }
    if (tracing(pc))
      traceLine(llvm::formatv("pc {0} @{1:F1}: {2}", pc, issue,
                              isa::disassemble(inst)));
    switch (inst.opcode) {
    case Opcode::Halt:
      // The engines finish what was issued.
      while (!idle()) {
        bool ran;
        if (llvm::Error e = step(ran))
          return std::move(e);
        if (!ran)
          return fail(inst, "deadlock: issued engine instructions wait on "
                            "semaphores nothing can signal any more");
      }
      finished = clock;
      for (double t : engineFree)
        finished = std::max(finished, t);
      return -1;
    case Opcode::Nop:
      break;
    case Opcode::Loop:
      loops.push_back(
          {pc + 1, pc + 1 + size_t(inst.get("body")), inst.get("count")});
      if (inst.get("count") == 0) {
        pc = loops.back().end;
        loops.pop_back();
        continue;
      }
      break;
    case Opcode::SemSignal:
      give(inst.get("sem"), inst.get("count"), issue);
      break;
    case Opcode::SemWait: {
      int64_t s = inst.get("sem");
      // Lazy: the engines run only now that the instruction unit waits.
      while (schedule == Schedule::Lazy && s != isa::kNoSemaphore &&
             sem[size_t(s)] < inst.get("count")) {
        bool ran;
        if (llvm::Error e = step(ran))
          return std::move(e);
        if (!ran)
          break;
      }
      double arrived = 0;
      if (llvm::Error e = take(inst, s, inst.get("count"), &arrived))
        return std::move(e);
      if (arrived > issue) {
        if (LayerStats *l = layerStats(layer))
          l->waits += arrived - issue;
        clock = arrived + 1;
      }
      break;
    }
    case Opcode::Barrier: {
      int64_t id = inst.get("id");
      barrierScope = inst.get("scope");
      advance();
      return id;
    }
    case Opcode::SetI:
      a[size_t(inst.get("a"))] = inst.get("imm");
      break;
    case Opcode::AddI:
      a[size_t(inst.get("a"))] = a[size_t(inst.get("b"))] + inst.get("imm");
      break;
    case Opcode::SetF: {
      uint32_t bits = uint32_t(inst.get("bits"));
      std::memcpy(&f[size_t(inst.get("f"))], &bits, 4);
      break;
    }
    case Opcode::Dma:
    case Opcode::Mac:
    case Opcode::Sfu:
      if (schedule == Schedule::Lazy) {
        queues[unsigned(engineOf(inst))].push_back(
            {pc, a, f, issueCount++, issue, layer, issues[pc]++});
        break;
      }
      issueIndex = issues[pc]++;
      if (llvm::Error e = execute(inst, issue, layer))
        return std::move(e);
      break;
    }
    advance();
  }
}

double Core::durationOf(size_t at) {
  if (duration[at] >= 0)
    return duration[at];
  const Instruction &inst = program.code[at];
  double cycles = 0;
  if (inst.opcode == Opcode::Dma &&
      isa::DmaPath(inst.get("path")) == isa::DmaPath::ExtToLxUnpack) {
    // The compressed bytes the unpack just run read: not cached.
    return timing->unpack(double(unpackedBytes));
  }
  if (inst.opcode == Opcode::Dma) {
    cycles =
        timing->dma(isa::DmaPath(inst.get("path")), isa::Peer(inst.get("peer")),
                    program.dma[size_t(inst.get("desc"))]);
  } else if (inst.opcode == Opcode::Mac) {
    cycles = macCycles(at, bubbleAt[at]);
  } else {
    cycles = timing->sfu(inst.get("count"));
  }
  return duration[at] = cycles;
}

llvm::Error rapid::sim::runCore(const isa::CoreProgram &core, CoreMemories &mem,
                                RunStats &stats, int64_t maxInstructions,
                                Schedule schedule) {
  std::vector<CoreMemories *> mems = {&mem};
  return runCores(core, mems, stats, maxInstructions, schedule);
}

llvm::Error rapid::sim::runCores(llvm::ArrayRef<isa::CoreProgram> programs,
                                 llvm::ArrayRef<CoreMemories *> mems,
                                 RunStats &stats, int64_t maxInstructions,
                                 Schedule schedule) {
  RunOptions options;
  options.maxInstructions = maxInstructions;
  options.schedule = schedule;
  return runCores(programs, mems, stats, options);
}

llvm::Error rapid::sim::runCores(llvm::ArrayRef<isa::CoreProgram> programs,
                                 llvm::ArrayRef<CoreMemories *> mems,
                                 RunStats &stats, const RunOptions &options) {
  assert(programs.size() == mems.size() && "one set of memories per core");
  int64_t maxInstructions = options.maxInstructions;
  System system;
  system.topology = options.topology;
  system.traceLeft = options.trace.limit;
  for (size_t i = 0; i < programs.size(); ++i)
    system.memories[programs[i].core] = mems[i];
  std::vector<std::unique_ptr<Core>> cores;
  for (size_t i = 0; i < programs.size(); ++i)
    cores.push_back(
        std::make_unique<Core>(programs[i], *mems[i], stats, options, system));
  // Each core runs until a barrier or its halt; a barrier releases once
  // every running core of its scope (the chip, or the system) waits at it.
  enum class State { Runnable, Waiting, Halted };
  std::vector<State> state(cores.size(), State::Runnable);
  std::vector<int64_t> at(cores.size(), 0), scope(cores.size(), 0);
  int64_t cpc = system.coresPerChip();
  auto chipOf = [&](size_t i) { return int64_t(programs[i].core) / cpc; };
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   message.str());
  };
  while (llvm::any_of(state, [](State s) { return s != State::Halted; })) {
    for (size_t i = 0; i < cores.size(); ++i) {
      if (state[i] != State::Runnable)
        continue;
      llvm::Expected<int64_t> r = cores[i]->run(maxInstructions);
      if (!r)
        return r.takeError();
      at[i] = *r;
      scope[i] = cores[i]->barrierScope;
      state[i] = *r < 0 ? State::Halted : State::Waiting;
    }
    // The groups a barrier can release: the system, and each chip.
    bool released = false;
    std::optional<std::string> why;
    auto tryRelease = [&](auto inGroup, int64_t groupScope) {
      std::optional<size_t> first;
      bool all = true, anyHalted = false;
      std::optional<size_t> halted;
      for (size_t i = 0; i < cores.size(); ++i) {
        if (!inGroup(i))
          continue;
        if (state[i] == State::Halted) {
          anyHalted = true;
          halted = halted ? halted : i;
          continue;
        }
        if (state[i] != State::Waiting || scope[i] != groupScope) {
          all = false;
          continue;
        }
        if (!first) {
          first = i;
        } else if (at[i] != at[*first]) {
          why = llvm::formatv("core {0} waits at barrier {1} while core {2} "
                              "waits at barrier {3}: the cores' programs "
                              "disagree",
                              programs[i].core, at[i], programs[*first].core,
                              at[*first]);
          all = false;
        }
      }
      if (!first || !all)
        return;
      if (anyHalted) {
        why = llvm::formatv("deadlock: cores wait at barrier {0}, which core "
                            "{1} never reaches (it halted)",
                            at[*first], programs[*halted].core);
        return;
      }
      // The barrier releases when the last core arrives.
      double release = 0;
      for (size_t i = 0; i < cores.size(); ++i)
        if (inGroup(i))
          release = std::max(release, cores[i]->clock);
      for (size_t i = 0; i < cores.size(); ++i)
        if (inGroup(i)) {
          cores[i]->clock = release;
          state[i] = State::Runnable;
        }
      released = true;
    };
    tryRelease([](size_t) { return true; }, int64_t(isa::Scope::System));
    std::set<int64_t> chips;
    for (size_t i = 0; i < cores.size(); ++i)
      chips.insert(chipOf(i));
    for (int64_t chip : chips)
      tryRelease([&](size_t i) { return chipOf(i) == chip; },
                 int64_t(isa::Scope::Chip));
    bool runnable =
        llvm::any_of(state, [](State s) { return s == State::Runnable; });
    bool waiting =
        llvm::any_of(state, [](State s) { return s == State::Waiting; });
    if (!released && !runnable && waiting)
      return error(why ? *why
                       : "deadlock: the cores wait at barriers of different "
                         "scopes (chip and system) that none can release");
  }
  if (options.timing) {
    stats.coreCycles.clear();
    for (const auto &c : cores) {
      stats.coreCycles.push_back(c->finished);
      stats.cycles = std::max(stats.cycles, c->finished);
    }
  }
  return llvm::Error::success();
}
