//===- VocabularyTest.cpp - Names shared across the compiler --------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/Vocabulary.h"

#include <catch2/catch.hpp>

using namespace rapid;

TEST_CASE("every enumerator round-trips through its spelling", "[vocabulary]") {
  for (unsigned i = 0; i < kNumDims; ++i)
    CHECK(symbolize<Dim>(stringify(static_cast<Dim>(i))) ==
          static_cast<Dim>(i));
  for (llvm::StringRef s : spellings<Precision>())
    CHECK(stringify(*symbolize<Precision>(s)) == s);
  for (llvm::StringRef s : spellings<Parallelism>())
    CHECK(stringify(*symbolize<Parallelism>(s)) == s);
  CHECK(spellings<Dim>().size() == kNumDims);
  CHECK(spellings<DataStructure>().size() == kNumDataStructures);
  CHECK(spellings<LoopStage>().size() == kNumLoopStages);
}

TEST_CASE("the seed's dimension names are the spellings", "[vocabulary]") {
  CHECK(listSpellings<Dim>() == "in, out, ij, mb, kij");
  CHECK(stringify(Parallelism::DataXModelY) == "data_x_model_y");
  CHECK(stringify(Precision::HFP8_143) == "hfp8_143");
  CHECK_FALSE(symbolize<Dim>("IN").has_value());
  CHECK_FALSE(symbolize<Dataflow>("").has_value());
}

TEST_CASE("precisions: storage bits and PE throughput", "[vocabulary]") {
  CHECK(storageBits(Precision::FP32) == 32);
  CHECK(storageBits(Precision::DLFloat16) == 16);
  CHECK(storageBits(Precision::HFP8_152) == 8);
  CHECK(storageBits(Precision::INT4) == 4);
  CHECK(storageBits(Precision::Ternary) == 2);
  CHECK(storageBits(Precision::Binary) == 1);
  // Seed: 1.5 TFLOPS FP16, 12 TOPS ternary, 25 TOPS binary on one core.
  CHECK(peThroughputMultiplier(Precision::FP16) == 1);
  CHECK(peThroughputMultiplier(Precision::HFP8_143) == 2);
  CHECK(peThroughputMultiplier(Precision::INT4) == 4);
  CHECK(peThroughputMultiplier(Precision::Ternary) == 8);
  CHECK(peThroughputMultiplier(Precision::Binary) == 16);
  CHECK(peThroughputMultiplier(Precision::FP32) == 0);
}
