//===- Functional.cpp - Executes a core's program functionally ------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Functional.h"
#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Numerics/SfuMath.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>

using namespace rapid;
using namespace rapid::sim;
using isa::Instruction;
using isa::Opcode;

/// Whether the executor computes in `p`: the whole-byte precisions.
static bool simulated(Precision p) {
  return p == Precision::FP32 || p == Precision::INT8 ||
         numerics::floatFormat(p);
}

/// `x` rounded to the accumulation precision.
static double roundTo(double x, Precision p) {
  if (p == Precision::FP32)
    return double(float(x));
  if (const numerics::FloatFormat *f = numerics::floatFormat(p))
    return numerics::round(x, *f);
  return x; // integer accumulators are exact at these sizes
}

namespace {
class Core {
public:
  Core(const isa::CoreProgram &program, CoreMemories &mem, RunStats &stats,
       Schedule schedule)
      : program(program), mem(mem), stats(stats), schedule(schedule) {}

  /// Runs until the core halts (returns -1) or reaches a barrier (returns
  /// its id; the core then waits there, and the next call continues after
  /// it).
  llvm::Expected<int64_t> run(int64_t maxInstructions);
  /// The barrier's scope when run() stopped at one.
  int64_t barrierScope = 0;

private:
  const isa::CoreProgram &program;
  CoreMemories &mem;
  RunStats &stats;
  Schedule schedule;
  /// An engine instruction issued but not run (Schedule::Lazy): its
  /// registers as they were at issue.
  struct Pending {
    size_t pc;
    std::array<int64_t, 16> a;
    std::array<float, 16> f;
    uint64_t issued;
  };
  /// The DMA, PE-array and SFU queues, in issue order.
  std::array<std::deque<Pending>, 3> queues;
  uint64_t issueCount = 0;
  static unsigned engineOf(Opcode op) {
    return op == Opcode::Dma ? 0 : op == Opcode::Mac ? 1 : 2;
  }
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
    llvm::Error err = execute(program.code[p.pc]);
    a = savedA;
    f = savedF;
    pc = savedPc;
    return err;
  }
  /// Takes the engine's semaphore, runs it, signals.
  llvm::Error execute(const Instruction &inst) {
    if (llvm::Error e = take(inst, inst.get("wait"), 1))
      return e;
    llvm::Error e = inst.opcode == Opcode::Dma   ? dma(inst)
                    : inst.opcode == Opcode::Mac ? mac(inst)
                                                 : sfu(inst);
    if (e)
      return e;
    give(inst.get("signal"), 1);
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
  llvm::Error take(const Instruction &inst, int64_t s, int64_t count) {
    if (s == isa::kNoSemaphore)
      return llvm::Error::success();
    if (sem[size_t(s)] < count)
      return fail(inst, llvm::formatv("deadlock: waits for {0} on s{1}, "
                                      "which holds {2} and has nothing left "
                                      "to signal it",
                                      count, s, sem[size_t(s)]));
    sem[size_t(s)] -= count;
    return llvm::Error::success();
  }
  void give(int64_t s, int64_t count) {
    if (s != isa::kNoSemaphore)
      sem[size_t(s)] += count;
  }
  llvm::Error dma(const Instruction &inst);
  llvm::Error mac(const Instruction &inst);
  /// mac with FP32 accumulation and no chunks: the operands (whose
  /// products FP32 holds exactly) decoded once, the sums in float, in the
  /// same order as the general path; the same results, much faster.
  llvm::Error macFloat(const Instruction &inst, const isa::TileDescriptor &t,
                       Precision pi, Precision pk, int64_t inp, int64_t ker,
                       int64_t out, bool accumulate);
  llvm::Error sfu(const Instruction &inst);
};
} // namespace

static const char *spaceName(int space) {
  return space == 0 ? "external memory" : space == 1 ? "Lx" : "L0";
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
  default:
    return fail(inst, "ring and link transfers need the multi-core "
                      "simulator");
  }
  auto memory = [&](int space) -> std::vector<uint8_t> & {
    return space == 0 ? *mem.ext : space == 1 ? mem.lx : mem.l0;
  };
  const isa::DmaDescriptor &d = program.dma[size_t(inst.get("desc"))];
  if (d.elementBits % 8)
    return fail(inst, "sub-byte elements are not simulated yet");
  int64_t eb = d.elementBits / 8;
  int64_t src = a[size_t(inst.get("src"))] + inst.get("src_off");
  int64_t dst = a[size_t(inst.get("dst"))] + inst.get("dst_off");
  std::array<int64_t, isa::kMaxDmaRank> count{1, 1, 1, 1}, ss{}, ds{};
  for (size_t k = 0; k < d.dims.size(); ++k) {
    count[k] = d.dims[k].count;
    ss[k] = d.dims[k].srcStride;
    ds[k] = d.dims[k].dstStride;
  }
  std::vector<uint8_t> &sm = memory(srcSpace), &dm = memory(dstSpace);
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

llvm::Error Core::mac(const Instruction &inst) {
  const isa::TileDescriptor &t = program.tiles[size_t(inst.get("tile"))];
  auto pi = Precision(inst.get("inp_prec")),
       pk = Precision(inst.get("ker_prec")),
       pa = Precision(inst.get("acc_prec"));
  for (Precision p : {pi, pk, pa})
    if (!simulated(p))
      return fail(inst, "precision " + stringify(p) + " is not simulated yet");
  int64_t eI = storageBits(pi) / 8, eK = storageBits(pk) / 8,
          eA = storageBits(pa) / 8;
  int64_t inp = a[size_t(inst.get("inp"))] + inst.get("inp_off");
  int64_t ker = a[size_t(inst.get("ker"))] + inst.get("ker_off");
  int64_t out = a[size_t(inst.get("out"))] + inst.get("out_off");
  int64_t chunk = inst.get("chunk");
  bool accumulate = inst.get("accumulate");
  const auto &p = t.p;
  const auto &sI = t.strides[0], &sK = t.strides[1], &sO = t.strides[2];
  enum { In, Out, Oy, Ox, Mb, Ky, Kx };
  if (pa == Precision::FP32 && chunk == 0 && pi != Precision::INT8 &&
      pk != Precision::INT8)
    return macFloat(inst, t, pi, pk, inp, ker, out, accumulate);
  for (int64_t mb = 0; mb < p[Mb]; ++mb)
    for (int64_t o = 0; o < p[Out]; ++o)
      for (int64_t oy = 0; oy < p[Oy]; ++oy)
        for (int64_t ox = 0; ox < p[Ox]; ++ox) {
          double total = 0, partial = 0;
          int64_t terms = 0;
          int64_t baseI = o * sI[Out] + oy * sI[Oy] + ox * sI[Ox] + mb * sI[Mb];
          int64_t baseK = o * sK[Out] + oy * sK[Oy] + ox * sK[Ox] + mb * sK[Mb];
          for (int64_t ky = 0; ky < p[Ky]; ++ky)
            for (int64_t kx = 0; kx < p[Kx]; ++kx)
              for (int64_t i = 0; i < p[In]; ++i) {
                int64_t ai =
                    inp + (baseI + i * sI[In] + ky * sI[Ky] + kx * sI[Kx]) * eI;
                int64_t ak =
                    ker + (baseK + i * sK[In] + ky * sK[Ky] + kx * sK[Kx]) * eK;
                uint8_t *x = at(mem.l0, ai, eI), *w = at(mem.l0, ak, eK);
                if (!x || !w)
                  return fail(inst,
                              llvm::formatv("reads L0 at {0} ({1}) beyond its "
                                            "{2} bytes",
                                            x ? ak : ai, x ? "kernel" : "input",
                                            mem.l0.size()));
                double product = roundTo(numerics::loadElement(x, pi) *
                                             numerics::loadElement(w, pk),
                                         pa);
                partial = roundTo(partial + product, pa);
                if (chunk && ++terms % chunk == 0) {
                  total = roundTo(total + partial, pa);
                  partial = 0;
                }
              }
          double sum = chunk ? roundTo(total + partial, pa) : partial;
          int64_t ao =
              out +
              (o * sO[Out] + oy * sO[Oy] + ox * sO[Ox] + mb * sO[Mb]) * eA;
          uint8_t *y = at(mem.l0, ao, eA);
          if (!y)
            return fail(inst, llvm::formatv("writes L0 at {0} (output) beyond "
                                            "its {1} bytes",
                                            ao, mem.l0.size()));
          double value = accumulate
                             ? roundTo(numerics::loadElement(y, pa) + sum, pa)
                             : sum;
          numerics::storeElement(value, pa, y);
          stats.macs += p[In] * p[Ky] * p[Kx];
        }
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

/// Decodes `n` elements of precision `prec` from `bytes` into floats.
static void decodeAll(const uint8_t *bytes, int64_t n, Precision prec,
                      float *out) {
  if (prec == Precision::FP16) {
    // All 65536 FP16 values, decoded once.
    static const std::vector<float> table = [] {
      std::vector<float> t(65536);
      for (uint32_t b = 0; b < 65536; ++b)
        t[b] = float(numerics::decode(b, numerics::kFP16));
      return t;
    }();
    for (int64_t i = 0; i < n; ++i)
      out[i] = table[size_t(bytes[2 * i] | bytes[2 * i + 1] << 8)];
    return;
  }
  int64_t eb = storageBits(prec) / 8;
  for (int64_t i = 0; i < n; ++i)
    out[i] = float(numerics::loadElement(bytes + i * eb, prec));
}

llvm::Error Core::macFloat(const Instruction &inst,
                           const isa::TileDescriptor &t, Precision pi,
                           Precision pk, int64_t inp, int64_t ker, int64_t out,
                           bool accumulate) {
  enum { In, Out, Oy, Ox, Mb, Ky, Kx };
  const auto &p = t.p;
  const auto &sI = t.strides[0], &sK = t.strides[1], &sO = t.strides[2];
  int64_t eI = storageBits(pi) / 8, eK = storageBits(pk) / 8;
  auto [iLo, iHi] = span(p, sI);
  auto [kLo, kHi] = span(p, sK);
  auto [oLo, oHi] = span(p, sO);
  if (!at(mem.l0, inp + iLo * eI, (iHi - iLo + 1) * eI))
    return fail(inst, llvm::formatv("reads L0 at {0} (input) beyond its {1} "
                                    "bytes",
                                    inp + iHi * eI, mem.l0.size()));
  if (!at(mem.l0, ker + kLo * eK, (kHi - kLo + 1) * eK))
    return fail(inst, llvm::formatv("reads L0 at {0} (kernel) beyond its {1} "
                                    "bytes",
                                    ker + kHi * eK, mem.l0.size()));
  if (!at(mem.l0, out + oLo * 4, (oHi - oLo + 1) * 4))
    return fail(inst, llvm::formatv("writes L0 at {0} (output) beyond its {1} "
                                    "bytes",
                                    out + oHi * 4, mem.l0.size()));
  std::vector<float> x(static_cast<size_t>(iHi - iLo + 1)),
      w(static_cast<size_t>(kHi - kLo + 1));
  decodeAll(mem.l0.data() + inp + iLo * eI, iHi - iLo + 1, pi, x.data());
  decodeAll(mem.l0.data() + ker + kLo * eK, kHi - kLo + 1, pk, w.data());
  const float *xb = x.data() - iLo, *wb = w.data() - kLo;
  for (int64_t mb = 0; mb < p[Mb]; ++mb)
    for (int64_t o = 0; o < p[Out]; ++o)
      for (int64_t oy = 0; oy < p[Oy]; ++oy)
        for (int64_t ox = 0; ox < p[Ox]; ++ox) {
          const float *xr =
              xb + (o * sI[Out] + oy * sI[Oy] + ox * sI[Ox] + mb * sI[Mb]);
          const float *wr =
              wb + (o * sK[Out] + oy * sK[Oy] + ox * sK[Ox] + mb * sK[Mb]);
          float sum = 0;
          for (int64_t ky = 0; ky < p[Ky]; ++ky)
            for (int64_t kx = 0; kx < p[Kx]; ++kx) {
              const float *xk = xr + ky * sI[Ky] + kx * sI[Kx];
              const float *wk = wr + ky * sK[Ky] + kx * sK[Kx];
              for (int64_t i = 0; i < p[In]; ++i)
                sum += xk[i * sI[In]] * wk[i * sK[In]];
            }
          uint8_t *y =
              mem.l0.data() + out +
              (o * sO[Out] + oy * sO[Oy] + ox * sO[Ox] + mb * sO[Mb]) * 4;
          float v = sum;
          if (accumulate) {
            float old;
            std::memcpy(&old, y, 4);
            v = old + sum;
          }
          std::memcpy(y, &v, 4);
          stats.macs += p[In] * p[Ky] * p[Kx];
        }
  return llvm::Error::success();
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
  int64_t n = inst.get("count");
  int64_t eIn = storageBits(pin) / 8, eOut = storageBits(pout) / 8;
  int64_t dst = a[size_t(inst.get("dst"))] + inst.get("dst_off");
  int64_t src = a[size_t(inst.get("a"))] + inst.get("a_off");
  int64_t bAddr = a[size_t(inst.get("b"))] + inst.get("b_off");
  bool reduce = op == SfuOperation::ReduceSum || op == SfuOperation::ReduceMax;
  // Read everything first: dst may overlap the operands.
  std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint8_t *p = at(mem.lx, src + i * eIn, eIn);
    if (!p)
      return fail(inst, llvm::formatv("reads Lx at {0} beyond its {1} bytes",
                                      src + i * eIn, mem.lx.size()));
    x[size_t(i)] = float(numerics::loadElement(p, pin));
    if (mode == isa::BMode::Scalar) {
      y[size_t(i)] = f[size_t(inst.get("b"))];
      continue;
    }
    int64_t ab = mode == isa::BMode::Vector ? bAddr + i * eIn : bAddr;
    uint8_t *q = at(mem.lx, ab, eIn);
    if (!q)
      return fail(inst, llvm::formatv("reads Lx at {0} beyond its {1} bytes",
                                      ab, mem.lx.size()));
    y[size_t(i)] = float(numerics::loadElement(q, pin));
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
      z = std::fmax(u, v);
      break;
    case SfuOperation::Min:
      z = std::fmin(u, v);
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
      acc = std::fmax(acc, u);
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
    uint8_t *p = at(mem.lx, dst + i * eOut, eOut);
    if (!p)
      return fail(inst, llvm::formatv("writes Lx at {0} beyond its {1} bytes",
                                      dst + i * eOut, mem.lx.size()));
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
      give(inst.get("sem"), inst.get("count"));
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
      if (llvm::Error e = take(inst, s, inst.get("count")))
        return std::move(e);
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
        queues[engineOf(inst.opcode)].push_back({pc, a, f, issueCount++});
        break;
      }
      if (llvm::Error e = execute(inst))
        return std::move(e);
      break;
    }
    advance();
  }
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
  assert(programs.size() == mems.size() && "one set of memories per core");
  std::vector<std::unique_ptr<Core>> cores;
  for (size_t i = 0; i < programs.size(); ++i)
    cores.push_back(
        std::make_unique<Core>(programs[i], *mems[i], stats, schedule));
  // Each core runs until a barrier or its halt; a barrier releases once
  // every core still running waits at it.
  std::vector<int64_t> at(cores.size(), 0);
  std::vector<bool> halted(cores.size(), false);
  size_t running = cores.size();
  while (running) {
    for (size_t i = 0; i < cores.size(); ++i) {
      if (halted[i])
        continue;
      llvm::Expected<int64_t> r = cores[i]->run(maxInstructions);
      if (!r)
        return r.takeError();
      at[i] = *r;
      if (*r < 0) {
        halted[i] = true;
        --running;
      }
    }
    std::optional<int64_t> id;
    size_t first = 0;
    for (size_t i = 0; i < cores.size(); ++i) {
      if (halted[i])
        continue;
      if (id && *id != at[i])
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("core {0} waits at barrier {1} while core {2} "
                          "waits at barrier {3}: the cores' programs "
                          "disagree",
                          programs[i].core, at[i], programs[first].core, *id)
                .str());
      if (!id)
        first = i;
      id = at[i];
    }
    if (id && running != cores.size())
      for (size_t i = 0; i < cores.size(); ++i)
        if (halted[i])
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              llvm::formatv("deadlock: cores wait at barrier {0}, which core "
                            "{1} never reaches (it halted)",
                            *id, programs[i].core)
                  .str());
  }
  return llvm::Error::success();
}
