//===- MemoryPlan.h - Lifetime-based placement of buffers ---------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Plain C++: places buffers with known lifetimes (program steps, both ends
// included) in one memory so that buffers live at the same step never share
// a byte, reusing the bytes of dead ones. Greedy: largest first, each at
// the lowest aligned offset clear of the buffers already placed whose
// lifetimes intersect its own.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_BACKEND_MEMORYPLAN_H
#define RAPID_BACKEND_MEMORYPLAN_H

#include <cstdint>
#include <string>
#include <vector>

namespace rapid::backend {

/// `x` rounded up to a multiple of `alignment` (the backend places buffers
/// at 64-byte boundaries).
inline uint64_t alignUp(uint64_t x, uint64_t alignment = 64) {
  return (x + alignment - 1) / alignment * alignment;
}

struct Allocation {
  std::string name;
  uint64_t size = 0;
  int64_t first = 0, last = 0;
  /// Set by planMemory.
  uint64_t offset = 0;
};

/// Places every allocation (offsets relative to the memory's base, multiples
/// of `alignment`); returns the bytes the plan spans.
uint64_t planMemory(std::vector<Allocation> &allocations,
                    uint64_t alignment = 64);

/// Why `allocations` is not a valid plan (two buffers live at one step
/// sharing bytes, or one beyond `capacity`), or empty.
std::string checkMemoryPlan(const std::vector<Allocation> &allocations,
                            uint64_t capacity);

/// The most bytes live at any one step: no plan spans fewer.
uint64_t peakLiveBytes(const std::vector<Allocation> &allocations);

} // namespace rapid::backend

#endif // RAPID_BACKEND_MEMORYPLAN_H
