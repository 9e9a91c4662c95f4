//===- BatchNormFolding.cpp - Batch-norm folding arithmetic ---------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/BatchNormFolding.h"

#include <cassert>
#include <cmath>

using namespace rapid;

ChannelAffine rapid::batchNormAffine(llvm::ArrayRef<double> scale,
                                     llvm::ArrayRef<double> bias,
                                     llvm::ArrayRef<double> mean,
                                     llvm::ArrayRef<double> variance,
                                     double epsilon) {
  assert(scale.size() == bias.size() && scale.size() == mean.size() &&
         scale.size() == variance.size() && "one value per channel");
  ChannelAffine affine;
  for (size_t c = 0; c < scale.size(); ++c) {
    double s = scale[c] / std::sqrt(variance[c] + epsilon);
    affine.mul.push_back(s);
    affine.shift.push_back(bias[c] - s * mean[c]);
  }
  return affine;
}

void rapid::scaleChannels(llvm::MutableArrayRef<double> weights,
                          llvm::ArrayRef<double> mul, int64_t outer,
                          int64_t inner) {
  int64_t channels = mul.size();
  assert(static_cast<int64_t>(weights.size()) == outer * channels * inner &&
         "weights must be outer x channels x inner");
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i)
        weights[(o * channels + c) * inner + i] *= mul[c];
}

llvm::SmallVector<double> rapid::foldBias(llvm::ArrayRef<double> oldBias,
                                          const ChannelAffine &affine) {
  llvm::SmallVector<double> bias;
  for (size_t c = 0; c < affine.mul.size(); ++c)
    bias.push_back(affine.mul[c] * (oldBias.empty() ? 0.0 : oldBias[c]) +
                   affine.shift[c]);
  return bias;
}
