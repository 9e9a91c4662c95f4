//===- ShapeRules.h - Result shapes of the rapid tensor ops ------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// The shape arithmetic of every tensor operation, as plain C++ over int64
// vectors. The `rapid` dialect's verifiers, the ONNX importer and the
// workload extraction all call these functions, so a shape is computed in one
// place only. Each rule returns the result shape or a message that names the
// operand or attribute at fault; callers prefix the op.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SUPPORT_SHAPERULES_H
#define RAPID_SUPPORT_SHAPERULES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace rapid::shapes {

using Shape = llvm::SmallVector<int64_t, 4>;

/// A result shape, or (when `error` is non-empty) why there is none.
struct ShapeResult {
  Shape shape;
  std::string error;

  bool ok() const { return error.empty(); }
  static ShapeResult failure(std::string message) {
    ShapeResult r;
    r.error = std::move(message);
    return r;
  }
  static ShapeResult success(llvm::ArrayRef<int64_t> shape) {
    ShapeResult r;
    r.shape.assign(shape.begin(), shape.end());
    return r;
  }
};

/// "2x3x4" (the MLIR tensor spelling of a shape); "scalar" for rank 0.
std::string format(llvm::ArrayRef<int64_t> shape);

/// Number of elements.
int64_t numElements(llvm::ArrayRef<int64_t> shape);

/// Number of elements, or std::nullopt when a dimension is negative or the
/// product overflows int64.
std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape);

/// Numpy-style broadcast of two shapes (trailing dimensions aligned; a
/// dimension of 1 stretches).
ShapeResult broadcast(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Output length of one spatial dimension of a sliding window (convolution or
/// pooling). With `ceilMode`, a final partial window is kept when it starts
/// inside the input or the leading padding (ONNX / PyTorch rule). Returns a
/// value < 1 when the window does not fit.
int64_t windowOutputSize(int64_t input, int64_t kernel, int64_t stride,
                         int64_t padBegin, int64_t padEnd, int64_t dilation,
                         bool ceilMode = false);

/// Parameters of a 2-D window: all arrays in (height, width) order, pads in
/// ONNX order (top, left, bottom, right).
struct Window2D {
  llvm::ArrayRef<int64_t> kernel;    // 2 values (pooling only)
  llvm::ArrayRef<int64_t> strides;   // 2 values, each >= 1
  llvm::ArrayRef<int64_t> pads;      // 4 values, each >= 0
  llvm::ArrayRef<int64_t> dilations; // 2 values, each >= 1
  bool ceilMode = false;
};

/// Checks the window attributes alone (counts and ranges).
std::string checkWindow(const Window2D &window, bool needKernel);

/// conv2d: input NxCxHxW, weight OxC/groupsxKHxKW -> NxOxOHxOW.
ShapeResult conv2d(llvm::ArrayRef<int64_t> input,
                   llvm::ArrayRef<int64_t> weight, const Window2D &window,
                   int64_t groups);

/// Transposed 2-D convolution: input NxCxHxW, weight CxO/groupsxKHxKW ->
/// NxOxOHxOW with OH = sh*(H-1) + output_padding + dh*(KH-1) + 1 - pads.
ShapeResult convTranspose2d(llvm::ArrayRef<int64_t> input,
                            llvm::ArrayRef<int64_t> weight,
                            const Window2D &window,
                            llvm::ArrayRef<int64_t> outputPadding,
                            int64_t groups);

/// max/avg pooling: input NxCxHxW -> NxCxOHxOW.
ShapeResult pool2d(llvm::ArrayRef<int64_t> input, const Window2D &window);

/// Batched matrix product with numpy semantics for the leading (batch)
/// dimensions; both operands have rank >= 2.
ShapeResult matmul(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Gemm: op(A) x op(B) for 2-D A and B, op = optional transpose.
ShapeResult gemm(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                 bool transA, bool transB);

/// Permutes dimensions: result[i] = input[perm[i]].
ShapeResult transpose(llvm::ArrayRef<int64_t> input,
                      llvm::ArrayRef<int64_t> perm);

/// Flattens to 2-D: [prod(input[:axis]), prod(input[axis:])], 0 <= axis <=
/// rank.
ShapeResult flatten(llvm::ArrayRef<int64_t> input, int64_t axis);

/// Concatenates along `axis` (already normalised to [0, rank)).
ShapeResult concat(llvm::ArrayRef<llvm::ArrayRef<int64_t>> inputs,
                   int64_t axis);

/// Pads: `pads` holds rank begin values followed by rank end values (ONNX
/// order); negative pads crop.
ShapeResult pad(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> pads);

/// Normalises a possibly negative axis against `rank` (valid range
/// [-rank, rank) or, with `inclusiveEnd`, [-rank, rank]); -1 if out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank, bool inclusiveEnd = false);

} // namespace rapid::shapes

#endif // RAPID_SUPPORT_SHAPERULES_H
