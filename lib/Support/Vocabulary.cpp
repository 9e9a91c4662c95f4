//===- Vocabulary.cpp - Names shared across the compiler ------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/Vocabulary.h"

using namespace rapid;

#define RAPID_SPELLING(E, S, ...) S,
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
#define RAPID_BITS(E, S, BITS, PE) BITS,
  static const unsigned bits[] = {RAPID_PRECISIONS(RAPID_BITS)};
#undef RAPID_BITS
  return bits[static_cast<unsigned>(p)];
}

unsigned rapid::peThroughputMultiplier(Precision p) {
#define RAPID_PE(E, S, BITS, PE) PE,
  static const unsigned multipliers[] = {RAPID_PRECISIONS(RAPID_PE)};
#undef RAPID_PE
  return multipliers[static_cast<unsigned>(p)];
}
