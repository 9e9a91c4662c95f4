//===- ShapeRulesTest.cpp - Result shapes of the rapid tensor ops ---------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/ShapeRules.h"

#include <catch2/catch.hpp>

using namespace rapid::shapes;
using Dims = std::vector<int64_t>;

static Dims dims(const ShapeResult &r) {
  REQUIRE(r.ok());
  return Dims(r.shape.begin(), r.shape.end());
}

TEST_CASE("numpy broadcasting", "[shapes]") {
  CHECK(dims(broadcast({1, 64, 8, 8}, {64, 1, 1})) == Dims{1, 64, 8, 8});
  CHECK(dims(broadcast({5, 1}, {1, 7})) == Dims{5, 7});
  CHECK(dims(broadcast({}, {3, 2})) == Dims{3, 2});
  ShapeResult bad = broadcast({2, 3}, {4, 3});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error.find("2x3 and 4x3 are not broadcast-compatible") !=
        std::string::npos);
}

TEST_CASE("window output sizes match PyTorch's formula", "[shapes]") {
  // floor((in + pads - dil*(k-1) - 1) / stride) + 1, checked against a brute
  // force count of window start positions.
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t k = 1; k <= 4; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t p = 0; p < k; ++p)
          for (int64_t d = 1; d <= 2; ++d)
            for (bool ceil : {false, true}) {
              int64_t span = d * (k - 1) + 1, padded = in + 2 * p;
              // Full windows: every start whose window ends in the padded
              // input.
              int64_t count = 0, start = 0;
              for (; start + span <= padded; start += s)
                ++count;
              // ceil mode adds the one partial window that rounding up
              // creates, if it starts inside the input or leading padding.
              if (ceil && start < padded - span + s && start < in + p)
                ++count;
              int64_t got = windowOutputSize(in, k, s, p, p, d, ceil);
              if (padded < span) {
                CHECK(got < 1);
                continue;
              }
              INFO("in=" << in << " k=" << k << " s=" << s << " p=" << p
                         << " d=" << d << " ceil=" << ceil);
              CHECK(got == count);
            }
}

TEST_CASE("conv2d shapes", "[shapes]") {
  int64_t s1[] = {1, 1}, s2[] = {2, 2}, p0[] = {0, 0, 0, 0},
          p1[] = {1, 1, 1, 1}, d1[] = {1, 1};
  // ResNet stem: 7x7 stride 2 pad 3 on 224x224.
  int64_t p3[] = {3, 3, 3, 3};
  CHECK(dims(conv2d({1, 3, 224, 224}, {64, 3, 7, 7}, {{}, s2, p3, d1}, 1)) ==
        Dims{1, 64, 112, 112});
  // Depthwise 3x3.
  CHECK(dims(conv2d({2, 32, 56, 56}, {32, 1, 3, 3}, {{}, s1, p1, d1}, 32)) ==
        Dims{2, 32, 56, 56});
  CHECK(dims(conv2d({1, 1, 28, 28}, {6, 1, 5, 5}, {{}, s1, p0, d1}, 1)) ==
        Dims{1, 6, 24, 24});
  ShapeResult bad = conv2d({1, 3, 8, 8}, {4, 2, 3, 3}, {{}, s1, p0, d1}, 1);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error ==
        "weight input channels (2) x groups (1) must equal the input "
        "channels (3)");
  CHECK_FALSE(conv2d({1, 6, 8, 8}, {4, 2, 3, 3}, {{}, s1, p0, d1}, 4).ok());
  CHECK_FALSE(conv2d({1, 3, 2, 2}, {4, 3, 3, 3}, {{}, s1, p0, d1}, 1).ok());
}

TEST_CASE("transposed convolution shapes invert convolution shapes",
          "[shapes]") {
  // For every stride/pad/dilation/kernel, a transposed conv (with the
  // output_padding that recovers the rounded-away rows) maps the conv's
  // output size back to its input size.
  for (int64_t in = 1; in <= 9; ++in)
    for (int64_t k = 1; k <= 3; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t p = 0; p < k; ++p)
          for (int64_t d = 1; d <= 2; ++d) {
            int64_t out = windowOutputSize(in, k, s, p, p, d);
            if (out < 1)
              continue;
            int64_t extra = (in + 2 * p - (d * (k - 1) + 1)) % s;
            int64_t sv[] = {s, s}, pv[] = {p, p, p, p}, dv[] = {d, d},
                    op[] = {extra, extra};
            if (extra >= std::max(s, d))
              continue;
            ShapeResult r = convTranspose2d({1, 4, out, out}, {4, 3, k, k},
                                            {{}, sv, pv, dv}, op, 1);
            INFO("in=" << in << " k=" << k << " s=" << s << " p=" << p
                       << " d=" << d);
            REQUIRE(r.ok());
            CHECK(r.shape[2] == in);
            CHECK(r.shape[1] == 3);
          }
  int64_t s1[] = {1, 1}, p0[] = {0, 0, 0, 0}, d1[] = {1, 1}, op0[] = {0, 0};
  CHECK(convTranspose2d({1, 4, 3, 3}, {4, 2, 3, 3}, {{}, s1, p0, d1}, op0, 2)
            .shape[1] == 4);
  CHECK_FALSE(
      convTranspose2d({1, 4, 3, 3}, {3, 2, 3, 3}, {{}, s1, p0, d1}, op0, 1)
          .ok());
}

TEST_CASE("pooling, matmul, gemm, transpose, flatten, concat, pad",
          "[shapes]") {
  int64_t k3[] = {3, 3}, s2[] = {2, 2}, p1[] = {1, 1, 1, 1}, d1[] = {1, 1};
  CHECK(dims(pool2d({1, 64, 112, 112}, {k3, s2, p1, d1})) ==
        Dims{1, 64, 56, 56});
  int64_t k2[] = {2, 2}, p0[] = {0, 0, 0, 0};
  Window2D ceilWindow{k2, s2, p0, d1, true};
  CHECK(dims(pool2d({1, 8, 7, 7}, ceilWindow)) == Dims{1, 8, 4, 4});
  CHECK(dims(matmul({2, 8, 16}, {16, 4})) == Dims{2, 8, 4});
  CHECK(dims(matmul({3, 1, 4, 5}, {2, 5, 6})) == Dims{3, 2, 4, 6});
  CHECK_FALSE(matmul({8, 16}, {15, 4}).ok());
  CHECK(dims(gemm({1, 256}, {10, 256}, false, true)) == Dims{1, 10});
  CHECK(dims(gemm({256, 1}, {256, 10}, true, false)) == Dims{1, 10});
  CHECK(dims(transpose({2, 3, 4}, {2, 0, 1})) == Dims{4, 2, 3});
  CHECK_FALSE(transpose({2, 3}, {0, 0}).ok());
  CHECK(dims(flatten({2, 3, 4, 5}, 2)) == Dims{6, 20});
  CHECK(dims(flatten({2, 3}, 0)) == Dims{1, 6});
  CHECK(flatten({2, 3}, 3).error == "axis 3 is out of range [0, 2]");
  llvm::SmallVector<int64_t> a{1, 16, 8, 8}, b{1, 32, 8, 8};
  llvm::ArrayRef<int64_t> parts[] = {a, b};
  CHECK(dims(concat(parts, 1)) == Dims{1, 48, 8, 8});
  CHECK(concat(parts, 4).error == "axis 4 is out of range for rank 4");
  CHECK(concat({}, 0).error == "needs at least one input");
  CHECK(dims(pad({1, 3, 8, 8}, {0, 0, 1, 2, 0, 0, 1, 2})) ==
        Dims{1, 3, 10, 12});
  CHECK(dims(pad({4}, {-1, -1})) == Dims{2});
  CHECK_FALSE(pad({2}, {-1, -1}).ok());
  CHECK(normalizeAxis(-1, 4) == 3);
  CHECK(normalizeAxis(4, 4) == -1);
  CHECK(normalizeAxis(4, 4, true) == 4);
  CHECK(format({1, 3, 224, 224}) == "1x3x224x224");
  CHECK(numElements({2, 3, 4}) == 24);
}
