//===- Random.h - Counter-based random bits for stochastic rounding -*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A counter-based random number generator: the bits are a pure function of a
// key (a seed and any number of further words, e.g. a core, an instruction's
// pc, how many times that pc has run, an element index) and a counter, with
// no state carried from one draw to the next. The simulator keys each
// stochastic rounding by where it happens rather than by when, so the result
// of a run depends only on the seed: not on the order engine instructions run
// in (rapid::sim::Schedule), nor on how many threads run them.
//
// The mixing function is SplitMix64's finalizer (Steele, Lea and Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014; the output
// function of java.util.SplittableRandom), a bijection of 64-bit words whose
// outputs for consecutive inputs pass BigCrush. A stream's i-th draw is
// mix(state + (i + 1) * gamma), exactly SplitMix64's i-th output from
// `state`; deriving a stream for a further key word hashes that word into
// the state. Plain C++.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_NUMERICS_RANDOM_H
#define RAPID_NUMERICS_RANDOM_H

#include <cstdint>

namespace rapid::numerics {

/// SplitMix64's finalizer: a bijection of 64-bit words with full avalanche.
constexpr uint64_t splitMix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A stream of random 64-bit words named by a key: `RandomStream(seed)`
/// names the seed's stream, `.derive(k)` a sub-stream of it for the key word
/// `k`, and `.at(i)` is the stream's i-th word. Every draw is a pure function
/// of (seed, key words in order, i).
class RandomStream {
public:
  static constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ULL;

  constexpr explicit RandomStream(uint64_t seed)
      : state(splitMix64(seed ^ 0x5241506944534d31ULL)) {}

  /// The sub-stream for key word `k` (distinct words give independent
  /// streams; derive(a).derive(b) differs from derive(b).derive(a)).
  constexpr RandomStream derive(uint64_t k) const {
    return RandomStream(Raw{}, splitMix64(state + splitMix64(k + kGamma)));
  }

  /// The stream's i-th word.
  constexpr uint64_t at(uint64_t i) const {
    return splitMix64(state + (i + 1) * kGamma);
  }

private:
  struct Raw {};
  constexpr RandomStream(Raw, uint64_t state) : state(state) {}
  uint64_t state;
};

} // namespace rapid::numerics

#endif // RAPID_NUMERICS_RANDOM_H
