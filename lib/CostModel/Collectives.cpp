//===- Collectives.cpp - Ring and torus collectives -----------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/CostModel/Collectives.h"

#include <algorithm>

using namespace rapid;

double rapid::ringAllGather(double bytes, const RingLink &r) {
  if (r.p <= 1 || bytes <= 0)
    return 0;
  double steps = double(r.p - 1);
  return steps * r.alpha + steps / double(r.p) * bytes / (2 * r.bpc);
}

double rapid::ringReduceScatter(double bytes, const RingLink &r) {
  return ringAllGather(bytes, r);
}

double rapid::ringAllReduce(double bytes, const RingLink &r) {
  return ringReduceScatter(bytes, r) + ringAllGather(bytes, r);
}

double rapid::torusAllReduce(double bytes, const TorusLinks &t) {
  auto order = [&](const RingLink &first, const RingLink &second) {
    return 2 * ringReduceScatter(bytes, first) +
           ringAllReduce(bytes / double(first.p), second);
  };
  return std::min(order(t.x, t.y), order(t.y, t.x));
}

double rapid::torusAllGather(double bytes, const TorusLinks &t) {
  auto order = [&](const RingLink &first, const RingLink &second) {
    // Along `first`, each row of the torus gathers its 1/second.p share.
    return ringAllGather(bytes / double(second.p), first) +
           ringAllGather(bytes, second);
  };
  return std::min(order(t.x, t.y), order(t.y, t.x));
}

double rapid::ringNeighbourExchange(double bytes, const RingLink &r) {
  if (r.p <= 1 || bytes <= 0)
    return 0;
  return r.alpha + bytes / r.bpc;
}

double rapid::torusAllToAll(double bytes, const TorusLinks &t) {
  if (bytes <= 0)
    return 0;
  double time = 0;
  for (const RingLink *r : {&t.x, &t.y})
    if (r->p > 1)
      time += double(r->p - 1) * r->alpha + bytes * double(r->p) / (8 * r->bpc);
  return time;
}
