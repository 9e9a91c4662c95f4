//===- Emitter.h - Instruction emission shared by the lowerings -*- C++ -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Internal to lib/Backend: appends instructions and descriptors to a core
// program (hardware loops that unroll when the loop stack is full,
// descriptors interned), the register conventions, and strided blocks.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_LIB_BACKEND_EMITTER_H
#define RAPID_LIB_BACKEND_EMITTER_H

#include "rapid/Backend/LayerLowering.h"
#include "rapid/ISA/ModelBinary.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Support/Vocabulary.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace rapid::backend::detail {

using isa::Instruction;
using isa::Opcode;

inline int64_t bytesOf(Precision p) { return storageBits(p) / 8; }
/// Address units per element: instruction operands in the packed sub-byte
/// precisions are addressed by element (docs/isa.md), the others by byte.
inline int64_t unitsOf(Precision p) {
  return storageBits(p) < 8 ? 1 : bytesOf(p);
}
/// The operand address of byte address `byteAddress` for elements of `p`
/// (byte addresses of packed buffers are multiples of 8 / bits).
inline int64_t addressOf(uint64_t byteAddress, Precision p) {
  return storageBits(p) < 8 ? int64_t(byteAddress * 8 / storageBits(p))
                            : int64_t(byteAddress);
}
/// Bytes that `elements` elements of `p` occupy.
inline int64_t bytesFor(int64_t elements, Precision p) {
  return int64_t(numerics::bytesFor(uint64_t(elements), p));
}
inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Address registers (docs/backend.md); a0 holds 0.
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
  kEpC = 14,
};
/// The semaphore engine instructions signal on completion. An engine runs
/// its instructions in issue order, so the instruction unit waits for them
/// only before issuing one on another engine (and at fences): consecutive
/// instructions of one engine are issued back to back, and the whole runs
/// in program order under any schedule.
constexpr int64_t kChain = 0;
/// Double buffering: the PE array's completions, and the loads'.
constexpr int64_t kMacDone = 1;
constexpr int64_t kLoaded = 2;
/// Double buffering at the B stage: the prefetched B tiles' loads.
constexpr int64_t kBLoaded = 3;
/// Double-buffered output T tiles: a mac's completion, which its tile's
/// write-back waits for.
constexpr int64_t kStore = 4;
constexpr int64_t kMaxSfuCount = (int64_t(1) << 20) - 1;
/// The FP32 register holding an integer layer's sums' scale (f0-f2 hold
/// the activations' scalars).
constexpr int64_t kScaleF = 3;

class Emitter {
public:
  explicit Emitter(isa::CoreProgram &core) : core(core) {}

  /// The instruction emitted last.
  Instruction &back() { return core.code.back(); }

  Instruction &emit(Opcode op) {
    core.code.emplace_back();
    core.code.back().opcode = op;
    return core.code.back();
  }
  /// Orders the engine instruction just issued after the ones before it
  /// (unless `waitAfter` is off or it signals another semaphore:
  /// double-buffered code synchronizes by counts): if they ran on another
  /// engine, the instruction unit first waits for them.
  void complete() {
    if (!waitAfter || back().get("signal") != kChain)
      return;
    isa::Engine engine = isa::engineOf(back());
    if (pending && engine != pendingEngine) {
      Instruction inst = back();
      core.code.pop_back();
      fence();
      core.code.push_back(inst);
    }
    ++pending;
    pendingEngine = engine;
  }
  /// Waits for every engine instruction issued so far: before code that
  /// runs outside the protocol (double-buffered loops, prefetches into
  /// buffers earlier instructions read, loops) and at the end of each
  /// lowering (the destructor), so that a barrier after it finds the engines
  /// drained.
  void fence() {
    semWait(kChain, pending);
    pending = 0;
  }
  ~Emitter() { fence(); }
  /// The semaphore engine instructions signal, and whether the instruction
  /// unit waits for each.
  int64_t signalSem = kChain;
  bool waitAfter = true;
  /// Emits `body` with its engine instructions signalling `sem` and the
  /// instruction unit not waiting for them (double-buffered code waits by
  /// counts).
  void signalling(int64_t sem, const std::function<void()> &body) {
    int64_t savedSem = signalSem;
    bool savedWait = waitAfter;
    signalSem = sem;
    waitAfter = false;
    body();
    signalSem = savedSem;
    waitAfter = savedWait;
  }
  /// sem.wait / sem.signal of any count (the field holds 255).
  void semWait(int64_t sem, int64_t count) {
    for (; count > 0; count -= 255)
      emit(Opcode::SemWait)
          .set("sem", sem)
          .set("count", std::min<int64_t>(count, 255));
  }
  void semSignal(int64_t sem, int64_t count) {
    for (; count > 0; count -= 255)
      emit(Opcode::SemSignal)
          .set("sem", sem)
          .set("count", std::min<int64_t>(count, 255));
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
    // Each iteration starts with nothing outstanding, as the code in the
    // body assumes.
    fence();
    size_t at = core.code.size();
    emit(Opcode::Loop).set("count", count);
    ++depth;
    body();
    fence();
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
        .set("wait", isa::kNoSemaphore)
        .set("signal", signalSem);
    complete();
  }

  /// (`group`: with BMode::Broadcast, element i reads b[i / group].)
  void sfu(isa::SfuOperation op, Precision in, Precision out, isa::BMode bMode,
           int64_t count, int64_t dst, int64_t a, int64_t b,
           int64_t group = 0) {
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
        .set("wait", isa::kNoSemaphore)
        .set("signal", signalSem)
        .set("group", group);
    complete();
  }

  /// The scalars activation() reads: f0 = 0, and for clip f1 and f2 its
  /// bounds.
  void activationScalars(Epilogue::Act act, float lo, float hi) {
    setf(0, 0.0f);
    if (act == Epilogue::Act::Clip) {
      setf(1, lo);
      setf(2, hi);
    }
  }
  /// relu (max with f0) or clip (max with f1, then min with f2) of `count`
  /// elements at `src` (read in `in`) into `dst` (written in `out`).
  void activation(Epilogue::Act act, Precision in, Precision out, int64_t count,
                  int64_t dst, int64_t src) {
    if (act == Epilogue::Act::None)
      return;
    bool clip = act == Epilogue::Act::Clip;
    sfu(isa::SfuOperation::Max, in, out, isa::BMode::Scalar, count, dst, src,
        clip ? 1 : 0);
    if (clip)
      sfu(isa::SfuOperation::Min, out, out, isa::BMode::Scalar, count, dst, dst,
          2);
  }

private:
  isa::CoreProgram &core;
  unsigned depth = 0;
  /// Engine instructions on `pendingEngine` not waited for yet.
  int64_t pending = 0;
  isa::Engine pendingEngine = isa::Engine::DmaExt;
};

/// A strided block: per dimension a count and element strides on both
/// sides, merged where contiguous on both and ordered innermost (smallest
/// destination stride) first.
struct Block {
  struct D {
    int64_t count, src, dst;
  };
  std::vector<D> dims;
  void add(int64_t count, int64_t src, int64_t dst) {
    if (count > 1)
      dims.push_back({count, src, dst});
  }
  isa::DmaDescriptor descriptor(Precision p) const {
    std::vector<D> sorted = dims;
    llvm::stable_sort(sorted,
                      [](const D &a, const D &b) { return a.dst < b.dst; });
    std::vector<D> merged;
    for (const D &d : sorted) {
      if (!merged.empty() && merged.back().src * merged.back().count == d.src &&
          merged.back().dst * merged.back().count == d.dst) {
        merged.back().count *= d.count;
        continue;
      }
      merged.push_back(d);
    }
    int64_t eb = unitsOf(p);
    isa::DmaDescriptor desc;
    desc.elementBits = unsigned(storageBits(p));
    for (const D &d : merged)
      desc.dims.push_back({uint32_t(d.count), d.src * eb, d.dst * eb});
    if (desc.dims.empty())
      desc.dims.push_back({1, eb, eb});
    return desc;
  }
};

} // namespace rapid::backend::detail

#endif // RAPID_LIB_BACKEND_EMITTER_H
