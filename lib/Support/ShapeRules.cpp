//===- ShapeRules.cpp - Result shapes of the rapid tensor ops -------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Support/ShapeRules.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace rapid;
using namespace rapid::shapes;
using llvm::ArrayRef;

namespace {
/// Window parameters beyond this are rejected so that the output-size
/// arithmetic cannot overflow.
constexpr int64_t kMaxWindow = int64_t(1) << 31;

/// printf-style message assembly without exceptions or streams at call sites.
template <typename... Args> std::string msg(const Args &...args) {
  std::string out;
  llvm::raw_string_ostream os(out);
  (os << ... << args);
  return os.str();
}

std::string list(ArrayRef<int64_t> values) {
  std::string out = "[";
  llvm::raw_string_ostream os(out);
  llvm::interleaveComma(values, os);
  os << "]";
  return os.str();
}
} // namespace

std::string shapes::format(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::interleave(shape, os, "x");
  return os.str();
}

int64_t shapes::numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::optional<int64_t> shapes::checkedNumElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      return std::nullopt;
  return n;
}

int64_t shapes::normalizeAxis(int64_t axis, int64_t rank, bool inclusiveEnd) {
  int64_t limit = inclusiveEnd ? rank + 1 : rank;
  if (axis < 0)
    axis += rank;
  return (axis < 0 || axis >= limit) ? -1 : axis;
}

ShapeResult shapes::broadcast(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the trailing dimension.
    int64_t l = i < lhs.size() ? lhs[lhs.size() - 1 - i] : 1;
    int64_t r = i < rhs.size() ? rhs[rhs.size() - 1 - i] : 1;
    if (l != r && l != 1 && r != 1)
      return ShapeResult::failure(
          msg("shapes ", format(lhs), " and ", format(rhs),
              " are not broadcast-compatible: dimension ", rank - 1 - i,
              " of the result would need ", l, " and ", r));
    result[rank - 1 - i] = l == 1 ? r : l;
  }
  return ShapeResult::success(result);
}

int64_t shapes::windowOutputSize(int64_t input, int64_t kernel, int64_t stride,
                                 int64_t padBegin, int64_t padEnd,
                                 int64_t dilation, bool ceilMode) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t room = input + padBegin + padEnd - span;
  if (room < 0)
    return 0;
  int64_t out = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1;
  // A ceil-mode window that would start entirely in the trailing padding is
  // dropped.
  if (ceilMode && (out - 1) * stride >= input + padBegin)
    --out;
  return out;
}

std::string shapes::checkWindow(const Window2D &w, bool needKernel) {
  if (needKernel) {
    if (w.kernel.size() != 2)
      return msg("kernel needs 2 values (height, width), got ",
                 w.kernel.size());
    if (llvm::any_of(w.kernel,
                     [](int64_t k) { return k < 1 || k > kMaxWindow; }))
      return msg("kernel values must be in [1, 2^31], got ", list(w.kernel));
  }
  if (w.strides.size() != 2)
    return msg("strides needs 2 values (height, width), got ",
               w.strides.size());
  if (llvm::any_of(w.strides,
                   [](int64_t s) { return s < 1 || s > kMaxWindow; }))
    return msg("strides must be in [1, 2^31], got ", list(w.strides));
  if (w.pads.size() != 4)
    return msg("pads needs 4 values (top, left, bottom, right), got ",
               w.pads.size());
  if (llvm::any_of(w.pads, [](int64_t p) { return p < 0 || p > kMaxWindow; }))
    return msg("pads must be in [0, 2^31], got ", list(w.pads));
  if (w.dilations.size() != 2)
    return msg("dilations needs 2 values (height, width), got ",
               w.dilations.size());
  if (llvm::any_of(w.dilations,
                   [](int64_t d) { return d < 1 || d > kMaxWindow; }))
    return msg("dilations must be in [1, 2^31], got ", list(w.dilations));
  return {};
}

/// Output height and width of a 2-D window over NCHW `input`.
static ShapeResult spatialOutput(ArrayRef<int64_t> input,
                                 ArrayRef<int64_t> kernel, const Window2D &w) {
  Shape hw;
  static const char *names[] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    int64_t out =
        windowOutputSize(input[2 + i], kernel[i], w.strides[i], w.pads[i],
                         w.pads[2 + i], w.dilations[i], w.ceilMode);
    if (out < 1)
      return ShapeResult::failure(
          msg("window of ", kernel[i], " (dilation ", w.dilations[i],
              ") does not fit the padded input ", names[i], " ", input[2 + i],
              " + ", w.pads[i], " + ", w.pads[2 + i]));
    hw.push_back(out);
  }
  return ShapeResult::success(hw);
}

/// Checks shared by convolution and its transpose: operand ranks, the window
/// and the group count. `weightLayout` names the weight's expected dimensions.
static std::string checkConvOperands(ArrayRef<int64_t> input,
                                     ArrayRef<int64_t> weight,
                                     llvm::StringRef weightLayout,
                                     const Window2D &w, int64_t groups) {
  if (input.size() != 4)
    return msg("input must be rank 4 (NxCxHxW), got ", format(input));
  if (weight.size() != 4)
    return msg("weight must be rank 4 (", weightLayout, "), got ",
               format(weight));
  if (std::string e = shapes::checkWindow(w, /*needKernel=*/false); !e.empty())
    return e;
  if (groups < 1)
    return msg("groups must be >= 1, got ", groups);
  return "";
}

ShapeResult shapes::conv2d(ArrayRef<int64_t> input, ArrayRef<int64_t> weight,
                           const Window2D &w, int64_t groups) {
  if (std::string e =
          checkConvOperands(input, weight, "OxC/groupsxKHxKW", w, groups);
      !e.empty())
    return ShapeResult::failure(e);
  if (input[1] % groups != 0)
    return ShapeResult::failure(msg("input channels (", input[1],
                                    ") are not divisible by groups (", groups,
                                    ")"));
  if (weight[0] % groups != 0)
    return ShapeResult::failure(msg("output channels (", weight[0],
                                    ") are not divisible by groups (", groups,
                                    ")"));
  if (weight[1] * groups != input[1])
    return ShapeResult::failure(
        msg("weight input channels (", weight[1], ") x groups (", groups,
            ") must equal the input channels (", input[1], ")"));
  ShapeResult hw = spatialOutput(input, weight.drop_front(2), w);
  if (!hw.ok())
    return hw;
  return ShapeResult::success({input[0], weight[0], hw.shape[0], hw.shape[1]});
}

ShapeResult shapes::convTranspose2d(ArrayRef<int64_t> input,
                                    ArrayRef<int64_t> weight, const Window2D &w,
                                    ArrayRef<int64_t> outputPadding,
                                    int64_t groups) {
  if (std::string e =
          checkConvOperands(input, weight, "CxO/groupsxKHxKW", w, groups);
      !e.empty())
    return ShapeResult::failure(e);
  if (weight[0] != input[1])
    return ShapeResult::failure(msg("weight input channels (", weight[0],
                                    ") must equal the input channels (",
                                    input[1], ")"));
  if (input[1] % groups != 0)
    return ShapeResult::failure(msg("input channels (", input[1],
                                    ") are not divisible by groups (", groups,
                                    ")"));
  if (outputPadding.size() != 2)
    return ShapeResult::failure(
        msg("output_padding needs 2 values (height, width), got ",
            outputPadding.size()));
  Shape out = {input[0], weight[1] * groups};
  static const char *names[] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    // output_padding adds rows only the last stride step can reach.
    if (outputPadding[i] < 0 ||
        outputPadding[i] >= std::max(w.strides[i], w.dilations[i]))
      return ShapeResult::failure(
          msg("output_padding ", list(outputPadding),
              " must be smaller than the stride or dilation"));
    int64_t size = w.strides[i] * (input[2 + i] - 1) + outputPadding[i] +
                   w.dilations[i] * (weight[2 + i] - 1) + 1 - w.pads[i] -
                   w.pads[2 + i];
    if (size < 1)
      return ShapeResult::failure(
          msg("pads ", list(w.pads), " leave no output ", names[i]));
    out.push_back(size);
  }
  return ShapeResult::success(out);
}

ShapeResult shapes::pool2d(ArrayRef<int64_t> input, const Window2D &w) {
  if (input.size() != 4)
    return ShapeResult::failure(
        msg("input must be rank 4 (NxCxHxW), got ", format(input)));
  if (std::string e = checkWindow(w, /*needKernel=*/true); !e.empty())
    return ShapeResult::failure(e);
  for (int i = 0; i < 2; ++i)
    if (w.pads[i] >= w.kernel[i] || w.pads[2 + i] >= w.kernel[i])
      return ShapeResult::failure(msg("pads ", list(w.pads),
                                      " must be smaller than the kernel ",
                                      list(w.kernel)));
  ShapeResult hw = spatialOutput(input, w.kernel, w);
  if (!hw.ok())
    return hw;
  return ShapeResult::success({input[0], input[1], hw.shape[0], hw.shape[1]});
}

ShapeResult shapes::matmul(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  if (lhs.size() < 2 || rhs.size() < 2)
    return ShapeResult::failure(msg("operands must have rank >= 2, got ",
                                    format(lhs), " and ", format(rhs)));
  int64_t m = lhs[lhs.size() - 2], k = lhs.back();
  int64_t k2 = rhs[rhs.size() - 2], n = rhs.back();
  if (k != k2)
    return ShapeResult::failure(
        msg("contracting dimensions differ: lhs ", format(lhs), " has ", k,
            " columns but rhs ", format(rhs), " has ", k2, " rows"));
  ShapeResult batch = broadcast(lhs.drop_back(2), rhs.drop_back(2));
  if (!batch.ok())
    return ShapeResult::failure("batch dimensions: " + batch.error);
  batch.shape.push_back(m);
  batch.shape.push_back(n);
  return batch;
}

ShapeResult shapes::gemm(ArrayRef<int64_t> a, ArrayRef<int64_t> b, bool transA,
                         bool transB) {
  if (a.size() != 2 || b.size() != 2)
    return ShapeResult::failure(
        msg("operands must be rank 2, got ", format(a), " and ", format(b)));
  int64_t m = transA ? a[1] : a[0], ka = transA ? a[0] : a[1];
  int64_t kb = transB ? b[1] : b[0], n = transB ? b[0] : b[1];
  if (ka != kb)
    return ShapeResult::failure(msg("contracting dimensions differ: op(A) is ",
                                    m, "x", ka, " but op(B) is ", kb, "x", n));
  return ShapeResult::success({m, n});
}

ShapeResult shapes::transpose(ArrayRef<int64_t> input, ArrayRef<int64_t> perm) {
  if (perm.size() != input.size())
    return ShapeResult::failure(
        msg("permutation ", list(perm), " has ", perm.size(),
            " entries but the input has rank ", input.size()));
  llvm::SmallVector<bool> seen(input.size(), false);
  Shape result;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(input.size()) || seen[p])
      return ShapeResult::failure(
          msg(list(perm), " is not a permutation of [0, ", input.size(), ")"));
    seen[p] = true;
    result.push_back(input[p]);
  }
  return ShapeResult::success(result);
}

ShapeResult shapes::flatten(ArrayRef<int64_t> input, int64_t axis) {
  if (axis < 0 || axis > static_cast<int64_t>(input.size()))
    return ShapeResult::failure(
        msg("axis ", axis, " is out of range [0, ", input.size(), "]"));
  return ShapeResult::success({numElements(input.take_front(axis)),
                               numElements(input.drop_front(axis))});
}

ShapeResult shapes::concat(ArrayRef<ArrayRef<int64_t>> inputs, int64_t axis) {
  if (inputs.empty())
    return ShapeResult::failure("needs at least one input");
  ArrayRef<int64_t> first = inputs.front();
  if (axis < 0 || axis >= static_cast<int64_t>(first.size()))
    return ShapeResult::failure(
        msg("axis ", axis, " is out of range for rank ", first.size()));
  Shape result(first.begin(), first.end());
  for (size_t i = 1; i < inputs.size(); ++i) {
    ArrayRef<int64_t> in = inputs[i];
    if (in.size() != first.size())
      return ShapeResult::failure(msg("input #", i, " has rank ", in.size(),
                                      " but input #0 has rank ", first.size()));
    for (size_t d = 0; d < in.size(); ++d)
      if (static_cast<int64_t>(d) != axis && in[d] != first[d])
        return ShapeResult::failure(
            msg("input #", i, " (", format(in), ") differs from input #0 (",
                format(first), ") in dimension ", d,
                ", which is not the concatenation axis"));
    result[axis] += in[axis];
  }
  return ShapeResult::success(result);
}

ShapeResult shapes::pad(ArrayRef<int64_t> input, ArrayRef<int64_t> pads) {
  if (pads.size() != 2 * input.size())
    return ShapeResult::failure(
        msg("pads needs ", 2 * input.size(),
            " values (begin and end per dimension), got ", pads.size()));
  Shape result;
  for (size_t d = 0; d < input.size(); ++d) {
    int64_t size = input[d] + pads[d] + pads[input.size() + d];
    if (size < 1)
      return ShapeResult::failure(
          msg("pads ", list(pads), " leave dimension ", d, " empty"));
    result.push_back(size);
  }
  return ShapeResult::success(result);
}
