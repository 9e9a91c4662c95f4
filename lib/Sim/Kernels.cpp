//===- Kernels.cpp - The simulator's data-parallel kernels ----------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Exactness: every kernel computes each output with the same operations, in
// the same order and on the same operands as the plain loops they replace.
// Vector lanes and threads only ever hold different outputs. The PE-array
// kernel multiplies and then adds (no fused multiply-add: this file is
// compiled with -ffp-contract=off, and the AVX2 code is written with
// separate multiplies and adds), so FP32 operands round their products as
// the reference does.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Kernels.h"

#include "rapid/Numerics/FloatFormat.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Numerics/SfuMath.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RAPID_SIM_X86 1
#define RAPID_AVX2 __attribute__((target("avx2,f16c")))
#else
#define RAPID_SIM_X86 0
#endif

using namespace rapid;
using namespace rapid::sim;

//===----------------------------------------------------------------------===//
// Dispatch and threads
//===----------------------------------------------------------------------===//

static std::atomic<bool> vectorEnabled{true};

bool rapid::sim::vectorKernelsSupported() {
#if RAPID_SIM_X86
  static const bool supported =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  return supported;
#else
  return false;
#endif
}

void rapid::sim::setVectorKernels(bool enable) { vectorEnabled = enable; }

/// Whether this call takes the AVX2/F16C path.
static bool useVector() { return vectorEnabled && vectorKernelsSupported(); }

namespace {
/// A persistent pool of workers that help the calling thread through the
/// items of a parallel loop. The caller takes items too, so that a loop
/// ends even when no worker gets to run (the machine may be busy); workers
/// join a loop only while it is open and the caller waits for those that
/// did. Idle workers spin for a while (tiles follow each other closely),
/// then sleep.
class Pool {
public:
  ~Pool() { resize(1); }

  unsigned size() const { return unsigned(workers.size()) + 1; }

  void resize(unsigned threads) {
    if (threads == size())
      return;
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    wake.notify_all();
    for (std::thread &t : workers)
      t.join();
    workers.clear();
    stop = false;
    for (unsigned w = 1; w < threads; ++w)
      workers.emplace_back([this] { work(); });
  }

  /// Calls fn(i) for every i in [0, n), on the caller and the workers.
  void run(int64_t n, const std::function<void(int64_t)> &fn) {
    job = &fn;
    items = n;
    next.store(0);
    done.store(0);
    // Odd generations are open loops.
    uint64_t open = generation.load() + 1;
    generation.store(open);
    if (sleepers.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex);
      wake.notify_all();
    }
    take();
    auto waitFrom = std::chrono::steady_clock::now();
    spinUntil([&] { return done.load() == items; });
    generation.store(open + 1);
    spinUntil([&] { return inside.load() == 0; });
    // A long wait for the last items means a worker lost its processor to
    // another program: back off (run the next loops on the caller alone,
    // twice as many each time it happens again).
    if (std::chrono::steady_clock::now() - waitFrom >
        std::chrono::microseconds(500)) {
      backoff = std::min<int64_t>(2 * backoff, 1 << 14);
      serialLoops = backoff;
    } else {
      backoff = std::max<int64_t>(backoff / 2, 32);
    }
  }

  /// Takes the pool for one loop (run() and backingOff()); false while
  /// another thread has it (simulators running on several threads share
  /// the pool).
  bool acquire() { return !busy.exchange(true, std::memory_order_acquire); }
  void release() { busy.store(false, std::memory_order_release); }

  /// Whether the next loop should run on the caller alone (see run()).
  bool backingOff() {
    if (serialLoops == 0)
      return false;
    --serialLoops;
    return true;
  }

private:
  /// Waits for `ready`, yielding the processor after a short spin (the
  /// thread it waits for may need it).
  template <typename Ready> static void spinUntil(Ready ready) {
    for (unsigned k = 0; !ready(); ++k) {
#if RAPID_SIM_X86
      _mm_pause();
#endif
      if (k >= 256)
        std::this_thread::yield();
    }
  }

  void take() {
    for (int64_t i; (i = next.fetch_add(1)) < items;) {
      (*job)(i);
      done.fetch_add(1);
    }
  }

  void work() {
    uint64_t seen = generation.load();
    while (true) {
      auto idleSince = std::chrono::steady_clock::now();
      unsigned spins = 0;
      auto ready = [&] {
        uint64_t g = generation.load();
        return stop.load() || ((g & 1) && g != seen);
      };
      while (!ready()) {
        // Spin, then spin yielding the processor (to the caller, when the
        // machine has fewer free cores than threads), then sleep.
        ++spins;
#if RAPID_SIM_X86
        _mm_pause();
#endif
        if (spins > 64)
          std::this_thread::yield();
        if (spins % 64 || std::chrono::steady_clock::now() - idleSince <
                              std::chrono::microseconds(500))
          continue;
        std::unique_lock<std::mutex> lock(mutex);
        ++sleepers;
        wake.wait(lock, ready);
        --sleepers;
      }
      if (stop.load())
        return;
      uint64_t g = generation.load();
      seen = g;
      inside.fetch_add(1);
      if (generation.load() == g && (g & 1))
        take();
      inside.fetch_sub(1);
    }
  }

  std::vector<std::thread> workers;
  const std::function<void(int64_t)> *job = nullptr;
  int64_t items = 0;
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<uint64_t> generation{0};
  std::atomic<unsigned> inside{0}, sleepers{0};
  std::atomic<bool> stop{false}, busy{false};
  int64_t backoff = 32, serialLoops = 0;
  std::mutex mutex;
  std::condition_variable wake;
};
} // namespace

static Pool &pool() {
  static Pool p;
  return p;
}

void rapid::sim::setKernelThreads(unsigned threads) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  pool().resize(threads);
}

unsigned rapid::sim::kernelThreads() { return pool().size(); }

/// Calls fn(i) for every i in [0, n), spread over the pool when `work` (a
/// rough count of operations) makes that worthwhile.
static void parallelFor(int64_t n, int64_t work,
                        const std::function<void(int64_t)> &fn) {
  Pool &p = pool();
  if (p.size() > 1 && n > 1 && work >= (int64_t(1) << 18) && p.acquire()) {
    bool alone = p.backingOff();
    if (!alone)
      p.run(n, fn);
    p.release();
    if (!alone)
      return;
  }
  for (int64_t i = 0; i < n; ++i)
    fn(i);
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

/// numerics::decode of every FP16 pattern as a float.
static const float *fp16Table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t b = 0; b < 65536; ++b)
      t[b] = float(numerics::decode(b, numerics::kFP16));
    return t;
  }();
  return table.data();
}

/// loadElement of every pattern of an 8-bit precision.
static const float *byteTable(Precision p) {
  auto build = [](Precision q) {
    std::array<float, 256> t;
    for (uint32_t b = 0; b < 256; ++b) {
      uint8_t byte = uint8_t(b);
      t[b] = float(numerics::loadElement(&byte, q));
    }
    return t;
  };
  static const std::array<float, 256> hfp143 = build(Precision::HFP8_143),
                                      hfp152 = build(Precision::HFP8_152),
                                      int8 = build(Precision::INT8);
  switch (p) {
  case Precision::HFP8_143:
    return hfp143.data();
  case Precision::HFP8_152:
    return hfp152.data();
  case Precision::INT8:
    return int8.data();
  default:
    return nullptr;
  }
}

/// FP32 bits as loadElement/storeElement pass them through double: signaling
/// NaNs become quiet.
static uint32_t quietNaN(uint32_t b) {
  // Branch-free (and signed: the masked magnitude is below 2^31) so that
  // the loops below vectorize.
  int32_t magnitude = int32_t(b & 0x7fffffffu);
  return b | (magnitude > 0x7f800000 ? 0x00400000u : 0u);
}

/// numerics::toStorage(x, FP16): round to nearest even, subnormals, overflow
/// to infinity, every NaN to 0x7e00.
static uint16_t floatToHalf(float x) {
  uint32_t u = llvm::bit_cast<uint32_t>(x);
  uint32_t sign = (u >> 16) & 0x8000u;
  u &= 0x7fffffffu;
  if (u > 0x7f800000u)
    return 0x7e00;
  if (u >= 0x47800000u) // 2^16 and above (and infinity): infinity
    return uint16_t(sign | 0x7c00u);
  if (u < 0x38800000u) {
    // Below 2^-14: adding 0.5 puts the 2^-24 units in the low mantissa
    // bits, rounded to nearest even by the addition.
    const float magic = 0.5f;
    float f = llvm::bit_cast<float>(u) + magic;
    return uint16_t(
        sign | (llvm::bit_cast<uint32_t>(f) - llvm::bit_cast<uint32_t>(magic)));
  }
  uint32_t odd = (u >> 13) & 1;
  u += (uint32_t(15 - 127) << 23) + 0xfffu + odd;
  return uint16_t(sign | (u >> 13));
}

#if RAPID_SIM_X86
RAPID_AVX2 static void decodeFP16Avx2(const uint8_t *bytes, int64_t n,
                                      float *out) {
  const __m256 qnan = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fc00000));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h =
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(bytes + 2 * i));
    __m256 v = _mm256_cvtph_ps(h);
    __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(v, qnan, nan));
  }
  const float *table = fp16Table();
  for (; i < n; ++i)
    out[i] = table[bytes[2 * i] | bytes[2 * i + 1] << 8];
}

RAPID_AVX2 static void encodeFP16Avx2(const float *values, int64_t n,
                                      uint8_t *bytes) {
  const __m128i magnitude = _mm_set1_epi16(0x7fff);
  const __m128i infinity = _mm_set1_epi16(0x7c00);
  const __m128i nan = _mm_set1_epi16(0x7e00);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(values + i),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m128i isNaN = _mm_cmpgt_epi16(_mm_and_si128(h, magnitude), infinity);
    h = _mm_blendv_epi8(h, nan, isNaN);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(bytes + 2 * i), h);
  }
  for (; i < n; ++i) {
    uint16_t h = floatToHalf(values[i]);
    std::memcpy(bytes + 2 * i, &h, 2);
  }
}
#endif

void rapid::sim::decodeElements(const uint8_t *bytes, int64_t n, Precision p,
                                float *out) {
  if (p == Precision::FP32) {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t b;
      std::memcpy(&b, bytes + 4 * i, 4);
      out[i] = llvm::bit_cast<float>(quietNaN(b));
    }
    return;
  }
  if (p == Precision::FP16) {
#if RAPID_SIM_X86
    if (useVector())
      return decodeFP16Avx2(bytes, n, out);
#endif
    const float *table = fp16Table();
    for (int64_t i = 0; i < n; ++i)
      out[i] = table[bytes[2 * i] | bytes[2 * i + 1] << 8];
    return;
  }
  if (const float *table = byteTable(p)) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = table[bytes[i]];
    return;
  }
  int64_t eb = storageBits(p) / 8;
  for (int64_t i = 0; i < n; ++i)
    out[i] = float(numerics::loadElement(bytes + i * eb, p));
}

void rapid::sim::encodeElements(const float *values, int64_t n, Precision p,
                                uint8_t *bytes) {
  if (p == Precision::FP32) {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t b = quietNaN(llvm::bit_cast<uint32_t>(values[i]));
      std::memcpy(bytes + 4 * i, &b, 4);
    }
    return;
  }
  if (p == Precision::FP16) {
#if RAPID_SIM_X86
    if (useVector())
      return encodeFP16Avx2(values, n, bytes);
#endif
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h = floatToHalf(values[i]);
      std::memcpy(bytes + 2 * i, &h, 2);
    }
    return;
  }
  int64_t eb = storageBits(p) / 8;
  for (int64_t i = 0; i < n; ++i)
    numerics::storeElement(values[i], p, bytes + i * eb);
}

//===----------------------------------------------------------------------===//
// The PE array
//===----------------------------------------------------------------------===//

namespace {
enum { In, Out, Oy, Ox, Mb, Ky, Kx };

/// Lanes of one block of outputs, and outputs of the broadcast operand per
/// block.
constexpr int kLanes = 16;
constexpr int kBlock = 6;

/// One block: acc[b][l] = sum over r of lanes[laneOff[r] + l] *
/// rows[b][off[r]], each product rounded and added in r order.
template <int NB>
void blockScalar(const float *lanes, const int64_t *laneOff,
                 const float *const *rows, const int64_t *off, int64_t terms,
                 float (*acc)[kLanes]) {
  float a[NB][kLanes] = {};
  for (int64_t r = 0; r < terms; ++r) {
    const float *x = lanes + laneOff[r];
    for (int b = 0; b < NB; ++b) {
      float w = rows[b][off[r]];
      for (int l = 0; l < kLanes; ++l) {
        float product = x[l] * w;
        a[b][l] = a[b][l] + product;
      }
    }
  }
  std::memcpy(acc, a, sizeof(a));
}

#if RAPID_SIM_X86
// The accumulators are named variables, not arrays: GCC keeps arrays of
// vectors in memory and stores them on every term.
#define RAPID_SIM_TERM(B)                                                      \
  if constexpr (NB > B) {                                                      \
    __m256 w = _mm256_broadcast_ss(w##B + k);                                  \
    a##B##0 = _mm256_add_ps(a##B##0, _mm256_mul_ps(x0, w));                    \
    a##B##1 = _mm256_add_ps(a##B##1, _mm256_mul_ps(x1, w));                    \
  }
#define RAPID_SIM_STORE(B)                                                     \
  if constexpr (NB > B) {                                                      \
    _mm256_storeu_ps(acc[B], a##B##0);                                         \
    _mm256_storeu_ps(acc[B] + 8, a##B##1);                                     \
  }
template <int NB>
RAPID_AVX2 void blockAvx2(const float *lanes, const int64_t *laneOff,
                          const float *const *rows, const int64_t *off,
                          int64_t terms, float (*acc)[kLanes]) {
  static_assert(NB >= 1 && NB <= 6, "blocks of 1 to 6 outputs");
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00,
         a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00,
         a51 = a00;
  const float *w0 = rows[0], *w1 = rows[NB > 1 ? 1 : 0],
              *w2 = rows[NB > 2 ? 2 : 0], *w3 = rows[NB > 3 ? 3 : 0],
              *w4 = rows[NB > 4 ? 4 : 0], *w5 = rows[NB > 5 ? 5 : 0];
  for (int64_t r = 0; r < terms; ++r) {
    __m256 x0 = _mm256_loadu_ps(lanes + laneOff[r]);
    __m256 x1 = _mm256_loadu_ps(lanes + laneOff[r] + 8);
    int64_t k = off[r];
    RAPID_SIM_TERM(0)
    RAPID_SIM_TERM(1)
    RAPID_SIM_TERM(2)
    RAPID_SIM_TERM(3)
    RAPID_SIM_TERM(4)
    RAPID_SIM_TERM(5)
  }
  RAPID_SIM_STORE(0)
  RAPID_SIM_STORE(1)
  RAPID_SIM_STORE(2)
  RAPID_SIM_STORE(3)
  RAPID_SIM_STORE(4)
  RAPID_SIM_STORE(5)
}
#undef RAPID_SIM_TERM
#undef RAPID_SIM_STORE
#endif

#if RAPID_SIM_X86
/// x[r][l] = base[off[r] + idx[l]] for kLanes lanes.
RAPID_AVX2 void gatherAvx2(const float *base, const int64_t *off, int64_t terms,
                           const int32_t *idx, float *x) {
  __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(idx));
  __m256i i1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(idx + 8));
  for (int64_t r = 0; r < terms; ++r) {
    const float *src = base + off[r];
    _mm256_storeu_ps(x + r * kLanes, _mm256_i32gather_ps(src, i0, 4));
    _mm256_storeu_ps(x + r * kLanes + 8, _mm256_i32gather_ps(src, i1, 4));
  }
}

/// x[r][l] = base[off[r] + 2 l] for kLanes lanes: loads and shuffles
/// (reading base[off[r]] to base[off[r] + 30] only).
RAPID_AVX2 void gatherStride2Avx2(const float *base, const int64_t *off,
                                  int64_t terms, float *x) {
  for (int64_t r = 0; r < terms; ++r) {
    const float *src = base + off[r];
    __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8);
    __m256 c = _mm256_loadu_ps(src + 16), d = _mm256_loadu_ps(src + 23);
    // Per 128-bit half: a0 a2 b0 b2 | a4 a6 b4 b6, then the 64-bit pieces
    // in order. d starts at element 23: its even elements are at 1 and 3.
    __m256 lo = _mm256_shuffle_ps(a, b, 0x88),
           hi = _mm256_shuffle_ps(c, d, 0xd8);
    _mm256_storeu_ps(x + r * kLanes, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                         _mm256_castps_pd(lo), 0xd8)));
    _mm256_storeu_ps(x + r * kLanes + 8, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                             _mm256_castps_pd(hi), 0xd8)));
  }
}

/// Stores rows of kLanes consecutive FP32 outputs (row b at y + b *
/// rowBytes), adding them to what is there when `accumulate`.
RAPID_AVX2 void storeRowsAvx2(uint8_t *y, int64_t rowBytes, int nb,
                              const float (*acc)[kLanes], bool accumulate) {
  for (int b = 0; b < nb; ++b) {
    float *row = reinterpret_cast<float *>(y + b * rowBytes);
    __m256 s0 = _mm256_loadu_ps(acc[b]), s1 = _mm256_loadu_ps(acc[b] + 8);
    if (accumulate) {
      s0 = _mm256_add_ps(_mm256_loadu_ps(row), s0);
      s1 = _mm256_add_ps(_mm256_loadu_ps(row + 8), s1);
    }
    _mm256_storeu_ps(row, s0);
    _mm256_storeu_ps(row + 8, s1);
  }
}
#endif

using BlockFn = void (*)(const float *, const int64_t *, const float *const *,
                         const int64_t *, int64_t, float (*)[kLanes]);

BlockFn blockFn(int nb, bool vector) {
#if RAPID_SIM_X86
  if (vector) {
    static const BlockFn fns[] = {blockAvx2<1>, blockAvx2<2>, blockAvx2<3>,
                                  blockAvx2<4>, blockAvx2<5>, blockAvx2<6>};
    return fns[nb - 1];
  }
#endif
  (void)vector;
  static const BlockFn fns[] = {blockScalar<1>, blockScalar<2>, blockScalar<3>,
                                blockScalar<4>, blockScalar<5>, blockScalar<6>};
  return fns[nb - 1];
}

/// Whether distinct output indices have distinct offsets (a sufficient
/// test: each dimension's stride steps over the reach of the smaller ones).
bool distinctOutputs(const MacTileF32 &t) {
  std::array<std::pair<int64_t, int64_t>, 4> dims{}; // |stride|, extent
  unsigned n = 0;
  for (int d : {Out, Oy, Ox, Mb})
    if (t.extents[d] > 1)
      dims[n++] = {std::abs(t.outStrides[d]), t.extents[d]};
  for (unsigned k = 1; k < n; ++k) // insertion sort by stride
    for (unsigned m = k; m > 0 && dims[m] < dims[m - 1]; --m)
      std::swap(dims[m], dims[m - 1]);
  int64_t reach = 0;
  for (unsigned k = 0; k < n; ++k) {
    auto [stride, extent] = dims[k];
    if (stride <= reach)
      return false;
    reach += stride * (extent - 1);
  }
  return true;
}

void storeOutput(uint8_t *y, float sum, bool accumulate) {
  float v = sum;
  if (accumulate) {
    float old;
    std::memcpy(&old, y, 4);
    v = old + sum;
  }
  std::memcpy(y, &v, 4);
}
} // namespace

void rapid::sim::macReference(const MacTileF32 &t) {
  const auto &p = t.extents;
  const auto &sI = t.inpStrides, &sK = t.kerStrides, &sO = t.outStrides;
  for (int64_t mb = 0; mb < p[Mb]; ++mb)
    for (int64_t o = 0; o < p[Out]; ++o)
      for (int64_t oy = 0; oy < p[Oy]; ++oy)
        for (int64_t ox = 0; ox < p[Ox]; ++ox) {
          const float *xr =
              t.inp + (o * sI[Out] + oy * sI[Oy] + ox * sI[Ox] + mb * sI[Mb]);
          const float *wr =
              t.ker + (o * sK[Out] + oy * sK[Oy] + ox * sK[Ox] + mb * sK[Mb]);
          float sum = 0;
          for (int64_t ky = 0; ky < p[Ky]; ++ky)
            for (int64_t kx = 0; kx < p[Kx]; ++kx) {
              const float *xk = xr + ky * sI[Ky] + kx * sI[Kx];
              const float *wk = wr + ky * sK[Ky] + kx * sK[Kx];
              for (int64_t i = 0; i < p[In]; ++i) {
                float product = xk[i * sI[In]] * wk[i * sK[In]];
                sum = sum + product;
              }
            }
          storeOutput(
              t.out +
                  (o * sO[Out] + oy * sO[Oy] + ox * sO[Ox] + mb * sO[Mb]) * 4,
              sum, t.accumulate);
        }
}

void rapid::sim::macF32(const MacTileF32 &tile) {
  MacTileF32 t = tile;
  const auto &p = t.extents;
  for (int64_t e : p)
    if (e <= 0)
      return macReference(t);
  // A dimension of extent 1 has no stride.
  for (unsigned d = 0; d < isa::kTileDims; ++d)
    if (p[d] == 1)
      t.inpStrides[d] = t.kerStrides[d] = t.outStrides[d] = 0;
  const auto &sI = t.inpStrides, &sK = t.kerStrides, &sO = t.outStrides;
  // The fast path: weights that depend only on (out, ky, kx, in) and outputs
  // that do not overlap (so that their order does not matter).
  if (sK[Oy] || sK[Ox] || sK[Mb] || !distinctOutputs(t))
    return macReference(t);

  int64_t nOut = p[Out], nPix = p[Mb] * p[Oy] * p[Ox];
  int64_t terms = p[Ky] * p[Kx] * p[In];
  // Per reduction term (ky, kx, in; in innermost): the operands' offsets,
  // and the offset of its row of packed lanes; per output pixel: its input
  // and output offsets. Scratch reused from tile to tile; the lambdas below
  // capture these references, so that the workers read the caller's
  // vectors, not their own.
  static thread_local std::vector<int64_t> scratch[5];
  std::vector<int64_t> &offI = scratch[0], &offK = scratch[1],
                       &pixI = scratch[2], &pixO = scratch[3],
                       &packedOff = scratch[4];
  offI.resize(size_t(terms));
  packedOff.resize(size_t(terms));
  for (int64_t r = 0; r < terms; ++r)
    packedOff[size_t(r)] = r * kLanes;
  offK.resize(size_t(terms));
  pixI.resize(size_t(nPix));
  pixO.resize(size_t(nPix));

  for (int64_t ky = 0, r = 0; ky < p[Ky]; ++ky)
    for (int64_t kx = 0; kx < p[Kx]; ++kx)
      for (int64_t i = 0; i < p[In]; ++i, ++r) {
        offI[size_t(r)] = ky * sI[Ky] + kx * sI[Kx] + i * sI[In];
        offK[size_t(r)] = ky * sK[Ky] + kx * sK[Kx] + i * sK[In];
      }
  // Per output pixel (mb, oy, ox): its input and output offsets.
  for (int64_t mb = 0, j = 0; mb < p[Mb]; ++mb)
    for (int64_t oy = 0; oy < p[Oy]; ++oy)
      for (int64_t ox = 0; ox < p[Ox]; ++ox, ++j) {
        pixI[size_t(j)] = oy * sI[Oy] + ox * sI[Ox] + mb * sI[Mb];
        pixO[size_t(j)] = oy * sO[Oy] + ox * sO[Ox] + mb * sO[Mb];
      }
  bool vector = useVector();
  bool depthwise = sI[Out] != 0;
  int64_t groups = (nPix + kLanes - 1) / kLanes;

  // Lanes over pixels: a group of kLanes pixels' inputs against blocks of
  // outputs' weights. The inputs are read in place when the pixels are
  // consecutive, else packed into `x` as x[r][l] (lanes past the last
  // pixel hold anything: their sums are dropped).
  struct Lanes {
    const float *data;
    const int64_t *off;
  };
  auto packInputs = [&](int64_t j0, int64_t lanes, int64_t base,
                        float *x) -> Lanes {
    bool contiguous = lanes == kLanes;
    for (int64_t l = 1; contiguous && l < lanes; ++l)
      contiguous = pixI[size_t(j0 + l)] == pixI[size_t(j0)] + l;
    if (contiguous)
      return {t.inp + base + pixI[size_t(j0)], offI.data()};
#if RAPID_SIM_X86
    if (vector) {
      // Every other element (stride-2 convolutions) by shuffles; otherwise
      // one gather per 8 lanes and term, from offsets relative to the
      // group's first pixel (lanes past the last pixel read that one).
      bool stride2 = lanes == kLanes;
      for (int64_t l = 1; stride2 && l < lanes; ++l)
        stride2 = pixI[size_t(j0 + l)] == pixI[size_t(j0)] + 2 * l;
      if (stride2) {
        gatherStride2Avx2(t.inp + base + pixI[size_t(j0)], offI.data(), terms,
                          x);
        return {x, packedOff.data()};
      }
      int32_t idx[kLanes];
      bool fits = true;
      for (int64_t l = 0; l < kLanes; ++l) {
        int64_t d = l < lanes ? pixI[size_t(j0 + l)] - pixI[size_t(j0)] : 0;
        fits = fits && d >= INT32_MIN / 4 && d <= INT32_MAX / 4;
        idx[l] = int32_t(d);
      }
      if (fits) {
        gatherAvx2(t.inp + base + pixI[size_t(j0)], offI.data(), terms, idx, x);
        return {x, packedOff.data()};
      }
    }
#endif
    for (int64_t r = 0; r < terms; ++r) {
      const float *src = t.inp + base + offI[size_t(r)];
      float *dst = x + r * kLanes;
      int64_t l = 0;
      for (; l < lanes; ++l)
        dst[l] = src[pixI[size_t(j0 + l)]];
      for (; l < kLanes; ++l)
        dst[l] = 0;
    }
    return {x, packedOff.data()};
  };
  auto storeBlock = [&](int64_t j0, int64_t lanes, int64_t o0, int nb,
                        float(*acc)[kLanes]) {
#if RAPID_SIM_X86
    bool contiguous = vector && lanes == kLanes;
    for (int64_t l = 1; contiguous && l < lanes; ++l)
      contiguous = pixO[size_t(j0 + l)] == pixO[size_t(j0)] + l;
    if (contiguous)
      return storeRowsAvx2(t.out + (o0 * sO[Out] + pixO[size_t(j0)]) * 4,
                           sO[Out] * 4, nb, acc, t.accumulate);
#endif
    for (int b = 0; b < nb; ++b) {
      uint8_t *row = t.out + (o0 + b) * sO[Out] * 4;
      for (int64_t l = 0; l < lanes; ++l)
        storeOutput(row + pixO[size_t(j0 + l)] * 4, acc[b][l], t.accumulate);
    }
  };
  if (depthwise) {
    // The inputs depend on the output too: one output per block.
    BlockFn fn = blockFn(1, vector);
    parallelFor(nOut * groups, terms * nOut * nPix, [&](int64_t k) {
      int64_t o = k / groups, g = k % groups;
      int64_t j0 = g * kLanes, lanes = std::min<int64_t>(kLanes, nPix - j0);
      thread_local std::vector<float> x;
      x.resize(size_t(terms * kLanes));
      Lanes in = packInputs(j0, lanes, o * sI[Out], x.data());
      float acc[kBlock][kLanes];
      const float *row = t.ker + o * sK[Out];
      fn(in.data, in.off, &row, offK.data(), terms, acc);
      storeBlock(j0, lanes, o, 1, acc);
    });
    return;
  }
  if (nPix >= kLanes / 2 || nOut < kLanes / 2) {
    parallelFor(groups, terms * nOut * nPix, [&](int64_t g) {
      int64_t j0 = g * kLanes, lanes = std::min<int64_t>(kLanes, nPix - j0);
      thread_local std::vector<float> x;
      x.resize(size_t(terms * kLanes));
      Lanes in = packInputs(j0, lanes, 0, x.data());
      float acc[kBlock][kLanes];
      for (int64_t o0 = 0; o0 < nOut; o0 += kBlock) {
        int nb = int(std::min<int64_t>(kBlock, nOut - o0));
        const float *rows[kBlock];
        for (int b = 0; b < nb; ++b)
          rows[b] = t.ker + (o0 + b) * sK[Out];
        blockFn(nb, vector)(in.data, in.off, rows, offK.data(), terms, acc);
        storeBlock(j0, lanes, o0, nb, acc);
      }
    });
    return;
  }
  // Few pixels, many outputs (fully connected layers): lanes over outputs,
  // the weights of kLanes outputs packed w[r][l], against the pixels'
  // inputs broadcast.
  int64_t outGroups = (nOut + kLanes - 1) / kLanes;
  parallelFor(outGroups, terms * nOut * nPix, [&](int64_t g) {
    int64_t o0 = g * kLanes, lanes = std::min<int64_t>(kLanes, nOut - o0);
    thread_local std::vector<float> wl;
    wl.assign(size_t(terms * kLanes), 0.0f);
    for (int64_t r = 0; r < terms; ++r)
      for (int64_t l = 0; l < lanes; ++l)
        wl[size_t(r * kLanes + l)] =
            t.ker[(o0 + l) * sK[Out] + offK[size_t(r)]];
    float acc[kBlock][kLanes];
    for (int64_t j0 = 0; j0 < nPix; j0 += kBlock) {
      int nb = int(std::min<int64_t>(kBlock, nPix - j0));
      const float *rows[kBlock];
      for (int b = 0; b < nb; ++b)
        rows[b] = t.inp + pixI[size_t(j0 + b)];
      blockFn(nb, vector)(wl.data(), packedOff.data(), rows, offI.data(), terms,
                          acc);
      for (int b = 0; b < nb; ++b)
        for (int64_t l = 0; l < lanes; ++l)
          storeOutput(t.out + ((o0 + l) * sO[Out] + pixO[size_t(j0 + b)]) * 4,
                      acc[b][l], t.accumulate);
    }
  });
}

//===----------------------------------------------------------------------===//
// Zero operands (dynamic sparsity)
//===----------------------------------------------------------------------===//

namespace {
using ExtentStride = std::array<int64_t, 2>;

/// The zero elements over every tuple of `d[0..n)` (d[0] innermost) from
/// `base`, an element counted once per tuple that reaches it.
int64_t zerosOver(const float *base, const ExtentStride *d, size_t n) {
  if (n == 0)
    return *base == 0.0f;
  int64_t extent = d[n - 1][0], stride = d[n - 1][1], c = 0;
  if (n == 1) {
    if (stride == 1) {
      for (int64_t i = 0; i < extent; ++i)
        c += base[i] == 0.0f;
    } else {
      for (int64_t i = 0; i < extent; ++i)
        c += base[i * stride] == 0.0f;
    }
    return c;
  }
  for (int64_t i = 0; i < extent; ++i)
    c += zerosOver(base + i * stride, d, n - 1);
  return c;
}

/// Adds one use of each element that a tuple of `d[0..n)` reaches from
/// `offset` (uses indexed from `lo`).
void addUses(std::vector<uint32_t> &uses, int64_t lo, const ExtentStride *d,
             size_t n, int64_t offset) {
  if (n == 0) {
    ++uses[size_t(offset - lo)];
    return;
  }
  for (int64_t i = 0; i < d[n - 1][0]; ++i)
    addUses(uses, lo, d, n - 1, offset + i * d[n - 1][1]);
}

/// Per element of [lo, hi] how many tuples of `dims` read it; empty when
/// each is read exactly once. `maxUse`: the most.
std::vector<uint32_t> usesOf(std::vector<ExtentStride> dims, int64_t lo,
                             int64_t hi, uint32_t &maxUse) {
  std::vector<uint32_t> uses(size_t(hi - lo + 1), 0);
  addUses(uses, lo, dims.data(), dims.size(), 0);
  maxUse = *std::max_element(uses.begin(), uses.end());
  if (llvm::all_of(uses, [](uint32_t u) { return u == 1; }))
    uses.clear();
  return uses;
}

#if RAPID_SIM_X86
/// weightedZeros for uses below 2^20 (null: 1 each), 8 elements at a time
/// in 32-bit lanes, gathered into the total every 2^12 steps.
RAPID_AVX2 int64_t weightedZerosAvx2(const float *v, const uint32_t *u,
                                     int64_t n) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256i one = _mm256_set1_epi32(1);
  int64_t total = 0, i = 0, whole = n - n % 8;
  while (i < whole) {
    __m256i acc = _mm256_setzero_si256();
    int64_t end = std::min(whole, i + (int64_t(8) << 12));
    for (; i < end; i += 8) {
      __m256i isZero = _mm256_castps_si256(
          _mm256_cmp_ps(_mm256_loadu_ps(v + i), zero, _CMP_EQ_OQ));
      __m256i w =
          u ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(u + i))
            : one;
      acc = _mm256_add_epi32(acc, _mm256_and_si256(isZero, w));
    }
    alignas(32) uint32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i *>(lanes), acc);
    for (uint32_t l : lanes)
      total += l;
  }
  for (; i < n; ++i)
    total += v[i] == 0.0f ? (u ? int64_t(u[i]) : 1) : 0;
  return total;
}
#endif

/// The zero elements of [lo, hi] of `x`, each counted `uses` times (once
/// when `uses` is empty; `maxUse`: the largest).
int64_t weightedZeros(const float *x, int64_t lo, int64_t hi,
                      const std::vector<uint32_t> &uses, uint32_t maxUse) {
  const float *v = x + lo;
  int64_t n = hi - lo + 1, c = 0;
  const uint32_t *u = uses.empty() ? nullptr : uses.data();
#if RAPID_SIM_X86
  if (useVector() && maxUse < (1u << 20))
    return weightedZerosAvx2(v, u, n);
#endif
  if (!u) {
    for (int64_t i = 0; i < n; ++i)
      c += v[i] == 0.0f;
    return c;
  }
  for (int64_t i = 0; i < n; ++i)
    c += int64_t(u[i] & -uint32_t(v[i] == 0.0f));
  return c;
}

/// Over the tuples of the shared dimensions shared[0..n): the zero weights
/// over the kernel-only dimensions times (where there are some) the zero
/// inputs over the input-only ones.
int64_t bothZero(const float *inp, const float *ker,
                 const std::vector<std::array<int64_t, 3>> &shared, size_t n,
                 const std::vector<ExtentStride> &inpDims,
                 const std::vector<ExtentStride> &kerDims) {
  if (n == 0) {
    int64_t zk = zerosOver(ker, kerDims.data(), kerDims.size());
    return zk ? zk * zerosOver(inp, inpDims.data(), inpDims.size()) : 0;
  }
  const std::array<int64_t, 3> &d = shared[n - 1];
  int64_t c = 0;
  for (int64_t i = 0; i < d[0]; ++i)
    c += bothZero(inp + i * d[1], ker + i * d[2], shared, n - 1, inpDims,
                  kerDims);
  return c;
}
} // namespace

MacUsePlan::MacUsePlan(const std::array<int64_t, isa::kTileDims> &extents,
                       const std::array<int64_t, isa::kTileDims> &inpStrides,
                       const std::array<int64_t, isa::kTileDims> &kerStrides) {
  macs = 1;
  for (int64_t e : extents)
    macs *= std::max<int64_t>(e, 0);
  if (macs == 0)
    return;
  std::vector<ExtentStride> inpAll, kerAll;
  for (unsigned d = 0; d < isa::kTileDims; ++d) {
    int64_t e = extents[d];
    // A dimension of extent 1 has no stride.
    int64_t sI = e > 1 ? inpStrides[d] : 0, sK = e > 1 ? kerStrides[d] : 0;
    (sI < 0 ? inpLo : inpHi) += (e - 1) * sI;
    (sK < 0 ? kerLo : kerHi) += (e - 1) * sK;
    if (sI && sK)
      shared.push_back({e, sI, sK});
    else if (sI)
      inpDims.push_back({e, sI});
    else if (sK)
      kerDims.push_back({e, sK});
    else
      neither *= e;
    if (sI)
      inpAll.push_back({e, sI});
    if (sK)
      kerAll.push_back({e, sK});
    if (sI && !sK)
      inpOnly *= e;
    if (sK && !sI)
      kerOnly *= e;
  }
  auto bySmallerStride = [](const ExtentStride &a, const ExtentStride &b) {
    return std::abs(a[1]) < std::abs(b[1]);
  };
  llvm::sort(inpDims, bySmallerStride);
  llvm::sort(kerDims, bySmallerStride);
  inpUses = usesOf(inpAll, inpLo, inpHi, inpMaxUse);
  kerUses = usesOf(kerAll, kerLo, kerHi, kerMaxUse);
}

MacZeroCounts MacUsePlan::count(const float *inp, const float *ker) const {
  MacZeroCounts r;
  r.macs = macs;
  if (macs == 0)
    return r;
  // Zero elements, each once per tuple of its operand's dimensions.
  int64_t zi = weightedZeros(inp, inpLo, inpHi, inpUses, inpMaxUse);
  int64_t zk = weightedZeros(ker, kerLo, kerHi, kerUses, kerMaxUse);
  r.zeroInput = zi * kerOnly * neither;
  r.zeroWeight = zk * inpOnly * neither;
  int64_t both =
      zi && zk ? bothZero(inp, ker, shared, shared.size(), inpDims, kerDims) *
                     neither
               : 0;
  r.zeroEither = r.zeroInput + r.zeroWeight - both;
  return r;
}

MacZeroCounts rapid::sim::countZeroOperandsReference(const MacTileF32 &t) {
  const auto &p = t.extents;
  const auto &sI = t.inpStrides, &sK = t.kerStrides;
  MacZeroCounts r;
  for (int64_t mb = 0; mb < p[Mb]; ++mb)
    for (int64_t o = 0; o < p[Out]; ++o)
      for (int64_t oy = 0; oy < p[Oy]; ++oy)
        for (int64_t ox = 0; ox < p[Ox]; ++ox)
          for (int64_t ky = 0; ky < p[Ky]; ++ky)
            for (int64_t kx = 0; kx < p[Kx]; ++kx)
              for (int64_t i = 0; i < p[In]; ++i) {
                float x =
                    t.inp[i * sI[In] + o * sI[Out] + oy * sI[Oy] + ox * sI[Ox] +
                          mb * sI[Mb] + ky * sI[Ky] + kx * sI[Kx]];
                float w =
                    t.ker[i * sK[In] + o * sK[Out] + oy * sK[Oy] + ox * sK[Ox] +
                          mb * sK[Mb] + ky * sK[Ky] + kx * sK[Kx]];
                ++r.macs;
                r.zeroInput += x == 0.0f;
                r.zeroWeight += w == 0.0f;
                r.zeroEither += x == 0.0f || w == 0.0f;
              }
  return r;
}

//===----------------------------------------------------------------------===//
// DMA
//===----------------------------------------------------------------------===//

template <int64_t E>
static void copyElements(uint8_t *dst, const uint8_t *src, int64_t n,
                         int64_t ss, int64_t ds, int64_t eb) {
  int64_t size = E ? E : eb;
  for (int64_t i = 0; i < n; ++i)
    std::memmove(dst + i * ds, src + i * ss, size_t(size));
}

void rapid::sim::dmaCopy(uint8_t *dst, const uint8_t *src, int64_t eb,
                         const std::array<int64_t, 4> &counts,
                         const std::array<int64_t, 4> &srcStrides,
                         const std::array<int64_t, 4> &dstStrides) {
  // Merge dimensions that continue the one inside them.
  std::array<int64_t, 4> c = counts, ss = srcStrides, ds = dstStrides;
  for (int64_t k : c)
    if (k <= 0)
      return;
  int rank = 0;
  for (int k = 0; k < 4; ++k) {
    if (c[k] == 1)
      continue;
    if (rank > 0 && ss[k] == c[rank - 1] * ss[rank - 1] &&
        ds[k] == c[rank - 1] * ds[rank - 1]) {
      c[rank - 1] *= c[k];
      continue;
    }
    c[rank] = c[k], ss[rank] = ss[k], ds[rank] = ds[k];
    ++rank;
  }
  for (int k = rank; k < 4; ++k)
    c[k] = 1, ss[k] = ds[k] = 0;
  int64_t n = c[0], s0 = ss[0], d0 = ds[0];
  // `count` elements of a run.
  auto copyRun = [&](uint8_t *to, const uint8_t *from, int64_t count) {
    if (s0 == eb && d0 == eb) {
      std::memcpy(to, from, size_t(count * eb));
    } else if (s0 == 0 && d0 == eb) {
      // A fill: zeros by memset, other patterns doubling until they cover
      // the run.
      int64_t total = count * eb;
      if (std::all_of(from, from + eb, [](uint8_t x) { return x == 0; })) {
        std::memset(to, 0, size_t(total));
        return;
      }
      std::memcpy(to, from, size_t(eb));
      for (int64_t done = eb; done < total;) {
        int64_t step = std::min(done, total - done);
        std::memcpy(to + done, to, size_t(step));
        done += step;
      }
    } else {
      switch (eb) {
      case 1:
        return copyElements<1>(to, from, count, s0, d0, eb);
      case 2:
        return copyElements<2>(to, from, count, s0, d0, eb);
      case 4:
        return copyElements<4>(to, from, count, s0, d0, eb);
      case 8:
        return copyElements<8>(to, from, count, s0, d0, eb);
      default:
        return copyElements<0>(to, from, count, s0, d0, eb);
      }
    }
  };
  int64_t rows = c[1] * c[2] * c[3], bytes = rows * n * eb;
  // Big copies whose destination elements are all distinct (so that their
  // order does not matter) are split across the threads: by runs, or long
  // runs in pieces.
  bool distinct = true;
  {
    std::array<std::pair<int64_t, int64_t>, 4> dims{}; // |stride|, count
    unsigned m = 0;
    for (int k = 0; k < 4; ++k)
      if (c[k] > 1)
        dims[m++] = {std::abs(ds[k]), c[k]};
    for (unsigned k = 1; k < m; ++k) // insertion sort by stride
      for (unsigned j = k; j > 0 && dims[j] < dims[j - 1]; --j)
        std::swap(dims[j], dims[j - 1]);
    int64_t reach = eb;
    for (unsigned k = 0; k < m && distinct; ++k) {
      distinct = dims[k].first >= reach;
      reach = dims[k].first * (dims[k].second - 1) + reach;
    }
  }
  constexpr int64_t kPiece = int64_t(1) << 16;
  int64_t pieceElements = std::max<int64_t>(1, kPiece / eb);
  if (pool().size() > 1 && distinct && bytes >= 4 * kPiece) {
    int64_t pieces = rows >= 2 * int64_t(pool().size())
                         ? 1
                         : (n + pieceElements - 1) / pieceElements;
    int64_t per = (n + pieces - 1) / pieces;
    parallelFor(rows * pieces, bytes, [&](int64_t k) {
      int64_t row = k / pieces, first = (k % pieces) * per;
      int64_t i1 = row % c[1], i2 = row / c[1] % c[2], i3 = row / c[1] / c[2];
      if (first < n)
        copyRun(dst + i1 * ds[1] + i2 * ds[2] + i3 * ds[3] + first * d0,
                src + i1 * ss[1] + i2 * ss[2] + i3 * ss[3] + first * s0,
                std::min(per, n - first));
    });
    return;
  }
  for (int64_t i3 = 0; i3 < c[3]; ++i3)
    for (int64_t i2 = 0; i2 < c[2]; ++i2)
      for (int64_t i1 = 0; i1 < c[1]; ++i1)
        copyRun(dst + i1 * ds[1] + i2 * ds[2] + i3 * ds[3],
                src + i1 * ss[1] + i2 * ss[2] + i3 * ss[3], n);
}

//===----------------------------------------------------------------------===//
// SFU
//===----------------------------------------------------------------------===//

/// A quiet NaN's payload bit.
static bool isSignaling(float x) {
  return std::isnan(x) && !(llvm::bit_cast<uint32_t>(x) & 0x00400000u);
}

/// The NaN cases of sfuMax and sfuMin (glibc's fmaxf and fminf, with `b`
/// as their first operand): a quiet NaN on one side gives the other
/// operand, signaling or two NaNs give their sum.
static float unorderedMaxMin(float a, float b) {
  if (std::isnan(a) && !std::isnan(b) && !isSignaling(a))
    return b;
  if (std::isnan(b) && !std::isnan(a) && !isSignaling(b))
    return a;
  return b + a;
}

float rapid::sim::sfuMax(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return unorderedMaxMin(a, b);
  return b > a ? b : a;
}

float rapid::sim::sfuMin(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return unorderedMaxMin(a, b);
  return b < a ? b : a;
}

#if RAPID_SIM_X86
/// sfuMax (sfuMin) in 8 lanes: MAXPS(b, a) is b > a ? b : a, exactly, for
/// ordered operands; lanes with a NaN take the scalar function.
template <bool Max>
RAPID_AVX2 static void maxMinAvx2(const float *a, const float *b, int64_t n,
                                  float *r) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 u = _mm256_loadu_ps(a + i), v = _mm256_loadu_ps(b + i);
    __m256 z = Max ? _mm256_max_ps(v, u) : _mm256_min_ps(v, u);
    int nan = _mm256_movemask_ps(_mm256_cmp_ps(u, v, _CMP_UNORD_Q));
    _mm256_storeu_ps(r + i, z);
    for (int l = 0; nan && l < 8; ++l)
      if (nan & (1 << l))
        r[i + l] =
            Max ? sfuMax(a[i + l], b[i + l]) : sfuMin(a[i + l], b[i + l]);
  }
  for (; i < n; ++i)
    r[i] = Max ? sfuMax(a[i], b[i]) : sfuMin(a[i], b[i]);
}
#endif

bool rapid::sim::sfuElementwise(isa::SfuOperation op, const float *a,
                                const float *b, int64_t n, float *r) {
  using isa::SfuOperation;
  switch (op) {
  case SfuOperation::Mov:
    std::memcpy(r, a, size_t(n) * sizeof(float));
    return true;
  case SfuOperation::Add:
    for (int64_t i = 0; i < n; ++i)
      r[i] = a[i] + b[i];
    return true;
  case SfuOperation::Sub:
    for (int64_t i = 0; i < n; ++i)
      r[i] = a[i] - b[i];
    return true;
  case SfuOperation::Mul:
    for (int64_t i = 0; i < n; ++i)
      r[i] = a[i] * b[i];
    return true;
  case SfuOperation::Max:
#if RAPID_SIM_X86
    if (useVector()) {
      maxMinAvx2<true>(a, b, n, r);
      return true;
    }
#endif
    for (int64_t i = 0; i < n; ++i)
      r[i] = sfuMax(a[i], b[i]);
    return true;
  case SfuOperation::Min:
#if RAPID_SIM_X86
    if (useVector()) {
      maxMinAvx2<false>(a, b, n, r);
      return true;
    }
#endif
    for (int64_t i = 0; i < n; ++i)
      r[i] = sfuMin(a[i], b[i]);
    return true;
  case SfuOperation::CmpGt:
    for (int64_t i = 0; i < n; ++i)
      r[i] = a[i] > b[i] ? 1.0f : 0.0f;
    return true;
  case SfuOperation::CmpEq:
    for (int64_t i = 0; i < n; ++i)
      r[i] = a[i] == b[i] ? 1.0f : 0.0f;
    return true;
  case SfuOperation::Abs:
    for (int64_t i = 0; i < n; ++i)
      r[i] = std::fabs(a[i]);
    return true;
  case SfuOperation::Neg:
    for (int64_t i = 0; i < n; ++i)
      r[i] = -a[i];
    return true;
  case SfuOperation::Recip:
    for (int64_t i = 0; i < n; ++i)
      r[i] = numerics::sfuRecip(a[i]);
    return true;
  case SfuOperation::Rsqrt:
    for (int64_t i = 0; i < n; ++i)
      r[i] = numerics::sfuRsqrt(a[i]);
    return true;
  case SfuOperation::Sqrt:
    for (int64_t i = 0; i < n; ++i)
      r[i] = numerics::sfuSqrt(a[i]);
    return true;
  case SfuOperation::Exp:
    for (int64_t i = 0; i < n; ++i)
      r[i] = numerics::sfuExp(a[i]);
    return true;
  case SfuOperation::Ln:
    for (int64_t i = 0; i < n; ++i)
      r[i] = numerics::sfuLn(a[i]);
    return true;
  case SfuOperation::ExpMod:
    for (int64_t i = 0; i < n; ++i)
      r[i] = numerics::sfuExpMod(
          a[i],
          std::isnan(b[i]) ? 0 : int(std::clamp(b[i], -1024.0f, 1024.0f)));
    return true;
  default:
    return false;
  }
}

//===----------------------------------------------------------------------===//
// The PE array, accumulating in FP16 or DLFloat16
//===----------------------------------------------------------------------===//

namespace {
/// roundNarrow's constants for one format. A magnitude `a` of at least
/// `smallest` rounds to a multiple of its binade's spacing 2^(E - m) (E its
/// exponent, at least the format's lowest, m the mantissa bits) by adding
/// and subtracting c = 1.5 2^(E - m + 52): a + c lies in c's binade, whose
/// spacing is 2^(E - m), so the addition rounds `a` to nearest even at that
/// spacing (c being an even multiple of it), and the subtraction is exact.
/// Above the largest finite value the result is `overflow` (numerics::encode
/// without saturation: FP16's infinity, DLFloat16's NaN); DLFloat16, without
/// subnormals, rounds below `smallest` to zero or `smallest` (ties to zero).
/// The sign is put back last, so that zeros keep theirs.
struct NarrowFormat {
  double lo;     // 2^(lowest exponent)
  uint64_t bias; // 52 - m: c's exponent field is a's (at least lo's) + bias
  double maxFinite, overflow, smallest, half;
};

NarrowFormat narrowFormat(Precision p) {
  if (p == Precision::DLFloat16) {
    const numerics::FloatFormat &f = numerics::kDLFloat16;
    return {0x1p-31,          52 - f.mantissaBits,
            f.maxFinite(),    std::numeric_limits<double>::quiet_NaN(),
            f.minSubnormal(), f.minSubnormal() / 2};
  }
  const numerics::FloatFormat &f = numerics::kFP16;
  return {0x1p-14,
          52 - f.mantissaBits,
          f.maxFinite(),
          std::numeric_limits<double>::infinity(),
          0,
          0};
}

/// The exponents c is built from stop at 2^40 (far above both formats'
/// range: larger magnitudes overflow whatever c is).
constexpr double kNarrowHi = 0x1p40;

double roundNarrowWith(double x, const NarrowFormat &f) {
  uint64_t b = llvm::bit_cast<uint64_t>(x);
  uint64_t sign = b & (uint64_t(1) << 63);
  double a = llvm::bit_cast<double>(b ^ sign);
  if (std::isnan(a))
    return a;
  double r;
  if (a < f.smallest) {
    r = a > f.half ? f.smallest : 0.0;
  } else {
    double m = std::min(std::max(a, f.lo), kNarrowHi);
    uint64_t e = llvm::bit_cast<uint64_t>(m) >> 52;
    double c = llvm::bit_cast<double>((e + f.bias) << 52 | uint64_t(1) << 51);
    r = (a + c) - c;
    if (r > f.maxFinite)
      r = f.overflow;
  }
  return llvm::bit_cast<double>(llvm::bit_cast<uint64_t>(r) | sign);
}

/// One output's sum (macNarrow's order and roundings).
double narrowSum(const float *x, const float *w, const int64_t *offI,
                 const int64_t *offK, int64_t terms, int64_t chunk,
                 const NarrowFormat &f) {
  double total = 0, partial = 0;
  for (int64_t r = 0; r < terms; ++r) {
    double product =
        roundNarrowWith(double(x[offI[r]]) * double(w[offK[r]]), f);
    partial = roundNarrowWith(partial + product, f);
    if (chunk && (r + 1) % chunk == 0) {
      total = roundNarrowWith(total + partial, f);
      partial = 0;
    }
  }
  return chunk ? roundNarrowWith(total + partial, f) : partial;
}

/// Lanes of outputs per group.
constexpr int kNarrowLanes = 8;

#if RAPID_SIM_X86
struct NarrowVec {
  __m256d sign, lo, hi, maxFinite, overflow, smallest, half;
  __m256i bias, c51;
};

RAPID_AVX2 inline __attribute__((always_inline)) __m256d
roundNarrowAvx2(__m256d x, const NarrowVec &k) {
  __m256d sign = _mm256_and_pd(x, k.sign);
  __m256d a = _mm256_andnot_pd(k.sign, x);
  // max_pd gives its second operand for a NaN `a`, whose r is NaN anyway.
  __m256d m = _mm256_min_pd(_mm256_max_pd(a, k.lo), k.hi);
  __m256i e = _mm256_srli_epi64(_mm256_castpd_si256(m), 52);
  __m256d c = _mm256_castsi256_pd(_mm256_or_si256(
      _mm256_slli_epi64(_mm256_add_epi64(e, k.bias), 52), k.c51));
  __m256d r = _mm256_sub_pd(_mm256_add_pd(a, c), c);
  r = _mm256_blendv_pd(r, k.overflow,
                       _mm256_cmp_pd(r, k.maxFinite, _CMP_GT_OQ));
  __m256d tiny =
      _mm256_and_pd(_mm256_cmp_pd(a, k.half, _CMP_GT_OQ), k.smallest);
  r = _mm256_blendv_pd(r, tiny, _mm256_cmp_pd(a, k.smallest, _CMP_LT_OQ));
  return _mm256_or_pd(r, sign);
}

/// narrowSum for kNarrowLanes outputs, lane l's operands at xp[l], wp[l].
RAPID_AVX2 void narrowSumsAvx2(const float *const *xp, const float *const *wp,
                               const int64_t *offI, const int64_t *offK,
                               int64_t terms, int64_t chunk,
                               const NarrowFormat &f, double *sums) {
  NarrowVec k;
  k.sign = _mm256_set1_pd(-0.0);
  k.lo = _mm256_set1_pd(f.lo);
  k.hi = _mm256_set1_pd(kNarrowHi);
  k.maxFinite = _mm256_set1_pd(f.maxFinite);
  k.overflow = _mm256_set1_pd(f.overflow);
  k.smallest = _mm256_set1_pd(f.smallest);
  k.half = _mm256_set1_pd(f.half);
  k.bias = _mm256_set1_epi64x(int64_t(f.bias));
  k.c51 = _mm256_set1_epi64x(int64_t(1) << 51);
  const __m256d zero = _mm256_setzero_pd();
  __m256d p0 = zero, p1 = zero, t0 = zero, t1 = zero;
  const float *x0 = xp[0], *x1 = xp[1], *x2 = xp[2], *x3 = xp[3], *x4 = xp[4],
              *x5 = xp[5], *x6 = xp[6], *x7 = xp[7];
  const float *w0 = wp[0], *w1 = wp[1], *w2 = wp[2], *w3 = wp[3], *w4 = wp[4],
              *w5 = wp[5], *w6 = wp[6], *w7 = wp[7];
  for (int64_t r = 0; r < terms;) {
    int64_t end = chunk ? std::min(terms, r + chunk) : terms;
    for (; r < end; ++r) {
      int64_t i = offI[r], j = offK[r];
      __m256d xa = _mm256_cvtps_pd(_mm_setr_ps(x0[i], x1[i], x2[i], x3[i]));
      __m256d xb = _mm256_cvtps_pd(_mm_setr_ps(x4[i], x5[i], x6[i], x7[i]));
      __m256d wa = _mm256_cvtps_pd(_mm_setr_ps(w0[j], w1[j], w2[j], w3[j]));
      __m256d wb = _mm256_cvtps_pd(_mm_setr_ps(w4[j], w5[j], w6[j], w7[j]));
      __m256d qa = roundNarrowAvx2(_mm256_mul_pd(xa, wa), k);
      __m256d qb = roundNarrowAvx2(_mm256_mul_pd(xb, wb), k);
      p0 = roundNarrowAvx2(_mm256_add_pd(p0, qa), k);
      p1 = roundNarrowAvx2(_mm256_add_pd(p1, qb), k);
    }
    if (chunk && r % chunk == 0) {
      t0 = roundNarrowAvx2(_mm256_add_pd(t0, p0), k);
      t1 = roundNarrowAvx2(_mm256_add_pd(t1, p1), k);
      p0 = p1 = zero;
    }
  }
  if (chunk) {
    p0 = roundNarrowAvx2(_mm256_add_pd(t0, p0), k);
    p1 = roundNarrowAvx2(_mm256_add_pd(t1, p1), k);
  }
  _mm256_storeu_pd(sums, p0);
  _mm256_storeu_pd(sums + 4, p1);
}
#endif
} // namespace

bool rapid::sim::narrowAccumulation(Precision p) {
  return p == Precision::FP16 || p == Precision::DLFloat16;
}

double rapid::sim::roundNarrow(double x, Precision p) {
  return roundNarrowWith(x, narrowFormat(p));
}

void rapid::sim::macNarrow(const MacTileNarrow &t) {
  const auto &p = t.extents;
  const auto &sI = t.inpStrides, &sK = t.kerStrides, &sO = t.outStrides;
  int64_t terms = p[Ky] * p[Kx] * p[In];
  int64_t n = p[Mb] * p[Out] * p[Oy] * p[Ox];
  // Scratch reused from tile to tile; the lambda below captures these
  // references, so that the workers read the caller's vectors.
  static thread_local std::vector<int64_t> scratch[5];
  static thread_local std::vector<double> sumScratch;
  std::vector<int64_t> &offI = scratch[0], &offK = scratch[1],
                       &baseI = scratch[2], &baseK = scratch[3],
                       &baseO = scratch[4];
  std::vector<double> &sums = sumScratch;
  offI.resize(size_t(terms));
  offK.resize(size_t(terms));
  for (int64_t ky = 0, r = 0; ky < p[Ky]; ++ky)
    for (int64_t kx = 0; kx < p[Kx]; ++kx)
      for (int64_t i = 0; i < p[In]; ++i, ++r) {
        offI[size_t(r)] = ky * sI[Ky] + kx * sI[Kx] + i * sI[In];
        offK[size_t(r)] = ky * sK[Ky] + kx * sK[Kx] + i * sK[In];
      }
  baseI.resize(size_t(n));
  baseK.resize(size_t(n));
  baseO.resize(size_t(n));
  sums.resize(size_t(n));
  for (int64_t mb = 0, j = 0; mb < p[Mb]; ++mb)
    for (int64_t o = 0; o < p[Out]; ++o)
      for (int64_t oy = 0; oy < p[Oy]; ++oy)
        for (int64_t ox = 0; ox < p[Ox]; ++ox, ++j) {
          baseI[size_t(j)] =
              o * sI[Out] + oy * sI[Oy] + ox * sI[Ox] + mb * sI[Mb];
          baseK[size_t(j)] =
              o * sK[Out] + oy * sK[Oy] + ox * sK[Ox] + mb * sK[Mb];
          baseO[size_t(j)] =
              o * sO[Out] + oy * sO[Oy] + ox * sO[Ox] + mb * sO[Mb];
        }
  const NarrowFormat f = narrowFormat(t.acc);
  bool vector = useVector();
  int64_t chunk = t.chunk;
  int64_t groups = (n + kNarrowLanes - 1) / kNarrowLanes;
  parallelFor(groups, terms * n, [&](int64_t g) {
    int64_t j0 = g * kNarrowLanes;
    int64_t lanes = std::min<int64_t>(kNarrowLanes, n - j0);
#if RAPID_SIM_X86
    if (vector) {
      // Lanes past the last output repeat it; their sums are dropped.
      const float *xp[kNarrowLanes], *wp[kNarrowLanes];
      for (int64_t l = 0; l < kNarrowLanes; ++l) {
        size_t j = size_t(j0 + std::min(l, lanes - 1));
        xp[l] = t.inp + baseI[j];
        wp[l] = t.ker + baseK[j];
      }
      double s[kNarrowLanes];
      narrowSumsAvx2(xp, wp, offI.data(), offK.data(), terms, chunk, f, s);
      std::copy(s, s + lanes, sums.begin() + j0);
      return;
    }
#endif
    (void)vector;
    for (int64_t l = 0; l < lanes; ++l) {
      size_t j = size_t(j0 + l);
      sums[j] = narrowSum(t.inp + baseI[j], t.ker + baseK[j], offI.data(),
                          offK.data(), terms, chunk, f);
    }
  });
  // The stores in output order (outputs may coincide: later ones add to
  // earlier ones' results).
  int64_t eA = storageBits(t.acc) / 8;
  bool fp16 = t.acc == Precision::FP16;
  const float *table = fp16 ? fp16Table() : nullptr;
  for (int64_t j = 0; j < n; ++j) {
    uint8_t *y = t.out + baseO[size_t(j)] * eA;
    double v = sums[size_t(j)];
    if (fp16) {
      uint16_t h;
      if (t.accumulate) {
        std::memcpy(&h, y, 2);
        v = roundNarrowWith(double(table[h]) + v, f);
      }
      // `v` is an FP16 value (or an infinity or NaN): converted exactly.
      h = floatToHalf(float(v));
      std::memcpy(y, &h, 2);
      continue;
    }
    if (t.accumulate)
      v = roundNarrowWith(numerics::loadElement(y, t.acc) + v, f);
    numerics::storeElement(v, t.acc, y);
  }
}
