//===- CompressedWeightsTest.cpp - ext_to_lx_unpack and its weights -------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Static sparsity (docs/isa.md, docs/backend.md): a bitmap-compressed run
// in external memory (ceil(n / 8) bitmap bytes, bit k % 8 of byte k / 8 set
// for a non-zero element k, then the non-zero elements, packed), expanded
// into Lx by `dma path=ext_to_lx_unpack` at the descriptor's destination
// strides. rapid-sim's results are checked byte for byte against hand-built
// runs of 8-bit, 16-bit and packed 4-bit elements, and so are the bytes it
// counts (the compressed ones) and its errors; the backend's compressRun
// builds runs the simulator expands back.
//
//===----------------------------------------------------------------------===//

#include "rapid/Arch/ArchSpec.h"
#include "rapid/Backend/LayerLowering.h"
#include "rapid/ISA/ModelBinary.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Sim/Functional.h"
#include "rapid/Sim/Timing.h"

#include <catch2/catch.hpp>

using namespace rapid;

namespace {
const char *kUnpack = "dma path=ext_to_lx_unpack, peer=self, desc=0, dst=a1, "
                      "dst_off=0, src=a2, src_off=0, wait=none, signal=none\n"
                      "halt";

/// Runs `text` (a1 = dst, a2 = src) on one core with descriptor `d`; the
/// error message, empty on success.
std::string run(sim::CoreMemories &mem, const isa::DmaDescriptor &d,
                int64_t dst, int64_t src, sim::RunStats &stats,
                const sim::TimingModel *timing = nullptr) {
  std::string text = "seti a=a1, imm=" + std::to_string(dst) +
                     "\nseti a=a2, imm=" + std::to_string(src) + "\n" + kUnpack;
  llvm::Expected<std::vector<isa::Instruction>> code =
      isa::assembleProgram(text, "p.s");
  REQUIRE(bool(code));
  isa::CoreProgram p;
  p.code = *code;
  p.dma = {d};
  sim::RunOptions options;
  options.timing = timing;
  std::vector<sim::CoreMemories *> mems = {&mem};
  llvm::Error e = sim::runCores({p}, mems, stats, options);
  return e ? llvm::toString(std::move(e)) : std::string();
}

isa::DmaDescriptor contiguous(unsigned bits, uint32_t n, int64_t dstStride) {
  isa::DmaDescriptor d;
  d.elementBits = bits;
  d.dims.push_back({n, 0, dstStride});
  return d;
}
} // namespace

TEST_CASE("ext_to_lx_unpack: 8-bit elements", "[compress]") {
  sim::CoreMemories mem;
  std::vector<uint8_t> ext(64, 0xEE);
  mem.ext = &ext;
  mem.lx.assign(32, 0xAA);
  // 10 elements [0, 5, 0, 0, 7, 0, 0, 0, 0, 9]: bitmap bits 1, 4, 9 (bytes
  // 0x12, 0x02), then 5, 7, 9.
  const uint8_t run8[] = {0x12, 0x02, 5, 7, 9};
  std::copy(std::begin(run8), std::end(run8), ext.begin() + 16);
  sim::RunStats stats;
  REQUIRE(run(mem, contiguous(8, 10, 1), 4, 16, stats) == "");
  const uint8_t want[] = {0, 5, 0, 0, 7, 0, 0, 0, 0, 9};
  for (int k = 0; k < 10; ++k)
    CHECK(int(mem.lx[size_t(4 + k)]) == int(want[k]));
  // The bytes around it untouched.
  CHECK(mem.lx[3] == 0xAA);
  CHECK(mem.lx[14] == 0xAA);
  // It moved the compressed bytes: 2 of bitmap and 3 elements.
  CHECK(stats.dmaBytes == 5);
}

TEST_CASE("ext_to_lx_unpack: 16-bit elements at strided destinations",
          "[compress]") {
  sim::CoreMemories mem;
  std::vector<uint8_t> ext(64, 0);
  mem.ext = &ext;
  mem.lx.assign(64, 0xAA);
  // A 3 x 2 block [[0x1111, 0, 0x3333], [0, 0, 0x6666]] into rows of 8
  // bytes: bitmap 0b100101 = 0x25, then the three values.
  const uint8_t run16[] = {0x25, 0x11, 0x11, 0x33, 0x33, 0x66, 0x66};
  std::copy(std::begin(run16), std::end(run16), ext.begin() + 8);
  isa::DmaDescriptor d;
  d.elementBits = 16;
  d.dims.push_back({3, 1, 2});
  d.dims.push_back({2, 1, 8}); // source strides 0 or 1 are both accepted
  sim::RunStats stats;
  REQUIRE(run(mem, d, 0, 8, stats) == "");
  const uint8_t want[16] = {0x11, 0x11, 0, 0, 0x33, 0x33, 0xAA, 0xAA,
                            0,    0,    0, 0, 0x66, 0x66, 0xAA, 0xAA};
  for (int k = 0; k < 16; ++k)
    CHECK(int(mem.lx[size_t(k)]) == int(want[k]));
  CHECK(stats.dmaBytes == 1 + 3 * 2);
}

TEST_CASE("ext_to_lx_unpack: packed 4-bit elements, addressed by element",
          "[compress]") {
  sim::CoreMemories mem;
  std::vector<uint8_t> ext(64, 0);
  mem.ext = &ext;
  mem.lx.assign(16, 0);
  // 12 int4 elements, non-zero: element 0 = 3, 5 = -1, 6 = 7, 11 = -8.
  // Source element address 21 (byte 10, its high nibble): the bitmap
  // starts at byte 10 (0x61, 0x08), the values at byte 12: 3, -1 (0xF3),
  // 7, -8 (0x87).
  const uint8_t run4[] = {0x61, 0x08, 0xF3, 0x87};
  std::copy(std::begin(run4), std::end(run4), ext.begin() + 10);
  // Destination element address 3 (byte 1, high nibble): a whole-nibble
  // stride of 1.
  mem.lx[1] = 0x0C; // element 2, kept
  sim::RunStats stats;
  REQUIRE(run(mem, contiguous(4, 12, 1), 3, 21, stats) == "");
  std::vector<int> got;
  for (int k = 0; k < 12; ++k)
    got.push_back(int(numerics::loadPacked(mem.lx.data(), uint64_t(4 * (3 + k)),
                                           Precision::INT4)));
  CHECK(got == std::vector<int>{3, 0, 0, 0, 0, -1, 7, 0, 0, 0, 0, -8});
  CHECK((mem.lx[1] & 0x0F) == 0x0C);
  // 2 bitmap bytes and 4 nibbles.
  CHECK(stats.dmaBytes == 2 + 2);
}

TEST_CASE("ext_to_lx_unpack: the backend's runs expand back", "[compress]") {
  // Random sparse elements of each width, compressed by compressRun and
  // expanded by the simulator.
  for (unsigned bits : {4u, 8u, 16u, 32u}) {
    INFO("bits " << bits);
    const int64_t n = 78;
    std::vector<uint8_t> dense(size_t((n * bits + 7) / 8), 0);
    uint64_t s = 12345 + bits;
    for (int64_t k = 0; k < n; ++k) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      if ((s >> 33) % 4)
        continue; // ~3/4 zeros
      if (bits == 4)
        numerics::storePacked(double(int((s >> 40) % 15) - 7), Precision::INT4,
                              dense.data(), uint64_t(4 * k));
      else
        for (unsigned b = 0; b < bits / 8; ++b)
          dense[size_t(k * (bits / 8) + b)] = uint8_t(s >> (24 + 8 * b)) | 1;
    }
    std::vector<uint8_t> runBytes = backend::compressRun(dense, 0, n, bits);
    sim::CoreMemories mem;
    std::vector<uint8_t> ext(runBytes);
    mem.ext = &ext;
    mem.lx.assign(dense.size(), 0xFF);
    sim::RunStats stats;
    REQUIRE(run(mem, contiguous(bits, n, bits < 8 ? 1 : bits / 8), 0, 0,
                stats) == "");
    CHECK(mem.lx == dense);
    CHECK(stats.dmaBytes == int64_t(runBytes.size()));
    CHECK(int64_t(runBytes.size()) < int64_t(dense.size()));
  }
}

TEST_CASE("ext_to_lx_unpack: out of bounds and bad strides are errors",
          "[compress]") {
  sim::CoreMemories mem;
  std::vector<uint8_t> ext(16, 0);
  mem.ext = &ext;
  mem.lx.assign(8, 0);
  sim::RunStats stats;
  // The bitmap runs past external memory.
  CHECK(run(mem, contiguous(8, 24, 1), 0, 14, stats) ==
        "core 0 instruction 2 ('dma'): reads the 3-byte bitmap at 14 of "
        "external memory, which has 16 bytes");
  // A full bitmap of 8 elements wants 8 values after it; 3 remain.
  ext[12] = 0xFF;
  CHECK(run(mem, contiguous(8, 8, 1), 0, 12, stats) ==
        "core 0 instruction 2 ('dma'): reads 8 non-zero elements (8 bytes) "
        "at 13 of external memory, which has 16 bytes");
  // Packed: the same, counted in nibbles (8 of them: 4 bytes at 13).
  CHECK(run(mem, contiguous(4, 8, 1), 0, 24, stats) ==
        "core 0 instruction 2 ('dma'): reads 8 non-zero elements (4 bytes) "
        "at 13 of external memory, which has 16 bytes");
  // The destination runs past Lx (8 bytes: the 9th element).
  ext[0] = 0;
  ext[1] = 0;
  CHECK(run(mem, contiguous(8, 9, 1), 0, 0, stats) ==
        "core 0 instruction 2 ('dma'): writes 1 bytes at 8 of Lx, which "
        "has 8");
  CHECK(run(mem, contiguous(4, 9, 1), 8, 0, stats) ==
        "core 0 instruction 2 ('dma'): writes bit 64 of Lx, which has 8 "
        "bytes");
  // Source strides other than 0 and 1.
  isa::DmaDescriptor d = contiguous(8, 4, 1);
  d.dims[0].srcStride = 2;
  CHECK(run(mem, d, 0, 0, stats) ==
        "core 0 instruction 2 ('dma'): source stride 2 in dimension 0: the "
        "compressed run has no strides (0 or 1)");
}

TEST_CASE("ext_to_lx_unpack: timed by the compressed bytes", "[compress]") {
  llvm::Expected<ArchSpec> arch = loadArchSpec("rapid-core");
  REQUIRE(bool(arch));
  sim::TimingModel timing(*arch, 1);
  sim::CoreMemories mem;
  std::vector<uint8_t> ext(4096, 0);
  mem.ext = &ext;
  mem.lx.assign(4096, 0);
  // 2048 elements, one in eight non-zero: 256 bitmap bytes and 256 values.
  for (int k = 0; k < 256; ++k) {
    ext[size_t(k)] = 1;
    ext[size_t(256 + k)] = uint8_t(k | 1);
  }
  sim::RunStats stats;
  REQUIRE(run(mem, contiguous(8, 2048, 1), 0, 0, stats, &timing) == "");
  CHECK(stats.dmaBytes == 512);
  double dmaExt = stats.busy[unsigned(isa::Engine::DmaExt)];
  CHECK(dmaExt == Approx(timing.unpack(512)));
  // A quarter of the dense transfer's time (the ext_to_lx bound).
  isa::DmaDescriptor dense = contiguous(8, 2048, 1);
  dense.dims[0].srcStride = 1;
  CHECK(dmaExt ==
        Approx(timing.dma(isa::DmaPath::ExtToLx, isa::Peer::Self, dense) / 4));
}

TEST_CASE("ext_to_lx_unpack: encoding, assembly and engine", "[compress]") {
  const char *text = "dma path=ext_to_lx_unpack, peer=self, desc=3, dst=a8, "
                     "dst_off=0, src=a2, src_off=-5, wait=none, signal=s3";
  llvm::Expected<isa::Instruction> i = isa::assemble(text);
  REQUIRE(bool(i));
  CHECK(isa::DmaPath(i->get("path")) == isa::DmaPath::ExtToLxUnpack);
  CHECK(i->get("path") == 10);
  llvm::Expected<isa::Word> w = isa::encode(*i);
  REQUIRE(bool(w));
  // path occupies bits [8, 12).
  CHECK(((*w)[1] & 0x0F) == 10);
  llvm::Expected<isa::Instruction> back = isa::decode(*w);
  REQUIRE(bool(back));
  CHECK(isa::disassemble(*back) == text);
  CHECK(isa::engineOf(*back) == isa::Engine::DmaExt);
}
