//===- Npy.h - NumPy .npy files ------------------------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Reads and writes NumPy's .npy format (versions 1.0-3.0 read, 1.0
// written): little-endian float32, float64, float16, int8 and int32 arrays
// in C order. Errors name the file and what is wrong with it.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SIM_NPY_H
#define RAPID_SIM_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace rapid::sim {

struct NpyArray {
  std::vector<int64_t> shape;
  /// The elements as doubles, in C order.
  std::vector<double> data;
};

/// Parses the bytes of a .npy file; `source` names it in errors.
llvm::Expected<NpyArray> parseNpy(llvm::ArrayRef<uint8_t> bytes,
                                  llvm::StringRef source);
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);
/// A float32 .npy file's bytes.
std::vector<uint8_t> encodeNpyFloat32(llvm::ArrayRef<int64_t> shape,
                                      llvm::ArrayRef<float> data);

} // namespace rapid::sim

#endif // RAPID_SIM_NPY_H
