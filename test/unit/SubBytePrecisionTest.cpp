//===- SubBytePrecisionTest.cpp - Packed int4/int2/ternary/binary ---------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The sub-byte precisions are stored packed (docs/isa.md): element k at bit
// k * bits of its run, little-endian within bytes, two's complement (binary:
// 1 for +1, 0 for -1). rapid-sim's mac reads them by element index, its
// SFUs convert to and from them (round to nearest even, saturating), and a
// DMA of sub-byte elements counts its strides in elements. Values checked
// against hand-computed ones.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ModelBinary.h"
#include "rapid/Numerics/FixedPoint.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Sim/Functional.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace rapid;

namespace {
/// Runs `text` on one core with the given memories.
void run(llvm::StringRef text, sim::CoreMemories &mem,
         std::vector<isa::DmaDescriptor> dma = {},
         std::vector<isa::TileDescriptor> tiles = {}) {
  llvm::Expected<std::vector<isa::Instruction>> code =
      isa::assembleProgram(text, "p.s");
  REQUIRE(bool(code));
  isa::CoreProgram p;
  p.code = *code;
  p.dma = std::move(dma);
  p.tiles = std::move(tiles);
  sim::RunStats stats;
  llvm::Error e = sim::runCore(p, mem, stats, 0, sim::Schedule::Lazy);
  std::string why = e ? llvm::toString(std::move(e)) : std::string();
  INFO(why);
  REQUIRE(why.empty());
}

float f32At(const std::vector<uint8_t> &m, size_t at) {
  float f;
  std::memcpy(&f, &m[at], 4);
  return f;
}
} // namespace

TEST_CASE("packed sub-byte storage: bits, rounding, saturation", "[numerics]") {
  using numerics::loadPacked;
  using numerics::storePacked;
  std::vector<uint8_t> m(4, 0);
  // int4: 3 then -8 in byte 0 (0x83), 7 then -1 in byte 1 (0xF7).
  storePacked(3, Precision::INT4, m.data(), 0);
  storePacked(-8, Precision::INT4, m.data(), 4);
  storePacked(7, Precision::INT4, m.data(), 8);
  storePacked(-1, Precision::INT4, m.data(), 12);
  CHECK(m[0] == 0x83);
  CHECK(m[1] == 0xF7);
  CHECK(loadPacked(m.data(), 4, Precision::INT4) == -8);
  // Round to nearest even, then saturate.
  storePacked(2.5, Precision::INT4, m.data(), 16);
  CHECK(loadPacked(m.data(), 16, Precision::INT4) == 2);
  storePacked(3.5, Precision::INT4, m.data(), 16);
  CHECK(loadPacked(m.data(), 16, Precision::INT4) == 4);
  storePacked(100, Precision::INT4, m.data(), 16);
  CHECK(loadPacked(m.data(), 16, Precision::INT4) == 7);
  storePacked(-9, Precision::INT4, m.data(), 20);
  CHECK(loadPacked(m.data(), 20, Precision::INT4) == -8);
  CHECK(m[2] == 0x87); // the neighbouring nibble untouched
  // int2 [-2, 1], ternary {-1, 0, 1} in 2 bits, binary in 1 bit.
  storePacked(-2, Precision::INT2, m.data(), 24);
  storePacked(5, Precision::INT2, m.data(), 26);
  storePacked(-3, Precision::Ternary, m.data(), 28);
  storePacked(0.2, Precision::Ternary, m.data(), 30);
  CHECK(loadPacked(m.data(), 24, Precision::INT2) == -2);
  CHECK(loadPacked(m.data(), 26, Precision::INT2) == 1);
  CHECK(loadPacked(m.data(), 28, Precision::Ternary) == -1);
  CHECK(loadPacked(m.data(), 30, Precision::Ternary) == 0);
  storePacked(-0.1, Precision::Binary, m.data(), 0);
  storePacked(0, Precision::Binary, m.data(), 1);
  CHECK(loadPacked(m.data(), 0, Precision::Binary) == -1);
  CHECK(loadPacked(m.data(), 1, Precision::Binary) == 1);
}

TEST_CASE("rapid-sim runs packed sub-byte operands", "[sim]") {
  sim::CoreMemories mem;
  std::vector<uint8_t> ext(64, 0);
  mem.ext = &ext;
  mem.lx.assign(64, 0);
  mem.l0.assign(64, 0);

  SECTION("mac: int4 x int4 and binary x ternary, FP32 sums") {
    // x = [3, -8, 7, -1] at byte 0, w = [2, 1, -3, 4] at byte 8: packed
    // operands are addressed by element (int4 element 16 is byte 8).
    mem.l0[0] = 0x83;
    mem.l0[1] = 0xF7;
    mem.l0[8] = 0x12;
    mem.l0[9] = 0x4D;
    // Binary [+1, -1, +1, +1] (bits 1, 0, 1, 1) at byte 24, ternary
    // [-1, 0, 1, 1] (2-bit 3, 0, 1, 1) at byte 28.
    mem.l0[24] = 0x0D;
    mem.l0[28] = 0x53;
    isa::TileDescriptor dot;
    dot.p = {4, 1, 1, 1, 1, 1, 1};
    dot.strides[0] = {1, 0, 0, 0, 0, 0, 0};
    dot.strides[1] = {1, 0, 0, 0, 0, 0, 0};
    run("seti a=a1, imm=0\nseti a=a2, imm=16\nseti a=a3, imm=16\n"
        "mac dataflow=ws, inp_prec=int4, ker_prec=int4, acc_prec=fp32, "
        "chunk=0, accumulate=0, tile=0, inp=a1, inp_off=0, ker=a2, "
        "ker_off=0, out=a3, out_off=0, wait=none, signal=none\n"
        "seti a=a1, imm=192\nseti a=a2, imm=112\nseti a=a3, imm=32\n"
        "mac dataflow=ws, inp_prec=binary, ker_prec=ternary, acc_prec=fp32, "
        "chunk=0, accumulate=0, tile=0, inp=a1, inp_off=0, ker=a2, "
        "ker_off=0, out=a3, out_off=0, wait=none, signal=none\nhalt",
        mem, {}, {dot});
    CHECK(f32At(mem.l0, 16) == 3 * 2 - 8 * 1 + 7 * -3 + -1 * 4); // -27
    CHECK(f32At(mem.l0, 32) == -1 + 0 + 1 + 1);                  // 1
  }

  SECTION("sfu: fp32 -> int4 (nearest even, saturating) -> fp32") {
    float in[6] = {2.5f, 3.5f, -9.0f, 100.0f, -0.5f, 1.4f};
    std::memcpy(mem.lx.data(), in, sizeof(in));
    // The int4 vector at byte 32 is at element address 64.
    run("seti a=a1, imm=0\nseti a=a2, imm=64\nseti a=a3, imm=40\n"
        "sfu op=mov, in_prec=fp32, out_prec=int4, b_mode=vector, count=6, "
        "dst=a2, dst_off=0, a=a1, a_off=0, b=a0, b_off=0, wait=none, "
        "signal=s0, group=0\nsem.wait sem=s0, count=1\n"
        "sfu op=mov, in_prec=int4, out_prec=fp32, b_mode=vector, count=6, "
        "dst=a3, dst_off=0, a=a2, a_off=0, b=a0, b_off=0, wait=none, "
        "signal=none, group=0\nhalt",
        mem);
    float want[6] = {2, 4, -8, 7, 0, 1};
    for (int i = 0; i < 6; ++i)
      CHECK(f32At(mem.lx, size_t(40 + 4 * i)) == want[i]);
  }

  SECTION("dma: int4 elements, strides in elements") {
    // [1, 2, 3, 4, 5, 6, 7, -8] packed; every other one to Lx.
    for (int k = 0; k < 8; ++k)
      numerics::storePacked(k == 7 ? -8 : k + 1, Precision::INT4, ext.data(),
                            uint64_t(4 * k));
    isa::DmaDescriptor d;
    d.elementBits = 4;
    d.dims.push_back({4, 2, 1});
    run("seti a=a1, imm=0\ndma path=ext_to_lx, peer=self, desc=0, dst=a1, "
        "dst_off=0, src=a1, src_off=0, wait=none, signal=none\nhalt",
        mem, {d});
    CHECK(mem.lx[0] == 0x31); // 1, 3
    CHECK(mem.lx[1] == 0x75); // 5, 7
  }

  SECTION("mac: BiScaled4 x BiScaled4, the dot product of FixedPoint.h") {
    // Fine below 8, else 4-bit steps of 4 (kBiScaled4): the mac's sum is
    // numerics::biScaledDotUnits of the two quantized vectors.
    double xs[4] = {5.1, 24.9, -3.2, -30.0}, ys[4] = {14.9, 2.9, 7.4, -1.1};
    std::vector<numerics::BiScaledValue> qx, qy;
    for (int i = 0; i < 4; ++i) {
      mem.l0[size_t(i)] =
          uint8_t(numerics::toStorage(xs[i], Precision::BiScaled4));
      mem.l0[size_t(8 + i)] =
          uint8_t(numerics::toStorage(ys[i], Precision::BiScaled4));
      qx.push_back(numerics::quantizeBiScaled(xs[i], numerics::kBiScaled4));
      qy.push_back(numerics::quantizeBiScaled(ys[i], numerics::kBiScaled4));
    }
    // 24.9 is wide 6 (24), 14.9 wide 4 (16), -30 wide -8 (-32).
    CHECK(mem.l0[1] == 0x16);
    CHECK(mem.l0[8] == 0x14);
    CHECK(numerics::fromStorage(mem.l0[3], Precision::BiScaled4) == -32);
    isa::TileDescriptor dot;
    dot.p = {4, 1, 1, 1, 1, 1, 1};
    dot.strides[0] = {1, 0, 0, 0, 0, 0, 0};
    dot.strides[1] = {1, 0, 0, 0, 0, 0, 0};
    run("seti a=a1, imm=0\nseti a=a2, imm=8\nseti a=a3, imm=16\n"
        "mac dataflow=ws, inp_prec=biscaled4, ker_prec=biscaled4, "
        "acc_prec=fp32, chunk=0, accumulate=0, tile=0, inp=a1, inp_off=0, "
        "ker=a2, ker_off=0, out=a3, out_off=0, wait=none, signal=none\nhalt",
        mem, {}, {dot});
    int64_t want = numerics::biScaledDotUnits(qx, qy, numerics::kBiScaled4);
    CHECK(want == 5 * 16 + 24 * 3 + -3 * 7 + -32 * -1);
    CHECK(f32At(mem.l0, 16) == float(want));
  }

  SECTION("mac: FPEC4, the seed's compensated example through the ISA") {
    // x = {3.3, 2.95}, y = {3.45, 2.75} in sign + 3 integer bits: the
    // plain sum of products is 18, the compensated MAC's 19.5 (exact
    // 19.4975), as numerics::compensatedDot computes it.
    double xs[2] = {3.3, 2.95}, ys[2] = {3.45, 2.75};
    for (int i = 0; i < 2; ++i) {
      mem.l0[size_t(i)] = uint8_t(numerics::toStorage(xs[i], Precision::FPEC4));
      mem.l0[size_t(8 + i)] =
          uint8_t(numerics::toStorage(ys[i], Precision::FPEC4));
    }
    // 3.3 is 3 with its error up (direction 1 in bits 4-5), 2.95 is 3.
    CHECK(mem.l0[0] == 0x13);
    CHECK(mem.l0[1] == 0x03);
    CHECK(numerics::fpecDirection(mem.l0[0]) == 1);
    CHECK(numerics::fromStorage(mem.l0[0], Precision::FPEC4) == 3);
    isa::TileDescriptor dot;
    dot.p = {2, 1, 1, 1, 1, 1, 1};
    dot.strides[0] = {1, 0, 0, 0, 0, 0, 0};
    dot.strides[1] = {1, 0, 0, 0, 0, 0, 0};
    std::string mac = "mac dataflow=ws, inp_prec=fpec4, ker_prec=fpec4, "
                      "acc_prec=fp32, chunk=0, accumulate=0, tile=0, inp=a1, "
                      "inp_off=0, ker=a2, ker_off=0, out=a3, out_off=0, "
                      "wait=none, signal=none\n";
    run("seti a=a1, imm=0\nseti a=a2, imm=8\nseti a=a3, imm=16\n" + mac +
            "halt",
        mem, {}, {dot});
    numerics::FixedPointFormat f{4, 0};
    double want = numerics::compensatedDot(xs, ys, f);
    CHECK(want == 19.5);
    CHECK(f32At(mem.l0, 16) == float(want));
    // Read as plain INT4 (no directions), the same bytes give 18.
    mem.l0[0] = 0x03;
    mem.l0[8] = 0x03;
    run("seti a=a1, imm=0\nseti a=a2, imm=8\nseti a=a3, imm=16\n" + mac +
            "halt",
        mem, {}, {dot});
    CHECK(f32At(mem.l0, 16) == 18.0f);
  }

  // The error of a one-mac program over a unit tile.
  auto macError = [&](llvm::StringRef precisions) {
    llvm::Expected<std::vector<isa::Instruction>> code = isa::assembleProgram(
        ("mac dataflow=ws, " + precisions +
         ", chunk=0, accumulate=0, tile=0, inp=a0, inp_off=0, ker=a0, "
         "ker_off=0, out=a0, out_off=0, wait=none, signal=none\nhalt")
            .str(),
        "p.s");
    REQUIRE(bool(code));
    isa::CoreProgram p;
    p.code = *code;
    p.tiles = {isa::TileDescriptor()};
    sim::RunStats stats;
    llvm::Error e = sim::runCore(p, mem, stats);
    REQUIRE(bool(e));
    return llvm::toString(std::move(e));
  };

  SECTION("the compensated MAC needs fp32 sums without chunks") {
    CHECK_THAT(
        macError("inp_prec=fpec4, ker_prec=fpec4, acc_prec=fp16"),
        Catch::Contains("the compensated MAC (fpec4 operands) accumulates in "
                        "fp32 without chunks"));
  }

  SECTION("a packed accumulator is refused") {
    CHECK_THAT(macError("inp_prec=int4, ker_prec=int4, acc_prec=int4"),
               Catch::Contains("accumulates in int4, a packed sub-byte "
                               "precision; the accumulator needs whole "
                               "bytes"));
  }
}
