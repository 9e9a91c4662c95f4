//===- NpyTest.cpp - .npy reading and writing -----------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Npy.h"

#include <catch2/catch.hpp>

using namespace rapid::sim;

TEST_CASE(".npy files round-trip and malformed ones are refused", "[sim]") {
  std::vector<float> v = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, -0.5f};
  std::vector<uint8_t> bytes = encodeNpyFloat32({2, 3}, v);
  // The data starts 64-byte aligned, as NumPy writes it.
  CHECK((10 + (bytes[8] | bytes[9] << 8)) % 64 == 0);
  llvm::Expected<NpyArray> a = parseNpy(bytes, "a.npy");
  REQUIRE(bool(a));
  CHECK(a->shape == std::vector<int64_t>{2, 3});
  CHECK(a->data == std::vector<double>(v.begin(), v.end()));
  // A scalar and a 1-D array.
  llvm::Expected<NpyArray> s = parseNpy(encodeNpyFloat32({}, {4.0f}), "s");
  REQUIRE(bool(s));
  CHECK(s->shape.empty());
  CHECK(s->data == std::vector<double>{4.0});
  llvm::Expected<NpyArray> o = parseNpy(encodeNpyFloat32({1}, {4.0f}), "o");
  REQUIRE(bool(o));
  CHECK(o->shape == std::vector<int64_t>{1});

  auto error = [](std::vector<uint8_t> b) {
    llvm::Expected<NpyArray> r = parseNpy(b, "x.npy");
    REQUIRE_FALSE(bool(r));
    return llvm::toString(r.takeError());
  };
  CHECK(error({'h', 'e', 'l', 'l', 'o'}) ==
        "x.npy: not a .npy file (no \\x93NUMPY magic)");
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 4);
  CHECK(error(cut) == "x.npy: holds 20 bytes of data; shape and dtype need 24");
  std::vector<uint8_t> header(bytes.begin(), bytes.begin() + 20);
  CHECK(error(header) == "x.npy: truncated header");
  auto patch = [&](const std::string &from, const std::string &to) {
    std::string s(bytes.begin(), bytes.end());
    s.replace(s.find(from), from.size(), to);
    return std::vector<uint8_t>(s.begin(), s.end());
  };
  CHECK(error(patch("<f4", ">f4")) ==
        "x.npy: unsupported dtype '>f4'; use float32, float64, float16, int8 "
        "or int32 (little-endian)");
  CHECK(error(patch("False", "True ")) ==
        "x.npy: Fortran-order arrays are not supported; save with C order");
  CHECK(error(patch("(2, 3)", "(2, x)")) ==
        "x.npy: malformed shape dimension 'x'");
  // Counts that would overflow are refused before they do.
  CHECK(error(patch("(2, 3)", "(805306368, 17179869184)")) ==
        "x.npy: the array is too large");
  CHECK(error(patch("'<f4'", "  ")) ==
        "x.npy: malformed descr (expected a quoted dtype)");
}
