//===- SimKernelsTest.cpp - The simulator's vector and threaded kernels ---===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The kernels of rapid::sim (AVX2/F16C where the host has them, the portable
// scalar versions, one thread or two) against the plain loops they replace:
// every result must be byte-identical.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ISA.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Sim/Functional.h"
#include "rapid/Sim/Kernels.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace rapid;

namespace {
/// The kernel paths to compare: {vector kernels, threads}.
std::vector<std::pair<bool, unsigned>> paths() {
  std::vector<std::pair<bool, unsigned>> p = {{false, 1}, {false, 2}};
  if (sim::vectorKernelsSupported()) {
    p.push_back({true, 1});
    p.push_back({true, 2});
  }
  return p;
}

/// Restores the default kernel settings.
struct KernelSettings {
  ~KernelSettings() {
    sim::setVectorKernels(true);
    sim::setKernelThreads(1);
  }
};

float bitsToFloat(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// A random operand value: a value of `p` (so that the products of two
/// 16-bit or 8-bit operands are exact in FP32), sometimes a special one
/// (zeros, infinities, subnormals; no NaN, whose payloads the reference
/// itself does not fix).
float randomValue(std::mt19937 &rng, Precision p) {
  std::uniform_int_distribution<int> pick(0, 40);
  switch (pick(rng)) {
  case 0:
    return 0.0f;
  case 1:
    return -0.0f;
  case 2:
    return p == Precision::FP32 ? std::numeric_limits<float>::infinity()
                                : 65504.0f;
  case 3:
    return p == Precision::FP32 ? bitsToFloat(0x00000003u) : 5.96e-8f;
  default:
    break;
  }
  std::normal_distribution<double> normal(0, 2);
  double x = normal(rng);
  if (p == Precision::FP32)
    return float(x);
  uint8_t bytes[4];
  numerics::storeElement(x, p, bytes);
  return float(numerics::loadElement(bytes, p));
}

/// A random tile over buffers it allocates: odd extents, strides of both
/// signs and zero, depthwise inputs, weights that depend on the pixel,
/// overlapping outputs, accumulation on and off.
struct RandomTile {
  sim::MacTileF32 tile;
  std::vector<float> inp, ker;
  std::vector<uint8_t> out;

  RandomTile(std::mt19937 &rng, Precision p, bool big = false) {
    enum { In, Out, Oy, Ox, Mb, Ky, Kx };
    auto range = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    auto &e = tile.extents;
    e = {range(1, 9), range(1, 23), range(1, 4), range(1, 37),
         range(1, 2), range(1, 3),  range(1, 3)};
    if (big)
      e = {16, 64, 8, 256, 1, 1, 1}; // 128 groups of pixels to share
    // Inputs: a strided window (any sign), sometimes along out too.
    auto &sI = tile.inpStrides, &sK = tile.kerStrides, &sO = tile.outStrides;
    for (int d = 0; d < 7; ++d)
      sI[d] = range(-40, 40);
    if (range(0, 1))
      sI[Out] = 0;
    // Often consecutive or every other column, as convolutions read them.
    if (range(0, 2) == 0)
      sI[Ox] = range(1, 2);
    // Weights: [out][in][ky][kx] or random, usually not along the pixels.
    if (range(0, 2)) {
      sK = {e[Ky] * e[Kx], e[In] * e[Ky] * e[Kx], 0, 0, 0, e[Kx], 1};
    } else {
      for (int d = 0; d < 7; ++d)
        sK[d] = range(-9, 9);
      if (range(0, 3))
        sK[Oy] = sK[Ox] = sK[Mb] = 0;
    }
    // Outputs: a dense layout of out, oy, ox, mb in a random order and
    // direction, sometimes with a dimension that overlaps.
    int order[4] = {Out, Oy, Ox, Mb};
    std::shuffle(order, order + 4, rng);
    int64_t size = 1;
    for (int d : order) {
      sO[d] = range(0, 1) ? size : -size;
      size *= e[d];
    }
    if (range(0, 5) == 0)
      sO[order[range(0, 3)]] = range(0, 2);
    sO[In] = sO[Ky] = sO[Kx] = 0;
    tile.accumulate = range(0, 1);
    // The buffers span each operand's reach.
    auto span = [&](const std::array<int64_t, 7> &s, int64_t &lo) {
      int64_t hi = 0;
      lo = 0;
      for (int d = 0; d < 7; ++d)
        ((e[d] - 1) * s[d] < 0 ? lo : hi) += (e[d] - 1) * s[d];
      return hi - lo + 1;
    };
    int64_t iLo, kLo, oLo;
    inp.resize(size_t(span(sI, iLo)));
    ker.resize(size_t(span(sK, kLo)));
    out.resize(size_t(span(sO, oLo) * 4));
    for (float &x : inp)
      x = randomValue(rng, p);
    for (float &x : ker)
      x = randomValue(rng, p);
    for (size_t i = 0; i < out.size(); i += 4) {
      float v = randomValue(rng, Precision::FP32);
      std::memcpy(&out[i], &v, 4);
    }
    tile.inp = inp.data() - iLo;
    tile.ker = ker.data() - kLo;
    tile.out = out.data() - oLo * 4;
  }
};
} // namespace

TEST_CASE("PE-array kernels match the reference loop byte for byte", "[sim]") {
  KernelSettings restore;
  std::mt19937 rng(7);
  for (Precision p : {Precision::FP16, Precision::HFP8_143, Precision::FP32})
    for (int trial = 0; trial < 300; ++trial) {
      RandomTile t(rng, p, trial == 0);
      std::vector<uint8_t> initial = t.out;
      sim::macReference(t.tile);
      std::vector<uint8_t> expected = t.out;
      for (auto [vector, threads] : paths()) {
        sim::setVectorKernels(vector);
        sim::setKernelThreads(threads);
        t.out = initial;
        t.tile.out = t.out.data() + (t.tile.out - t.out.data());
        sim::macF32(t.tile);
        INFO("precision " << stringify(p).str() << ", trial " << trial
                          << ", vector " << vector << ", threads " << threads);
        REQUIRE(t.out == expected);
      }
    }
}

TEST_CASE("PE-array tiles through the executor: chunk 0 equals one chunk",
          "[sim]") {
  // The FP32-accumulating fast path (chunk 0) against the general path
  // (one chunk of all the terms), for FP16, HFP8 and FP32 operands.
  KernelSettings restore;
  std::mt19937 rng(11);
  for (Precision p : {Precision::FP16, Precision::HFP8_143, Precision::FP32})
    for (int trial = 0; trial < 40; ++trial) {
      isa::TileDescriptor tile;
      auto range = [&](int lo, int hi) {
        return std::uniform_int_distribution<int>(lo, hi)(rng);
      };
      // in, out, oy, ox, mb, ky, kx: a convolution window over a patch.
      tile.p = {uint32_t(range(1, 7)),
                uint32_t(range(1, 19)),
                uint32_t(range(1, 3)),
                uint32_t(range(1, 21)),
                1,
                uint32_t(range(1, 3)),
                uint32_t(range(1, 3))};
      int32_t stride = range(1, 2), cols = int32_t(tile.p[3]) * stride + 2;
      int32_t rows = int32_t(tile.p[2]) * stride + 2;
      bool depthwise = range(0, 3) == 0;
      if (depthwise)
        tile.p[0] = 1;
      int32_t plane = rows * cols;
      tile.strides[0] = {
          plane, depthwise ? plane : 0, cols * stride, stride, 0, cols, 1};
      int32_t kk = int32_t(tile.p[5] * tile.p[6]);
      tile.strides[1] = {kk, int32_t(tile.p[0]) * kk, 0, 0,
                         0,  int32_t(tile.p[6]),      1};
      int32_t pix = int32_t(tile.p[2] * tile.p[3]);
      tile.strides[2] = {0, pix, int32_t(tile.p[3]), 1, 0, 0, 0};
      int64_t eb = storageBits(p) / 8;
      int64_t nInp = int64_t(depthwise ? tile.p[1] : tile.p[0]) * plane;
      int64_t nKer = int64_t(tile.p[0]) * tile.p[1] * kk;
      int64_t nOut = int64_t(tile.p[1]) * pix;
      int64_t inpAt = 0, kerAt = nInp * eb, outAt = kerAt + nKer * eb;
      std::vector<uint8_t> l0(static_cast<size_t>(outAt + nOut * 4 + 64));
      for (int64_t i = 0; i < nInp; ++i)
        numerics::storeElement(randomValue(rng, p), p, &l0[inpAt + i * eb]);
      for (int64_t i = 0; i < nKer; ++i)
        numerics::storeElement(randomValue(rng, p), p, &l0[kerAt + i * eb]);
      for (int64_t i = 0; i < nOut; ++i)
        numerics::storeElement(randomValue(rng, Precision::FP32),
                               Precision::FP32, &l0[outAt + i * 4]);
      int64_t terms = int64_t(tile.p[0]) * tile.p[5] * tile.p[6];
      bool accumulate = range(0, 1);
      auto run = [&](int64_t chunk) {
        std::string text =
            "seti a=a1, imm=" + std::to_string(inpAt) +
            "\nseti a=a2, imm=" + std::to_string(kerAt) +
            "\nseti a=a3, imm=" + std::to_string(outAt) +
            "\nmac dataflow=os, inp_prec=" + stringify(p).str() +
            ", ker_prec=" + stringify(p).str() +
            ", acc_prec=fp32, chunk=" + std::to_string(chunk) +
            ", accumulate=" + std::to_string(int(accumulate)) +
            ", tile=0, inp=a1, inp_off=0, ker=a2, ker_off=0, out=a3, "
            "out_off=0, wait=none, signal=none\nhalt";
        llvm::Expected<std::vector<isa::Instruction>> code =
            isa::assembleProgram(text, "mac.s");
        REQUIRE(bool(code));
        isa::CoreProgram program;
        program.code = *code;
        program.tiles.push_back(tile);
        std::vector<uint8_t> ext(64, 0);
        sim::CoreMemories mem;
        mem.ext = &ext;
        mem.lx.assign(64, 0);
        mem.l0 = l0;
        sim::RunStats stats;
        llvm::Error e = sim::runCore(program, mem, stats);
        REQUIRE_FALSE(bool(e));
        CHECK(stats.macs == terms * nOut);
        return mem.l0;
      };
      std::vector<uint8_t> general = run(terms);
      for (auto [vector, threads] : paths()) {
        sim::setVectorKernels(vector);
        sim::setKernelThreads(threads);
        INFO("precision " << stringify(p).str() << ", trial " << trial
                          << ", vector " << vector << ", threads " << threads);
        REQUIRE(run(0) == general);
      }
    }
}

TEST_CASE("FP16 and FP32 conversions match numerics bit for bit", "[sim]") {
  KernelSettings restore;
  // Every FP16 pattern decodes as loadElement does (NaNs as the one quiet
  // NaN).
  std::vector<uint8_t> halves(2 * 65536);
  for (uint32_t b = 0; b < 65536; ++b) {
    halves[2 * b] = uint8_t(b);
    halves[2 * b + 1] = uint8_t(b >> 8);
  }
  // Floats: every rounding boundary of FP16 (the midpoints and their
  // neighbours), subnormals, overflow, infinities, NaNs, and random bits.
  std::vector<float> floats;
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    float lo = float(numerics::decode(h, numerics::kFP16));
    float hi = float(numerics::decode(h + 1, numerics::kFP16));
    float mid = (lo + hi) / 2;
    for (float x :
         {lo, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
      floats.push_back(x);
      floats.push_back(-x);
    }
  }
  for (uint32_t bits : {0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00001u,
                        0x7f800001u, 0x00000001u, 0x80000001u, 0x477fefffu,
                        0x477ff000u, 0x477ff001u, 0x33000000u, 0x33000001u})
    floats.push_back(bitsToFloat(bits));
  std::mt19937 rng(3);
  for (int i = 0; i < 200000; ++i)
    floats.push_back(bitsToFloat(uint32_t(rng())));
  int64_t n = int64_t(floats.size());
  std::vector<uint8_t> expected16(static_cast<size_t>(2 * n)),
      expected32(size_t(4 * n));
  for (int64_t i = 0; i < n; ++i) {
    numerics::storeElement(floats[size_t(i)], Precision::FP16,
                           &expected16[size_t(2 * i)]);
    numerics::storeElement(floats[size_t(i)], Precision::FP32,
                           &expected32[size_t(4 * i)]);
  }
  for (bool vector : {false, true}) {
    if (vector && !sim::vectorKernelsSupported())
      continue;
    sim::setVectorKernels(vector);
    INFO("vector " << vector);
    std::vector<float> decoded(65536);
    sim::decodeElements(halves.data(), 65536, Precision::FP16, decoded.data());
    for (uint32_t b = 0; b < 65536; ++b) {
      float expected =
          float(numerics::loadElement(&halves[2 * b], Precision::FP16));
      REQUIRE(std::memcmp(&expected, &decoded[b], 4) == 0);
    }
    // Odd lengths and offsets exercise the tails.
    for (int64_t len : {n, n - 5, int64_t(7)}) {
      std::vector<uint8_t> got16(static_cast<size_t>(2 * len)),
          got32(size_t(4 * len));
      sim::encodeElements(floats.data(), len, Precision::FP16, got16.data());
      sim::encodeElements(floats.data(), len, Precision::FP32, got32.data());
      REQUIRE(std::memcmp(got16.data(), expected16.data(), got16.size()) == 0);
      REQUIRE(std::memcmp(got32.data(), expected32.data(), got32.size()) == 0);
    }
    // FP32 loads quiet signaling NaNs, as loadElement's double does.
    std::vector<float> back(static_cast<size_t>(n));
    sim::decodeElements(expected32.data(), n, Precision::FP32, back.data());
    for (int64_t i = 0; i < n; ++i) {
      float expected = float(
          numerics::loadElement(&expected32[size_t(4 * i)], Precision::FP32));
      REQUIRE(std::memcmp(&expected, &back[size_t(i)], 4) == 0);
    }
  }
  // The 8-bit formats decode as loadElement does.
  for (Precision p :
       {Precision::HFP8_143, Precision::HFP8_152, Precision::INT8}) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint8_t byte = uint8_t(b);
      float got, expected = float(numerics::loadElement(&byte, p));
      sim::decodeElements(&byte, 1, p, &got);
      REQUIRE(std::memcmp(&got, &expected, 4) == 0);
    }
  }
}

TEST_CASE("SFU elementwise kernels match the scalar operations", "[sim]") {
  KernelSettings restore;
  // max and min as rapid-sim has always computed them: zeros tie to the
  // first operand, a quiet NaN gives the other operand.
  auto bits = [](float x) {
    uint32_t b;
    std::memcpy(&b, &x, 4);
    return b;
  };
  float qnan = std::numeric_limits<float>::quiet_NaN();
  CHECK(bits(sim::sfuMax(0.0f, -0.0f)) == 0x00000000u);
  CHECK(bits(sim::sfuMax(-0.0f, 0.0f)) == 0x80000000u);
  CHECK(bits(sim::sfuMin(0.0f, -0.0f)) == 0x00000000u);
  CHECK(bits(sim::sfuMin(-0.0f, 0.0f)) == 0x80000000u);
  CHECK(sim::sfuMax(qnan, 2.0f) == 2.0f);
  CHECK(sim::sfuMax(2.0f, qnan) == 2.0f);
  CHECK(sim::sfuMin(qnan, -2.0f) == -2.0f);
  CHECK(std::isnan(sim::sfuMax(bitsToFloat(0x7f800001u), 2.0f)));
  CHECK(sim::sfuMax(-3.0f, 2.0f) == 2.0f);
  CHECK(sim::sfuMin(-3.0f, 2.0f) == -3.0f);
  // Operands with every kind of special value on either side.
  std::vector<float> specials = {0.0f,
                                 -0.0f,
                                 1.0f,
                                 -1.0f,
                                 bitsToFloat(0x00000001u),
                                 std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::quiet_NaN(),
                                 bitsToFloat(0xffc00000u),
                                 bitsToFloat(0x7f800001u),
                                 3.5f};
  std::vector<float> a, b;
  for (float x : specials)
    for (float y : specials) {
      a.push_back(x);
      b.push_back(y);
    }
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 3);
  for (int i = 0; i < 1001; ++i) {
    a.push_back(normal(rng));
    b.push_back(i % 3 ? normal(rng) : 0.0f);
  }
  int64_t n = int64_t(a.size());
  using isa::SfuOperation;
  for (SfuOperation op :
       {SfuOperation::Max, SfuOperation::Min, SfuOperation::Add,
        SfuOperation::Sub, SfuOperation::Mul, SfuOperation::CmpGt,
        SfuOperation::CmpEq, SfuOperation::Abs, SfuOperation::Neg,
        SfuOperation::Mov, SfuOperation::Exp, SfuOperation::Recip}) {
    std::vector<float> expected(static_cast<size_t>(n));
    sim::setVectorKernels(false);
    REQUIRE(sim::sfuElementwise(op, a.data(), b.data(), n, expected.data()));
    for (int64_t i = 0; i < n; ++i) {
      float u = a[size_t(i)], v = b[size_t(i)], z = expected[size_t(i)];
      float want = op == SfuOperation::Max   ? sim::sfuMax(u, v)
                   : op == SfuOperation::Min ? sim::sfuMin(u, v)
                   : op == SfuOperation::Add ? u + v
                   : op == SfuOperation::Mul ? u * v
                                             : z;
      INFO("op " << int(op) << " element " << i);
      if (std::isnan(want))
        REQUIRE(std::isnan(z));
      else
        REQUIRE(std::memcmp(&want, &z, 4) == 0);
    }
    if (!sim::vectorKernelsSupported())
      continue;
    sim::setVectorKernels(true);
    std::vector<float> got(static_cast<size_t>(n));
    REQUIRE(sim::sfuElementwise(op, a.data(), b.data(), n, got.data()));
    INFO("op " << int(op));
    REQUIRE(std::memcmp(got.data(), expected.data(), size_t(n) * 4) == 0);
  }
  CHECK_FALSE(sim::sfuElementwise(SfuOperation::ReduceSum, a.data(), b.data(),
                                  n, a.data()));
}

TEST_CASE("DMA copies match the element loop", "[sim]") {
  KernelSettings restore;
  std::mt19937 rng(9);
  auto range = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  for (int trial = 0; trial < 500; ++trial) {
    int64_t eb = std::array<int64_t, 4>{1, 2, 4, 3}[size_t(range(0, 3))];
    std::array<int64_t, 4> count{}, ss{}, ds{};
    // Some big enough for the threads to share.
    bool big = trial % 10 == 0;
    for (int k = 0; k < 4; ++k) {
      count[size_t(k)] = range(1, k == 0 ? (big ? 70000 : 40) : 4);
      ss[size_t(k)] = eb * range(-20, 20);
      ds[size_t(k)] = eb * range(-20, 20);
    }
    // Often the layouts of real transfers: contiguous runs, fills, dims
    // that continue the one inside them.
    if (big || range(0, 1))
      ss[0] = ds[0] = eb;
    if (range(0, 4) == 0)
      ss = {0, 0, 0, 0};
    if (range(0, 2) == 0) {
      ss[1] = count[0] * ss[0];
      ds[1] = count[0] * ds[0];
    }
    int64_t reach = 0;
    for (int k = 0; k < 4; ++k)
      reach += (count[size_t(k)] - 1) *
               (std::abs(ss[size_t(k)]) + std::abs(ds[size_t(k)]));
    int64_t size = 2 * reach + 2 * eb + 16;
    std::vector<uint8_t> src(static_cast<size_t>(size)),
        dst(static_cast<size_t>(size));
    for (uint8_t &x : src)
      x = uint8_t(rng());
    for (uint8_t &x : dst)
      x = uint8_t(rng());
    std::vector<uint8_t> expected = dst;
    int64_t mid = reach + 8;
    for (int64_t i3 = 0; i3 < count[3]; ++i3)
      for (int64_t i2 = 0; i2 < count[2]; ++i2)
        for (int64_t i1 = 0; i1 < count[1]; ++i1)
          for (int64_t i0 = 0; i0 < count[0]; ++i0)
            std::memmove(&expected[size_t(mid + i0 * ds[0] + i1 * ds[1] +
                                          i2 * ds[2] + i3 * ds[3])],
                         &src[size_t(mid + i0 * ss[0] + i1 * ss[1] +
                                     i2 * ss[2] + i3 * ss[3])],
                         size_t(eb));
    std::vector<uint8_t> initial = dst;
    for (unsigned threads : {1u, 2u}) {
      sim::setKernelThreads(threads);
      dst = initial;
      sim::dmaCopy(dst.data() + mid, src.data() + mid, eb, count, ss, ds);
      INFO("trial " << trial << ", threads " << threads);
      REQUIRE(dst == expected);
    }
  }
}

TEST_CASE("out-of-bounds transfers report the first element out of bounds",
          "[sim]") {
  // The whole-run paths fall back to the element loops, which name the
  // first element outside its memory (after copying those before it).
  auto run = [](llvm::StringRef text, const isa::DmaDescriptor &desc,
                std::vector<uint8_t> &ext, sim::CoreMemories &mem) {
    llvm::Expected<std::vector<isa::Instruction>> code =
        isa::assembleProgram(text, "oob.s");
    REQUIRE(bool(code));
    isa::CoreProgram program;
    program.code = *code;
    program.dma.push_back(desc);
    mem.ext = &ext;
    sim::RunStats stats;
    llvm::Error e = sim::runCore(program, mem, stats);
    REQUIRE(bool(e));
    return llvm::toString(std::move(e));
  };
  isa::DmaDescriptor words;
  words.elementBits = 32;
  words.dims.push_back({8, 4, 4});
  std::vector<uint8_t> ext(64);
  for (size_t i = 0; i < ext.size(); ++i)
    ext[i] = uint8_t(i);
  sim::CoreMemories mem;
  mem.lx.assign(64, 0);
  mem.l0.assign(64, 0);
  CHECK(run("seti a=a1, imm=48\nseti a=a2, imm=0\n"
            "dma path=ext_to_lx, peer=self, desc=0, dst=a2, dst_off=0, "
            "src=a1, src_off=0, wait=none, signal=none\nhalt",
            words, ext, mem) ==
        "core 0 instruction 2 ('dma'): reads 4 bytes at 64 of external "
        "memory, which has 64");
  // The four words in bounds were copied.
  CHECK(mem.lx[0] == 48);
  CHECK(mem.lx[15] == 63);
  CHECK(mem.lx[16] == 0);
  CHECK(run("seti a=a1, imm=0\nseti a=a2, imm=40\n"
            "dma path=ext_to_lx, peer=self, desc=0, dst=a2, dst_off=0, "
            "src=a1, src_off=0, wait=none, signal=none\nhalt",
            words, ext, mem) ==
        "core 0 instruction 2 ('dma'): writes 4 bytes at 64 of Lx, which "
        "has 64");
  CHECK(run("seti a=a1, imm=40\n"
            "sfu op=add, in_prec=fp32, out_prec=fp32, b_mode=vector, "
            "count=8, dst=a1, dst_off=-40, a=a1, a_off=-40, b=a1, b_off=0, "
            "wait=none, signal=none, group=0\nhalt",
            words, ext, mem) ==
        "core 0 instruction 1 ('sfu'): reads Lx at 64 beyond its 64 bytes");
  CHECK(run("seti a=a1, imm=40\n"
            "sfu op=mov, in_prec=fp16, out_prec=fp32, b_mode=scalar, "
            "count=8, dst=a1, dst_off=0, a=a1, a_off=-40, b=a0, b_off=0, "
            "wait=none, signal=none, group=0\nhalt",
            words, ext, mem) ==
        "core 0 instruction 1 ('sfu'): writes Lx at 64 beyond its 64 bytes");
}
