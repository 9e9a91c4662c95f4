//===- BatchNormFolding.h - Batch-norm folding arithmetic --------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Inference batch normalization is the per-channel affine map
// bn(y) = s * y + shift with s = scale / sqrt(variance + epsilon) and
// shift = bias - s * mean. Folding it into a preceding linear layer scales
// that layer's weights per output channel and rewrites its bias. The
// arithmetic is plain C++ in double precision so that it is tested without
// IR; rapid-fold-batchnorm adapts it to constants.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SUPPORT_BATCHNORMFOLDING_H
#define RAPID_SUPPORT_BATCHNORMFOLDING_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace rapid {

/// The per-channel affine form of an inference batch norm.
struct ChannelAffine {
  llvm::SmallVector<double> mul;
  llvm::SmallVector<double> shift;
};

/// s = scale / sqrt(variance + epsilon), shift = bias - s * mean. All inputs
/// have one value per channel.
ChannelAffine batchNormAffine(llvm::ArrayRef<double> scale,
                              llvm::ArrayRef<double> bias,
                              llvm::ArrayRef<double> mean,
                              llvm::ArrayRef<double> variance, double epsilon);

/// Multiplies weights viewed as [outer, channels, inner] (row-major) by the
/// per-channel factor: a conv2d weight OxCxKHxKW is outer = 1, channels = O,
/// inner = C*KH*KW; a gemm B of shape KxN is outer = K, channels = N,
/// inner = 1.
void scaleChannels(llvm::MutableArrayRef<double> weights,
                   llvm::ArrayRef<double> mul, int64_t outer, int64_t inner);

/// The folded bias mul * oldBias + shift; an empty oldBias stands for zeros.
llvm::SmallVector<double> foldBias(llvm::ArrayRef<double> oldBias,
                                   const ChannelAffine &affine);

} // namespace rapid

#endif // RAPID_SUPPORT_BATCHNORMFOLDING_H
