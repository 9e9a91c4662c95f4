#!/usr/bin/env python3
"""Imports the ONNX conformance node tests of Debian's libonnx-testdata whose
ops the importer supports, and reports how many import.

A node test is selected when every op type in its model is one the importer
lists as supported (`rapid-translate --import-onnx` on an unknown op prints
the list). Node tests are written for runtimes: shapes, axes and indices
often arrive as graph inputs. rapid compiles static graphs, so, as a user
would with --input-shape, the harness binds every input from the test's
first data set: integer and bool inputs become initializers, float inputs get
their static shapes.

Tests that exercise a feature outside rapid's float tensor model must fail
with a clear error whose message matches one of EXPECTED_UNSUPPORTED (each
with the reason); every other selected test must import. Exit status 1 on
any unexpected result (a failure with another message, a crash, or an
expected-unsupported test that imports).

    /usr/bin/python3 test/onnx-node-tests/run_node_tests.py BUILD_DIR [--data DIR]
"""

import argparse
import os
import re
import subprocess
import sys

import onnx

# Tests of supported op types that use features rapid does not model, with
# the reason; they must fail with an error (never crash or succeed silently).
EXPECTED_UNSUPPORTED = [
    (r"rapid models take FLOAT or FLOAT16 inputs",
     "integer/double data: the accelerator computes in float formats"),
    (r"outside the supported range 9 to 17", "opset before 9"),
    (r"only 2-D (convolutions|transposed convolutions|pooling)",
     "1-D and 3-D windows"),
    (r"is used, but only inference outputs are supported",
     "training-only outputs (dropout mask, argmax indices)"),
    (r"training_mode is true|training_mode = 1", "training-mode nodes"),
    (r"integer tensor computed at compile time; rapid models return float",
     "integer graph outputs (Shape as the model's result)"),
    (r"is not a tensor", "sequence and optional types"),
    (r"peephole weights", "LSTM peepholes"),
    (r"cast of a runtime tensor to|cast to (BFLOAT16|STRING)",
     "integer, bfloat16 and string casts"),
    (r"is not a positive integer", "empty (zero-size) tensors"),
    (r"negative steps on a runtime tensor", "reversing slices of runtime data"),
    (r"element type (INT|UINT|BOOL|DOUBLE)[0-9]* where a float tensor is needed",
     "integer weights"),
]


def bind_inputs(model, test_dir, constants=()):
    """Integer/bool graph inputs, and the float inputs named in `constants`,
    become initializers holding the test's values; the other float inputs
    get --input-shape bindings from the test data."""
    from onnx import numpy_helper
    data_dir = os.path.join(test_dir, "test_data_set_0")
    initialized = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initialized]
    flags, keep = [], []
    for k, value_info in enumerate(inputs):
        path = os.path.join(data_dir, f"input_{k}.pb")
        if not os.path.isfile(path):
            keep.append(value_info)
            continue
        tensor = onnx.TensorProto()
        with open(path, "rb") as f:
            tensor.ParseFromString(f.read())
        if not value_info.type.HasField("tensor_type"):
            keep.append(value_info)
            continue
        elem = value_info.type.tensor_type.elem_type
        scalar = not tensor.dims
        as_constant = scalar or value_info.name in constants
        if elem in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16) and \
                not as_constant:
            keep.append(value_info)
            if tensor.dims:
                flags.append("--input-shape=" + value_info.name + "=" +
                             "x".join(str(d) for d in tensor.dims))
        elif elem in (onnx.TensorProto.INT64, onnx.TensorProto.INT32,
                      onnx.TensorProto.BOOL) or (as_constant and elem in (
                          onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16)):
            # Scalars (clip bounds, pad values) are parameters, as are
            # integer shapes, axes and indices.
            tensor.name = value_info.name
            model.graph.initializer.append(tensor)
        else:
            keep.append(value_info)
    del model.graph.input[:]
    model.graph.input.extend(keep)
    return model, flags


def supported_ops(translate):
    """The importer's own list of supported ops, from its unknown-op error."""
    import tempfile
    from onnx import helper, TensorProto
    probe_model = helper.make_model(
        helper.make_graph([helper.make_node("Ceil", ["x"], ["y"])], "probe",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])]),
        opset_imports=[helper.make_opsetid("", 13)])
    with tempfile.NamedTemporaryFile(suffix=".onnx") as f:
        onnx.save(probe_model, f.name)
        r = subprocess.run([translate, "--import-onnx", f.name],
                           capture_output=True, text=True)
    m = re.search(r"supported ops: (.*)", r.stderr)
    if not m:
        sys.exit("error: could not read the supported ops from: " + r.stderr)
    return set(m.group(1).strip().split(", "))


def selected_tests(data, supported):
    """Yields (name, test_dir, model) for every node test under `data` whose
    op types are all supported, in name order."""
    if not os.path.isdir(data):
        sys.exit(f"error: {data}: no such directory; install the Debian "
                 "package libonnx-testdata (scripts/setup.sh does)")
    for name in sorted(os.listdir(data)):
        test_dir = os.path.join(data, name)
        model_path = os.path.join(test_dir, "model.onnx")
        if not os.path.isfile(model_path):
            continue
        try:
            model = onnx.load(model_path)
        except Exception:  # a broken test file is not our concern
            continue
        ops = {n.op_type for n in model.graph.node}
        if not ops or not ops <= supported:
            continue
        yield name, test_dir, model


def import_test(translate, name, test_dir, model, workdir, constants=()):
    """Binds the test's inputs (bind_inputs), saves the bound model as
    WORKDIR/NAME.onnx and imports it. Returns (bound_path, flags, status,
    detail): status "ok"; "crash" (a signal or a stack dump); "expected"
    with the EXPECTED_UNSUPPORTED reason as detail; or "unexpected" with the
    error's first line as detail. `constants`: as for bind_inputs."""
    bound, flags = bind_inputs(model, test_dir, constants)
    tmp = os.path.join(workdir, name + ".onnx")
    onnx.save(bound, tmp)
    cmd = [translate, "--import-onnx", tmp, "-o", os.devnull] + flags
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        return tmp, flags, "ok", ""
    if r.returncode < 0 or "Stack dump" in r.stderr:
        return tmp, flags, "crash", "crash"
    first = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
    reason = next((why for pattern, why in EXPECTED_UNSUPPORTED
                   if re.search(pattern, first)), None)
    if reason is None:
        return tmp, flags, "unexpected", first
    return tmp, flags, "expected", reason


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("--workdir", default="/tmp/rapid-node-tests")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    translate = os.path.join(args.build, "bin", "rapid-translate")
    supported = supported_ops(translate)

    selected, passed, failures, rejected = 0, 0, [], {}
    os.makedirs(args.workdir, exist_ok=True)
    for name, test_dir, model in selected_tests(args.data, supported):
        selected += 1
        _, _, status, detail = import_test(translate, name, test_dir, model,
                                           args.workdir)
        if status == "ok":
            passed += 1
            if args.verbose:
                print(f"ok   {name}")
        elif status in ("crash", "unexpected"):
            failures.append((name, detail))
        else:
            rejected[detail] = rejected.get(detail, 0) + 1
            if args.verbose:
                print(f"skip {name}: {detail}")
    for name, why in failures:
        print(f"FAIL {name}: {why}")
    for why, count in sorted(rejected.items()):
        print(f"  rejected with a clear error ({why}): {count}")
    print(f"onnx node tests with supported ops: {selected} selected, "
          f"{passed} imported, {sum(rejected.values())} rejected as "
          f"documented, {len(failures)} unexpected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
