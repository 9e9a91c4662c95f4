//===- Vocabulary.h - Names shared by mapping, cost model and ISA -*- C++
//-*-===//
//
// Part of the rapid project: an ahead-of-time compiler for RaPiD-style AI
// accelerators.
//
//===----------------------------------------------------------------------===//
//
// The enumerations every layer of the compiler talks about: the five workload
// dimensions of the DeepTools design space {in, out, ij, mb, kij}, the three
// data structures of a layer, the memory levels, dataflows, parallelism kinds
// and numeric precisions. This header is plain C++ (LLVM Support only, no MLIR
// types) so that the analytic libraries (architecture, cost model, search,
// numerics, simulator) and the MLIR attributes share one definition.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SUPPORT_VOCABULARY_H
#define RAPID_SUPPORT_VOCABULARY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace rapid {

// Each enumeration is listed once, as an X-macro: (Enumerator, "spelling").

/// Workload dimensions of a layer (seed: N = <dim tuple>). For a convolution:
/// in = input channels, out = output channels, ij = output pixels,
/// mb = minibatch, kij = kernel window.
#define RAPID_DIMS(X)                                                          \
  X(In, "in")                                                                  \
  X(Out, "out")                                                                \
  X(Ij, "ij")                                                                  \
  X(Mb, "mb")                                                                  \
  X(Kij, "kij")

/// The data structures of a layer: input activations, kernel (weights) and
/// outputs.
#define RAPID_DATA_STRUCTURES(X)                                               \
  X(Inp, "inp")                                                                \
  X(Ker, "ker")                                                                \
  X(Outp, "out")

/// Memory levels, outermost first.
#define RAPID_MEM_LEVELS(X)                                                    \
  X(Ext, "ext")                                                                \
  X(Lx, "lx")                                                                  \
  X(L0, "l0")                                                                  \
  X(Reg, "reg")

/// Loop stages of the two-level tiling, outermost first: loops over B tiles
/// (staged in Lx), over T tiles (staged in L0), and over P tiles (the work fed
/// to the PE array at once).
#define RAPID_LOOP_STAGES(X)                                                   \
  X(B, "B")                                                                    \
  X(T, "T")                                                                    \
  X(P, "P")

/// Per-core dataflows: which data structure stays in the PE register files.
#define RAPID_DATAFLOWS(X)                                                     \
  X(WeightStationary, "weight_stationary")                                     \
  X(OutputStationary, "output_stationary")                                     \
  X(InputStationary, "input_stationary")

/// Parallelism kinds across chips (seed: Data, Model and the two hybrids).
#define RAPID_PARALLELISMS(X)                                                  \
  X(Data, "data")                                                              \
  X(Model, "model")                                                            \
  X(DataXModelY, "data_x_model_y")                                             \
  X(ModelXDataY, "model_x_data_y")

/// Numeric precisions of the PE array and SFUs: (enumerator, spelling, bits
/// per stored element, default PE MACs per cycle relative to FP16).
/// hfp8_143 is the forward 1-4-3 format (exponent bias 11, max 30), hfp8_152
/// the backward 1-5-2 format. Seed: FP16 x1, HFP8 x2, INT4 x4, INT2/ternary
/// x8, binary x16; INT8 is taken as x2 like HFP8. FP32 work runs on the SFUs,
/// not the PE array, so its PE multiplier is 0. biscaled4 is the seed's
/// BiScaled fixed point at INT4's rate: a 4-bit integer q with a flag
/// choosing the fine step (q) or the wide one (4 q), stored in a byte (q in
/// bits 0-3, the flag in bit 4; docs/isa.md). fpec4 is the seed's fixed
/// point with error compensation at INT4's rate: a 4-bit integer q and the
/// direction of its quantization error (-1, 0, +1) in a byte, read by the
/// compensated MAC.
#define RAPID_PRECISIONS(X)                                                    \
  X(FP32, "fp32", 32, 0)                                                       \
  X(FP16, "fp16", 16, 1)                                                       \
  X(DLFloat16, "dlfloat16", 16, 1)                                             \
  X(HFP8_143, "hfp8_143", 8, 2)                                                \
  X(HFP8_152, "hfp8_152", 8, 2)                                                \
  X(INT8, "int8", 8, 2)                                                        \
  X(INT4, "int4", 4, 4)                                                        \
  X(INT2, "int2", 2, 8)                                                        \
  X(Ternary, "ternary", 2, 8)                                                  \
  X(Binary, "binary", 1, 16)                                                   \
  X(BiScaled4, "biscaled4", 8, 4)                                              \
  X(FPEC4, "fpec4", 8, 4)

#define RAPID_ENUMERATOR(E, S, ...) E,
enum class Dim : uint8_t { RAPID_DIMS(RAPID_ENUMERATOR) };
enum class DataStructure : uint8_t { RAPID_DATA_STRUCTURES(RAPID_ENUMERATOR) };
enum class MemLevel : uint8_t { RAPID_MEM_LEVELS(RAPID_ENUMERATOR) };
enum class LoopStage : uint8_t { RAPID_LOOP_STAGES(RAPID_ENUMERATOR) };
enum class Dataflow : uint8_t { RAPID_DATAFLOWS(RAPID_ENUMERATOR) };
enum class Parallelism : uint8_t { RAPID_PARALLELISMS(RAPID_ENUMERATOR) };
enum class Precision : uint8_t { RAPID_PRECISIONS(RAPID_ENUMERATOR) };
#undef RAPID_ENUMERATOR

#define RAPID_COUNT(...) +1
constexpr unsigned kNumPrecisions = 0 RAPID_PRECISIONS(RAPID_COUNT);
#undef RAPID_COUNT

constexpr unsigned kNumDims = 5;
constexpr unsigned kNumDataStructures = 3;
constexpr unsigned kNumLoopStages = 3;

/// Spellings of every enumerator of E, in declaration order.
template <typename E> llvm::ArrayRef<llvm::StringRef> spellings();

/// The textual spelling of an enumerator.
template <typename E> llvm::StringRef stringify(E value) {
  return spellings<E>()[static_cast<unsigned>(value)];
}

/// Parses a spelling; std::nullopt when `text` names no enumerator.
template <typename E> std::optional<E> symbolize(llvm::StringRef text) {
  llvm::ArrayRef<llvm::StringRef> all = spellings<E>();
  for (unsigned i = 0, e = all.size(); i != e; ++i)
    if (all[i] == text)
      return static_cast<E>(i);
  return std::nullopt;
}

/// "a, b, c": the accepted spellings, for error messages.
template <typename E> std::string listSpellings() {
  std::string out;
  for (llvm::StringRef s : spellings<E>()) {
    if (!out.empty())
      out += ", ";
    out += s.str();
  }
  return out;
}

/// A value per workload dimension, indexed by Dim.
using DimTuple = std::array<int64_t, kNumDims>;

/// Bits per element of a precision as stored in memory.
unsigned storageBits(Precision p);
/// Bytes per element (fractional for the sub-byte formats).
inline double storageBytes(Precision p) { return storageBits(p) / 8.0; }

/// Default MACs per cycle of one PE relative to FP16 (see RAPID_PRECISIONS);
/// architecture descriptions may override these.
unsigned peThroughputMultiplier(Precision p);

} // namespace rapid

#endif // RAPID_SUPPORT_VOCABULARY_H
