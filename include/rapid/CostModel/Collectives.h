//===- Collectives.h - Ring and torus collectives, alpha-beta model -*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Communication time of the collectives hybrid parallelism needs, on the
// actual topology: a chip's cores on a ring, the chips on a 2-D torus whose
// two directions may have different link bandwidth. Alpha-beta model: a
// step costs its start-up latency `alpha` plus bytes over bandwidth. Rings
// are bidirectional: the data is split in halves that travel opposite ways,
// so a ring moves 2 x its link bandwidth. Formulas in docs/cost-model.md;
// the unit tests recompute them by hand. Times and latencies in cycles,
// bandwidths in bytes per cycle.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_COSTMODEL_COLLECTIVES_H
#define RAPID_COSTMODEL_COLLECTIVES_H

#include <cstdint>

namespace rapid {

/// One ring (or one direction of the torus): p members, link bandwidth per
/// direction, per-step latency.
struct RingLink {
  int64_t p = 1;
  double bpc = 0;
  double alpha = 0;
};

/// The chips as a 2-D torus: a ring along X and a ring along Y.
struct TorusLinks {
  RingLink x, y;
  int64_t size() const { return x.p * y.p; }
};

/// All-gather of `bytes` in all (each member holds bytes / p):
/// (p-1) alpha + (p-1)/p x bytes / (2 bw).
double ringAllGather(double bytes, const RingLink &r);
/// Reduce-scatter of `bytes` per member into a 1/p share each: same time as
/// the all-gather.
double ringReduceScatter(double bytes, const RingLink &r);
/// All-reduce of `bytes` per member: reduce-scatter then all-gather,
/// 2 (p-1) alpha + 2 (p-1)/p x bytes / (2 bw).
double ringAllReduce(double bytes, const RingLink &r);

/// All-reduce over the whole torus: reduce-scatter along one direction,
/// all-reduce of the 1/p1 share along the other, all-gather back along the
/// first; the order with the smaller time (on an asymmetric torus the slow
/// direction carries the smaller share).
double torusAllReduce(double bytes, const TorusLinks &t);
/// All-gather over the whole torus, one direction then the other (the
/// cheaper order): `bytes` in all.
double torusAllGather(double bytes, const TorusLinks &t);
/// Every member exchanges `bytes` with each of its two ring neighbours (a
/// halo), both directions at once: alpha + bytes / bw.
double ringNeighbourExchange(double bytes, const RingLink &r);
/// Re-distribution where every chip receives `bytes` spread evenly over the
/// others, dimension by dimension: per direction with p > 1,
/// (p-1) alpha + bytes x p / (8 bw) (the average link load of an all-to-all
/// on a bidirectional ring).
double torusAllToAll(double bytes, const TorusLinks &t);

} // namespace rapid

#endif // RAPID_COSTMODEL_COLLECTIVES_H
