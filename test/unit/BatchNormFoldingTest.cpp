//===- BatchNormFoldingTest.cpp - Batch-norm folding arithmetic -----------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Oracle: a direct convolution followed by batch normalization must equal the
// convolution with folded weights and bias.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/BatchNormFolding.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

using namespace rapid;

namespace {
/// Valid 2-D convolution, stride 1: x is CxHxW, w is OxCxKxK.
std::vector<double> conv(const std::vector<double> &x,
                         const std::vector<double> &w,
                         const std::vector<double> &b, int c, int h, int o,
                         int k) {
  int oh = h - k + 1;
  std::vector<double> y(o * oh * oh);
  for (int oc = 0; oc < o; ++oc)
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < oh; ++j) {
        double acc = b.empty() ? 0.0 : b[oc];
        for (int ic = 0; ic < c; ++ic)
          for (int ki = 0; ki < k; ++ki)
            for (int kj = 0; kj < k; ++kj)
              acc += x[(ic * h + i + ki) * h + j + kj] *
                     w[((oc * c + ic) * k + ki) * k + kj];
        y[(oc * oh + i) * oh + j] = acc;
      }
  return y;
}
} // namespace

TEST_CASE("folded conv equals conv followed by batch norm", "[batchnorm]") {
  const int c = 3, h = 6, o = 4, k = 3;
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  auto random = [&](size_t n, double offset = 0.0) {
    std::vector<double> v(n);
    for (double &e : v)
      e = normal(rng) + offset;
    return v;
  };
  std::vector<double> x = random(c * h * h), w = random(o * c * k * k);
  std::vector<double> scale = random(o, 1.0), bias = random(o),
                      mean = random(o);
  std::vector<double> var(o);
  for (double &v : var)
    v = std::abs(normal(rng)) + 0.1;
  const double eps = 1e-3;

  for (bool withBias : {false, true}) {
    std::vector<double> b = withBias ? random(o) : std::vector<double>{};
    std::vector<double> y = conv(x, w, b, c, h, o, k);
    int plane = y.size() / o;
    for (int oc = 0; oc < o; ++oc)
      for (int i = 0; i < plane; ++i) {
        double &v = y[oc * plane + i];
        v = scale[oc] * (v - mean[oc]) / std::sqrt(var[oc] + eps) + bias[oc];
      }

    ChannelAffine affine = batchNormAffine(scale, bias, mean, var, eps);
    std::vector<double> wf = w;
    scaleChannels(wf, affine.mul, 1, c * k * k);
    llvm::SmallVector<double> bf = foldBias(b, affine);
    std::vector<double> folded =
        conv(x, wf, std::vector<double>(bf.begin(), bf.end()), c, h, o, k);
    REQUIRE(folded.size() == y.size());
    for (size_t i = 0; i < y.size(); ++i)
      CHECK(folded[i] == Approx(y[i]).epsilon(1e-12).margin(1e-12));
  }
}

TEST_CASE("scaleChannels addresses the channel axis of any layout",
          "[batchnorm]") {
  // A 2x3 gemm B (K = 2, N = 3): channels are columns (outer = K, inner = 1).
  std::vector<double> b = {1, 2, 3, 4, 5, 6};
  scaleChannels(b, {10, 100, 1000}, 2, 1);
  CHECK(b == std::vector<double>{10, 200, 3000, 40, 500, 6000});
  // Its transpose (N = 3 rows of K = 2): channels are rows.
  std::vector<double> bt = {1, 4, 2, 5, 3, 6};
  scaleChannels(bt, {10, 100, 1000}, 1, 2);
  CHECK(bt == std::vector<double>{10, 40, 200, 500, 3000, 6000});
}
