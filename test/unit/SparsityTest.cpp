//===- SparsityTest.cpp - Dynamic sparsity in rapid-sim -------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// rapid-sim counts, per mac, the MACs whose input operand is zero, whose
// weight operand is zero, and whose either operand is (those a
// zero-skipping PE array skips), over the whole run and per layer; on an
// architecture with `pe_array.zero_skipping` the timing model streams only
// the MACs it computes (docs/rapid-sim.md). Counts checked against hand
// counts and brute force, cycles against hand-computed ones.
//
//===----------------------------------------------------------------------===//

#include "ArchTestUtil.h"
#include "rapid/Arch/ArchSpec.h"
#include "rapid/ISA/ModelBinary.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Sim/Functional.h"
#include "rapid/Sim/Kernels.h"
#include "rapid/Sim/Timing.h"

#include <catch2/catch.hpp>

#include <random>

using namespace rapid;

namespace {
enum { In, Out, Oy, Ox, Mb, Ky, Kx };

using test::errorOf;
using test::load;

const char *kTiny = R"({
  "schema_version": 1, "name": "tiny",
  "pe_array": {"rows": 2, "cols": 2, "registers_per_pe": 4ZS},
  "core": {"pe_arrays": 1, "frequency_ghz": 1.0,
           "l0": {"capacity_bytes": 1024, "bandwidth_gbps": 64},
           "lx": {"capacity_bytes": 65536, "bandwidth_gbps": 32},
           "sfu": {"units": 1, "ops_per_cycle": 4},
           "in_bandwidth_gbps": 16, "out_bandwidth_gbps": 16},
  "chip": {"cores": 1, "core_to_core_gbps": 0,
           "external_memory": {"capacity_bytes": 1048576, "bandwidth_gbps": 8}},
  "system": {"chips_x": 1, "chips_y": 1, "link_x_gbps": 0, "link_y_gbps": 0}
})";

std::string tiny(llvm::StringRef zeroSkipping) {
  std::string text = kTiny;
  return text.replace(text.find("ZS"), 2, zeroSkipping.str());
}

/// A one-mac program (its tile 0) with the operands at the given addresses
/// (bytes, or elements for packed precisions), signalling s0, waited on.
std::string macProgram(llvm::StringRef inp, llvm::StringRef ker,
                       llvm::StringRef acc, int64_t a1, int64_t a2,
                       int64_t a3) {
  return (llvm::Twine("seti a=a1, imm=") + llvm::Twine(a1) +
          "\nseti a=a2, imm=" + llvm::Twine(a2) + "\nseti a=a3, imm=" +
          llvm::Twine(a3) + "\nmac dataflow=ws, inp_prec=" + inp +
          ", ker_prec=" + ker + ", acc_prec=" + acc +
          ", chunk=0, accumulate=0, tile=0, inp=a1, inp_off=0, ker=a2, "
          "ker_off=0, out=a3, out_off=0, wait=none, signal=s0\n"
          "sem.wait sem=s0, count=1\nhalt")
      .str();
}

isa::CoreProgram assemble(const std::string &text,
                          std::vector<isa::TileDescriptor> tiles) {
  llvm::Expected<std::vector<isa::Instruction>> code =
      isa::assembleProgram(text, "p.s");
  if (!code)
    FAIL(llvm::toString(code.takeError()));
  isa::CoreProgram p;
  p.code = *code;
  p.tiles = std::move(tiles);
  return p;
}

void runOne(const isa::CoreProgram &p, sim::CoreMemories &mem,
            sim::RunStats &stats, const sim::TimingModel *timing = nullptr,
            sim::Schedule schedule = sim::Schedule::Lazy) {
  sim::RunOptions options;
  options.schedule = schedule;
  options.timing = timing;
  std::vector<sim::CoreMemories *> mems = {&mem};
  llvm::Error e = sim::runCores(p, mems, stats, options);
  std::string why = e ? llvm::toString(std::move(e)) : std::string();
  INFO(why);
  REQUIRE(why.empty());
}

/// The fully connected tile of the tests: 8 inputs, 64 outputs, 128
/// pixels (ox); input x[ox][in], kernel w[out][in], output y[out][ox].
isa::TileDescriptor fcTile() {
  isa::TileDescriptor t;
  t.p = {8, 64, 1, 128, 1, 1, 1};
  t.strides[0] = {1, 0, 0, 8, 0, 0, 0};
  t.strides[1] = {1, 8, 0, 0, 0, 0, 0};
  t.strides[2] = {0, 128, 0, 1, 0, 0, 0};
  return t;
}

/// Fills the fc tile's operands in precision `p` at inp/ker (element
/// addresses): nonzero values except inputs of pixels below `zeroPixels`
/// and the weights of the first `zeroOutputs` outputs.
void fillFc(std::vector<uint8_t> &l0, Precision p, int64_t inp, int64_t ker,
            int64_t zeroPixels, int64_t zeroOutputs) {
  auto put = [&](int64_t element, double v) {
    if (numerics::isPacked(p))
      numerics::storePacked(v, p, l0.data(), uint64_t(element * 4));
    else
      numerics::storeElement(v, p, l0.data() + element * storageBits(p) / 8);
  };
  for (int64_t ox = 0; ox < 128; ++ox)
    for (int64_t i = 0; i < 8; ++i)
      put(inp + ox * 8 + i, ox < zeroPixels ? 0.0 : double(1 + (ox + i) % 3));
  for (int64_t o = 0; o < 64; ++o)
    for (int64_t i = 0; i < 8; ++i)
      put(ker + o * 8 + i, o < zeroOutputs ? 0.0 : double(-1 - (o + i) % 3));
}

sim::CoreMemories memories(std::vector<uint8_t> &ext) {
  sim::CoreMemories mem;
  mem.ext = &ext;
  mem.lx.assign(1024, 0);
  mem.l0.assign(65536, 0);
  return mem;
}
} // namespace

TEST_CASE("zero_skipping in architecture descriptions", "[sparsity]") {
  ArchSpec core = load("rapid-core");
  ArchSpec skip = load("rapid-core-zero-skip");
  CHECK_FALSE(core.core.peArray.zeroSkipping);
  CHECK(skip.core.peArray.zeroSkipping);
  CHECK(skip.coreMacsPerCycle() == core.coreMacsPerCycle());
  // The flag is a figure of the machine: a program compiled for one does
  // not run on the other unchecked. Without it the preset is rapid-core's
  // machine (the fingerprints of descriptions without the key stay).
  CHECK(fingerprint(skip) != fingerprint(core));
  ArchSpec cleared = skip;
  cleared.core.peArray.zeroSkipping = false;
  CHECK(fingerprint(cleared) == fingerprint(core));

  CHECK(errorOf(tiny("")) == "");
  CHECK_FALSE(parseArchSpec(tiny(""), "t.json")->core.peArray.zeroSkipping);
  CHECK(parseArchSpec(tiny(", \"zero_skipping\": true"), "t.json")
            ->core.peArray.zeroSkipping);
  CHECK_FALSE(parseArchSpec(tiny(", \"zero_skipping\": false"), "t.json")
                  ->core.peArray.zeroSkipping);
  CHECK(errorOf(tiny(", \"zero_skipping\": 1")) ==
        "test.json: pe_array.zero_skipping: expected true or false");
  CHECK(errorOf(tiny(", \"zero_skipping\": \"yes\"")) ==
        "test.json: pe_array.zero_skipping: expected true or false");
  CHECK(errorOf(tiny(", \"zero_skip\": true")) ==
        "test.json: pe_array.zero_skip: is not a known key (see "
        "docs/arch.md)");

  CHECK_FALSE(sim::TimingModel(core, 1).zeroSkipping());
  CHECK(sim::TimingModel(skip, 1).zeroSkipping());
  // The timing model's dense price is the same on both.
  double b0 = 0, b1 = 0;
  isa::TileDescriptor t = fcTile();
  CHECK(sim::TimingModel(core, 1).mac(t, isa::MacDataflow::Ws, Precision::FP16,
                                      Precision::FP16, Precision::FP32, 0,
                                      b0) ==
        sim::TimingModel(skip, 1).mac(t, isa::MacDataflow::Ws, Precision::FP16,
                                      Precision::FP16, Precision::FP32, 0, b1));
  CHECK(b0 == b1);
}

TEST_CASE("MacUsePlan counts zero operands like visiting every MAC",
          "[sparsity]") {
  std::mt19937 rng(8);
  std::vector<float> buffer(4096);
  auto check = [&](const std::array<int64_t, 7> &e,
                   const std::array<int64_t, 7> &sI,
                   const std::array<int64_t, 7> &sK, double zeros) {
    sim::MacUsePlan plan(e, sI, sK);
    REQUIRE(plan.inpHi - plan.inpLo + plan.kerHi - plan.kerLo + 2 <=
            int64_t(buffer.size()));
    std::bernoulli_distribution zero(zeros);
    for (float &x : buffer)
      x = zero(rng) ? (rng() % 2 ? 0.0f : -0.0f) : 1.5f;
    sim::MacTileF32 tile;
    tile.extents = e;
    tile.inpStrides = sI;
    tile.kerStrides = sK;
    tile.inp = buffer.data() - plan.inpLo;
    tile.ker = buffer.data() + (plan.inpHi - plan.inpLo + 1) - plan.kerLo;
    sim::MacZeroCounts want = sim::countZeroOperandsReference(tile);
    sim::MacZeroCounts got = plan.count(tile.inp, tile.ker);
    INFO("extents " << e[0] << " " << e[1] << " " << e[2] << " " << e[3] << " "
                    << e[4] << " " << e[5] << " " << e[6]);
    CHECK(got.macs == want.macs);
    CHECK(got.zeroInput == want.zeroInput);
    CHECK(got.zeroWeight == want.zeroWeight);
    CHECK(got.zeroEither == want.zeroEither);
  };
  // A convolution (3x3 over 6x6, 3 -> 4 channels), a depthwise one, a
  // fully connected layer, and a batch whose weights do not depend on it.
  for (double zeros : {0.0, 0.1, 0.5, 1.0}) {
    check({3, 4, 4, 4, 1, 3, 3}, {1, 0, 18, 3, 0, 18, 3},
          {1, 27, 0, 0, 0, 9, 3}, zeros);
    check({1, 5, 4, 4, 1, 3, 3}, {0, 1, 30, 5, 0, 30, 5}, {0, 9, 0, 0, 0, 3, 1},
          zeros);
    check({16, 10, 1, 1, 1, 1, 1}, {1, 0, 0, 0, 0, 0, 0},
          {1, 16, 0, 0, 0, 0, 0}, zeros);
    check({4, 3, 1, 1, 5, 1, 1}, {1, 0, 0, 0, 4, 0, 0}, {3, 1, 0, 0, 0, 0, 0},
          zeros);
  }
  // Random shapes: negative, aliasing and zero strides, extents of 1.
  std::uniform_int_distribution<int64_t> extent(1, 3), stride(-4, 4);
  for (int n = 0; n < 400; ++n) {
    std::array<int64_t, 7> e, sI, sK;
    for (int d = 0; d < 7; ++d) {
      e[size_t(d)] = extent(rng);
      sI[size_t(d)] = stride(rng);
      sK[size_t(d)] = stride(rng);
    }
    check(e, sI, sK, n % 4 * 0.25);
  }
  // An empty tile has no MACs.
  sim::MacUsePlan empty({0, 2, 1, 1, 1, 1, 1}, {1, 0, 0, 0, 0, 0, 0},
                        {1, 1, 0, 0, 0, 0, 0});
  sim::MacZeroCounts none = empty.count(buffer.data(), buffer.data());
  CHECK(none.macs == 0);
  CHECK(none.zeroEither == 0);
}

TEST_CASE("rapid-sim counts the MACs with a zero operand", "[sparsity]") {
  std::vector<uint8_t> ext(64, 0);
  sim::CoreMemories mem = memories(ext);
  isa::TileDescriptor t = fcTile();
  // Inputs of the first 32 pixels and the weights of output 0 are zero:
  // 32 x 8 x 64 MACs with a zero input, 8 x 128 with a zero weight, 32 x 8
  // with both.
  const int64_t macs = 8 * 64 * 128, zeroInput = 16384, zeroWeight = 1024,
                either = 16384 + 1024 - 256;
  auto expect = [&](const sim::RunStats &stats) {
    CHECK(stats.macs == macs);
    CHECK(stats.zeroInputMacs == zeroInput);
    CHECK(stats.zeroWeightMacs == zeroWeight);
    CHECK(stats.skippableMacs == either);
  };

  SECTION("fp16 operands, fp32 sums (the fast path)") {
    fillFc(mem.l0, Precision::FP16, 0, 1024, 32, 1);
    sim::RunStats stats;
    runOne(assemble(macProgram("fp16", "fp16", "fp32", 0, 2048, 4096), {t}),
           mem, stats);
    expect(stats);
    // Inputs 1..3 times weights -1..-3 over 8 terms: the sums are not zero.
    float y;
    std::memcpy(&y, &mem.l0[4096 + (1 * 128 + 40) * 4], 4);
    CHECK(y < 0);
  }
  SECTION("fp16 operands, fp16 sums (the general path)") {
    fillFc(mem.l0, Precision::FP16, 0, 1024, 32, 1);
    sim::RunStats stats;
    runOne(assemble(macProgram("fp16", "fp16", "fp16", 0, 2048, 4096), {t}),
           mem, stats, nullptr, sim::Schedule::Eager);
    expect(stats);
  }
  SECTION("int8 operands") {
    fillFc(mem.l0, Precision::INT8, 0, 2048, 32, 1);
    sim::RunStats stats;
    runOne(assemble(macProgram("int8", "int8", "fp32", 0, 2048, 4096), {t}),
           mem, stats);
    expect(stats);
  }
  SECTION("packed int4 operands, addressed by element") {
    // Inputs at element 0 (bytes 0-511), weights at element 4096 (byte
    // 2048).
    fillFc(mem.l0, Precision::INT4, 0, 4096, 32, 1);
    sim::RunStats stats;
    runOne(assemble(macProgram("int4", "int4", "fp32", 0, 4096, 8192), {t}),
           mem, stats);
    expect(stats);
  }
  SECTION("no zeros") {
    fillFc(mem.l0, Precision::FP16, 0, 1024, 0, 0);
    sim::RunStats stats;
    runOne(assemble(macProgram("fp16", "fp16", "fp32", 0, 2048, 4096), {t}),
           mem, stats);
    CHECK(stats.macs == macs);
    CHECK(stats.zeroInputMacs == 0);
    CHECK(stats.zeroWeightMacs == 0);
    CHECK(stats.skippableMacs == 0);
  }
}

TEST_CASE("a convolution's zero operands, counted against brute force",
          "[sparsity]") {
  // 3x3 over a 6x6x3 input x[iy][ix][in], 4 outputs w[out][ky][kx][in],
  // y[out][oy][ox]: each input read by up to 9 windows.
  isa::TileDescriptor t;
  t.p = {3, 4, 4, 4, 1, 3, 3};
  t.strides[0] = {1, 0, 18, 3, 0, 18, 3};
  t.strides[1] = {1, 27, 0, 0, 0, 9, 3};
  t.strides[2] = {0, 16, 4, 1, 0, 0, 0};
  std::mt19937 rng(11);
  for (Precision p : {Precision::FP16, Precision::INT8}) {
    for (double density : {0.9, 0.5, 0.1}) {
      std::vector<uint8_t> ext(64, 0);
      sim::CoreMemories mem = memories(ext);
      std::bernoulli_distribution keep(density);
      int64_t eb = storageBits(p) / 8;
      const int64_t inp = 0, ker = 1024, out = 4096;
      for (int64_t k = 0; k < 108; ++k)
        numerics::storeElement(keep(rng) ? 1 + k % 5 : 0, p,
                               mem.l0.data() + inp + k * eb);
      for (int64_t k = 0; k < 108; ++k)
        numerics::storeElement(keep(rng) ? -1 - k % 4 : 0, p,
                               mem.l0.data() + ker + k * eb);
      sim::MacZeroCounts want;
      for (int64_t o = 0; o < 4; ++o)
        for (int64_t oy = 0; oy < 4; ++oy)
          for (int64_t ox = 0; ox < 4; ++ox)
            for (int64_t ky = 0; ky < 3; ++ky)
              for (int64_t kx = 0; kx < 3; ++kx)
                for (int64_t i = 0; i < 3; ++i) {
                  int64_t xi = (oy + ky) * 18 + (ox + kx) * 3 + i;
                  int64_t wi = o * 27 + ky * 9 + kx * 3 + i;
                  bool zx = numerics::loadElement(mem.l0.data() + inp + xi * eb,
                                                  p) == 0;
                  bool zw = numerics::loadElement(mem.l0.data() + ker + wi * eb,
                                                  p) == 0;
                  ++want.macs;
                  want.zeroInput += zx;
                  want.zeroWeight += zw;
                  want.zeroEither += zx || zw;
                }
      llvm::StringRef name = p == Precision::FP16 ? "fp16" : "int8";
      sim::RunStats stats;
      runOne(assemble(macProgram(name, name, "fp32", inp, ker, out), {t}), mem,
             stats);
      INFO(name.str() << " density " << density);
      CHECK(stats.macs == want.macs);
      CHECK(stats.zeroInputMacs == want.zeroInput);
      CHECK(stats.zeroWeightMacs == want.zeroWeight);
      CHECK(stats.skippableMacs == want.zeroEither);
    }
  }
}

TEST_CASE("zero operands per layer", "[sparsity]") {
  // Two layers (marks at pcs 0 and 5), each one mac of the fc tile: the
  // first reads inputs whose first 32 pixels are zero, the second weights
  // of which the first 4 outputs are zero.
  std::vector<uint8_t> ext(64, 0);
  sim::CoreMemories mem = memories(ext);
  fillFc(mem.l0, Precision::FP16, 0, 1024, 32, 0);
  fillFc(mem.l0, Precision::FP16, 4096, 5120, 0, 4);
  std::string mac = "mac dataflow=ws, inp_prec=fp16, ker_prec=fp16, "
                    "acc_prec=fp32, chunk=0, accumulate=0, tile=0, inp=a1, "
                    "inp_off=0, ker=a2, ker_off=0, out=a3, out_off=0, "
                    "wait=none, signal=s0\nsem.wait sem=s0, count=1\n";
  isa::CoreProgram p = assemble(
      "seti a=a1, imm=0\nseti a=a2, imm=2048\nseti a=a3, imm=16384\n" + mac +
          "seti a=a1, imm=8192\nseti a=a2, imm=10240\n" + mac + "halt",
      {fcTile()});
  p.marks = {{0, 0}, {5, 1}};
  for (bool timed : {false, true}) {
    ArchSpec arch = load("rapid-core");
    sim::TimingModel timing(arch, 1);
    sim::RunStats stats;
    runOne(p, mem, stats, timed ? &timing : nullptr);
    INFO("timed " << timed);
    REQUIRE(stats.layers.size() == 2);
    CHECK(stats.layers[0].macs == 65536);
    CHECK(stats.layers[0].zeroInputMacs == 16384);
    CHECK(stats.layers[0].zeroWeightMacs == 0);
    CHECK(stats.layers[0].skippableMacs == 16384);
    CHECK(stats.layers[1].macs == 65536);
    CHECK(stats.layers[1].zeroInputMacs == 0);
    CHECK(stats.layers[1].zeroWeightMacs == 4 * 8 * 128);
    CHECK(stats.layers[1].skippableMacs == 4 * 8 * 128);
    CHECK(stats.zeroInputMacs == 16384);
    CHECK(stats.zeroWeightMacs == 4096);
    CHECK(stats.skippedCycles == 0); // rapid-core does not skip
  }
}

TEST_CASE("a zero-skipping PE array streams only the MACs it computes",
          "[sparsity]") {
  // The fc tile on rapid-core (weight stationary, fp16 operands, fp32
  // sums): 8 rows (in) x 64 lanes (out) in one step, streaming 128 pixels.
  // L0 delivers 512 bytes per cycle (768 GB/s at 1.5 GHz); each cycle
  // needs 8 fp16 inputs and 64 fp32 partial sums, 272 bytes: 0.53125 of a
  // cycle. Dense: 128 stream cycles + bubble (8 for the first stationary
  // block, 8 + 8 to fill and drain the pipeline) = 152.
  ArchSpec dense = load("rapid-core"), skipping = load("rapid-core-zero-skip");
  sim::TimingModel off(dense, 1), on(skipping, 1);
  isa::CoreProgram p =
      assemble(macProgram("fp16", "fp16", "fp32", 0, 2048, 4096), {fcTile()});
  p.marks = {{3, 0}};
  auto run = [&](int64_t zeroPixels, int64_t zeroOutputs,
                 const sim::TimingModel &timing) {
    std::vector<uint8_t> ext(64, 0);
    sim::CoreMemories mem = memories(ext);
    fillFc(mem.l0, Precision::FP16, 0, 1024, zeroPixels, zeroOutputs);
    sim::RunStats stats;
    runOne(p, mem, stats, &timing);
    return stats;
  };
  auto pe = [](const sim::RunStats &s) {
    return s.busy[unsigned(sim::Engine::Pe)];
  };

  // Without zero skipping, zeros change nothing.
  sim::RunStats denseRun = run(0, 0, off), sparseOff = run(32, 1, off);
  CHECK(pe(denseRun) == 152);
  CHECK(pe(sparseOff) == 152);
  CHECK(sparseOff.cycles == denseRun.cycles);
  CHECK(sparseOff.skippedCycles == 0);
  // Nor, with it, does a tile without zeros.
  sim::RunStats denseOn = run(0, 0, on);
  CHECK(pe(denseOn) == 152);
  CHECK(denseOn.cycles == denseRun.cycles);

  // 17152 of the 65536 MACs skippable: each pixel's cycle shrinks to
  // 0.73828125 (above L0's 0.53125): 94.5 stream cycles + 24 = 118.5.
  sim::RunStats sparseOn = run(32, 1, on);
  CHECK(sparseOn.skippableMacs == 17152);
  CHECK(pe(sparseOn) == 118.5);
  CHECK(sparseOn.skippedCycles == 33.5);
  CHECK(sparseOff.cycles - sparseOn.cycles == 33.5);
  REQUIRE(sparseOn.layers.size() == 1);
  CHECK(sparseOn.layers[0].skippedCycles == 33.5);
  CHECK(sparseOn.layers[0].busy[unsigned(sim::Engine::Pe)] == 118.5);
  CHECK(sparseOn.layers[0].bubble == 24);

  // Half the inputs zero: 0.5 of a cycle per pixel, but L0 still delivers
  // every operand, 0.53125 of a cycle: 68 + 24 = 92.
  sim::RunStats halfOn = run(64, 0, on);
  CHECK(pe(halfOn) == 92);
  CHECK(halfOn.skippedCycles == 60);
  // All of them: L0's 68 cycles still.
  sim::RunStats allOn = run(128, 0, on);
  CHECK(allOn.skippableMacs == 65536);
  CHECK(pe(allOn) == 92);
}
