//===- Vocabulary.cpp - Names shared across the compiler ------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/Vocabulary.h"

#include "llvm/Support/ErrorHandling.h"

using namespace rapid;

#define RAPID_SPELLING(E, S) S,
#define RAPID_DEFINE_SPELLINGS(TYPE, LIST)                                     \
  template <> llvm::ArrayRef<llvm::StringRef> rapid::spellings<TYPE>() {       \
    static const llvm::StringRef names[] = {LIST(RAPID_SPELLING)};             \
    return names;                                                              \
  }

RAPID_DEFINE_SPELLINGS(Dim, RAPID_DIMS)
RAPID_DEFINE_SPELLINGS(DataStructure, RAPID_DATA_STRUCTURES)
RAPID_DEFINE_SPELLINGS(MemLevel, RAPID_MEM_LEVELS)
RAPID_DEFINE_SPELLINGS(LoopStage, RAPID_LOOP_STAGES)
RAPID_DEFINE_SPELLINGS(Dataflow, RAPID_DATAFLOWS)
RAPID_DEFINE_SPELLINGS(Parallelism, RAPID_PARALLELISMS)
RAPID_DEFINE_SPELLINGS(Precision, RAPID_PRECISIONS)

unsigned rapid::storageBits(Precision p) {
  switch (p) {
  case Precision::FP32:
    return 32;
  case Precision::FP16:
  case Precision::DLFloat16:
    return 16;
  case Precision::HFP8_143:
  case Precision::HFP8_152:
  case Precision::INT8:
    return 8;
  case Precision::INT4:
    return 4;
  case Precision::INT2:
  case Precision::Ternary:
    return 2;
  case Precision::Binary:
    return 1;
  }
  llvm_unreachable("unknown precision");
}

unsigned rapid::peThroughputMultiplier(Precision p) {
  switch (p) {
  case Precision::FP32:
    return 0;
  case Precision::FP16:
  case Precision::DLFloat16:
    return 1;
  case Precision::HFP8_143:
  case Precision::HFP8_152:
  case Precision::INT8:
    return 2;
  case Precision::INT4:
    return 4;
  case Precision::INT2:
  case Precision::Ternary:
    return 8;
  case Precision::Binary:
    return 16;
  }
  llvm_unreachable("unknown precision");
}
