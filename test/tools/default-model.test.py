"""Checks the mapping report JSON of the default model (default-model.test):
every layer mapped, the cycle breakdown adds up to the total, utilization
within (0, 1], the best no slower than the baseline, the MACs those of the
model."""
import json
import sys

r = json.load(open(sys.argv[1]))
assert r["arch"] == "rapid-core" and r["mode"] == "infer", r
assert len(r["layers"]) == 5, len(r["layers"])
assert r["macs"] == 416520, r["macs"]
parts = ["mac_cycles", "pe_underuse_cycles", "pipeline_bubble_cycles",
         "overlapped_visible_cycles", "non_overlapped_cycles", "aux_cycles"]
for layer in r["layers"] + [{"breakdown": r["total"], "layer": "total"}]:
    c = layer["breakdown"]
    assert abs(sum(c[p] for p in parts) - c["total_cycles"]) <= 1e-6 * c["total_cycles"], layer
    assert 0 < c["mac_cycles"] <= c["total_cycles"], layer
assert abs(r["cycles"] - (r["total"]["total_cycles"] - r["pipeline_overlap_cycles"])) <= 1e-6 * r["cycles"]
assert 0 < r["utilization"] <= 1, r["utilization"]
for layer in r["layers"]:
    # One core: the division is trivial and the memory plan only ever
    # lowers a layer's time, so no layer is slower than the baseline.
    assert layer["spatial"]["parallelism"] == "model", layer
    assert layer["speedup"] >= 1.0, layer
    assert layer["search"]["evaluated"] > 0, layer
    n = layer["N"]
    assert all(1 <= layer["P"][d] <= layer["T"][d] <= layer["B"][d] <= n[d] for d in n), layer
assert r["speedup"] >= 1.0
print("mapping report ok:", len(r["layers"]), "layers, speedup %.2fx" % r["speedup"])
