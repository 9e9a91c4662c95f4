#!/usr/bin/env python3
"""Writes the malformed models of errors-model.test into the given folder."""

import os
import sys

import onnx
from onnx import TensorProto as T
from onnx import helper as h

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
opset = [h.make_opsetid("", 13)]


def save(name, nodes, inputs, outputs, inits=(), opsets=opset):
    g = h.make_graph(nodes, "g", inputs, outputs, list(inits))
    onnx.save(h.make_model(g, opset_imports=opsets), os.path.join(out, name))


x = h.make_tensor_value_info("x", T.FLOAT, [2, 3])
y = h.make_tensor_value_info("y", T.FLOAT, [2, 3])
relu = h.make_node("Relu", ["x"], ["y"], name="r")

save("no-graph.onnx", [], [x], [y])
save("no-opset.onnx", [relu], [x], [y], opsets=[h.make_opsetid("com.example", 1)])
seq = h.make_value_info("x", h.make_sequence_type_proto(
    h.make_tensor_type_proto(T.FLOAT, [2])))
save("sequence-input.onnx", [h.make_node("Identity", ["x"], ["y"], name="i")],
     [seq], [y])
save("no-shape.onnx", [relu], [h.make_tensor_value_info("x", T.FLOAT, None)],
     [h.make_tensor_value_info("y", T.FLOAT, None)])

w = h.make_tensor("w", T.FLOAT, [2, 3], [0.0] * 6)
w.data_location = T.EXTERNAL
del w.float_data[:]
entry = w.external_data.add()
entry.key, entry.value = "location", "weights.bin"
save("external.onnx", [h.make_node("Add", ["x", "w"], ["y"], name="a")],
     [x], [y], [w])

w = h.make_tensor("w", T.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0])
del w.float_data[-1]
x2 = h.make_tensor_value_info("x", T.FLOAT, [2, 2])
y2 = h.make_tensor_value_info("y", T.FLOAT, [2, 2])
save("count.onnx", [h.make_node("Add", ["x", "w"], ["y"], name="a")],
     [x2], [y2], [w])

idx = h.make_tensor("i", T.INT64, [5000], [0] * 5000)
save("gather-many.onnx", [h.make_node("Gather", ["x", "i"], ["y"], name="g")],
     [x], [h.make_tensor_value_info("y", T.FLOAT, [5000, 3])], [idx])

k = h.make_tensor("k", T.FLOAT, [1, 1, 1, 1], [1.0])
xi = h.make_tensor_value_info("x", T.FLOAT, [1, 1, 4, 4])
save("auto-pad.onnx", [h.make_node("Conv", ["x", "k"], ["y"], name="c",
                                   auto_pad="SOMETIMES")],
     [xi], [h.make_tensor_value_info("y", T.FLOAT, [1, 1, 4, 4])], [k])

ratio = h.make_tensor("ratio", T.FLOAT, [], [0.5])
train = h.make_tensor("train", T.BOOL, [], [True])
save("dropout-train.onnx",
     [h.make_node("Dropout", ["x", "ratio", "train"], ["y"], name="d")],
     [x], [y], [ratio, train])

save("huge-dim.onnx", [relu], [h.make_tensor_value_info("x", T.FLOAT, [100000000000, 3])],
     [h.make_tensor_value_info("y", T.FLOAT, [100000000000, 3])])
