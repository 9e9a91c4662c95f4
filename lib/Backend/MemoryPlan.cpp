//===- MemoryPlan.cpp - Lifetime-based placement of buffers ---------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/MemoryPlan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>
#include <numeric>

using namespace rapid::backend;

static bool liveTogether(const Allocation &a, const Allocation &b) {
  return a.first <= b.last && b.first <= a.last;
}

uint64_t rapid::backend::planMemory(std::vector<Allocation> &allocations,
                                    uint64_t alignment) {
  std::vector<size_t> order(allocations.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first; ties by start step then index, for determinism.
  llvm::stable_sort(order, [&](size_t a, size_t b) {
    const Allocation &x = allocations[a], &y = allocations[b];
    if (x.size != y.size)
      return x.size > y.size;
    return x.first < y.first;
  });
  std::vector<size_t> placed;
  uint64_t end = 0;
  for (size_t i : order) {
    Allocation &a = allocations[i];
    // The placed buffers live with `a`, by offset.
    std::vector<const Allocation *> busy;
    for (size_t j : placed)
      if (liveTogether(a, allocations[j]) && allocations[j].size)
        busy.push_back(&allocations[j]);
    llvm::sort(busy, [](const Allocation *x, const Allocation *y) {
      return x->offset < y->offset;
    });
    uint64_t at = 0;
    for (const Allocation *b : busy) {
      if (at + a.size <= b->offset)
        break;
      at = std::max(at, alignUp(b->offset + b->size, alignment));
    }
    a.offset = at;
    end = std::max(end, at + a.size);
    placed.push_back(i);
  }
  return end;
}

std::string
rapid::backend::checkMemoryPlan(const std::vector<Allocation> &allocations,
                                uint64_t capacity) {
  for (size_t i = 0; i < allocations.size(); ++i) {
    const Allocation &a = allocations[i];
    if (a.offset + a.size > capacity)
      return llvm::formatv("'{0}' [{1}, {2}) exceeds the capacity of {3} "
                           "bytes",
                           a.name, a.offset, a.offset + a.size, capacity)
          .str();
    for (size_t j = 0; j < i; ++j) {
      const Allocation &b = allocations[j];
      if (a.size && b.size && liveTogether(a, b) &&
          a.offset < b.offset + b.size && b.offset < a.offset + a.size)
        return llvm::formatv("'{0}' and '{1}' share bytes while both are "
                             "live",
                             a.name, b.name)
            .str();
    }
  }
  return {};
}

uint64_t
rapid::backend::peakLiveBytes(const std::vector<Allocation> &allocations) {
  std::map<int64_t, int64_t> delta;
  for (const Allocation &a : allocations) {
    delta[a.first] += int64_t(a.size);
    delta[a.last + 1] -= int64_t(a.size);
  }
  int64_t live = 0, peak = 0;
  for (auto [step, d] : delta) {
    live += d;
    peak = std::max(peak, live);
  }
  return uint64_t(peak);
}
