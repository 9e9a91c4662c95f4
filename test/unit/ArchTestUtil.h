//===- ArchTestUtil.h - Architecture descriptions in unit tests -*- C++ -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Loading presets and parsing descriptions, shared by the unit tests that
// need architectures.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TEST_UNIT_ARCHTESTUTIL_H
#define RAPID_TEST_UNIT_ARCHTESTUTIL_H

#include "rapid/Arch/ArchSpec.h"

#include <catch2/catch.hpp>

#include <string>

namespace rapid::test {

/// A preset or description file; fails the test when it does not load.
inline ArchSpec load(llvm::StringRef name) {
  llvm::Expected<ArchSpec> spec = loadArchSpec(name);
  if (!spec)
    FAIL(llvm::toString(spec.takeError()));
  return std::move(*spec);
}

/// The error a description gives, "" when it parses.
inline std::string errorOf(llvm::StringRef json) {
  llvm::Expected<ArchSpec> spec = parseArchSpec(json, "test.json");
  if (spec)
    return "";
  return llvm::toString(spec.takeError());
}

} // namespace rapid::test

#endif // RAPID_TEST_UNIT_ARCHTESTUTIL_H
