#!/usr/bin/env python3
"""Exports rapid's model zoo to ONNX: torchvision CNNs with random (seeded,
LSUV-rescaled) weights, a small LSTM classifier, an MLP and the trained LeNet-5.

    /usr/bin/python3 python/zoo.py [--cache DIR] [--opset 11|13|17] [--keep-bn]
        [--batch N | --dynamic-batch] [--force] MODEL... | all

MODEL is one of: alexnet vgg16 resnet18 resnet50 mobilenetv2 lstm mlp lenet5.
Writes DIR/<model>[-bn]-opset<K>.onnx (DIR defaults to build/model-cache under
the repository root; a batch other than 1 adds -b<N>, --dynamic-batch adds
-bdyn) and skips models already there (--force re-exports). Every export is
checked with onnx.checker. Needs python3-torch, python3-torchvision and
python3-onnx (bash scripts/setup-models.sh); nothing is downloaded.

Weights: torch.manual_seed(SEED) before building each model, so exports are
deterministic. BatchNorm layers get random (seeded) running statistics and
affine parameters so that folding them is not a no-op. Then one forward pass
over a fixed random calibration batch rescales every Conv, Linear and
BatchNorm layer, in forward order, so that its output has unit standard
deviation (LSUV: the layer's weight and bias are divided by the std of its
output, and the rescaled output is what the next layer sees; Conv/Linear
biases that torchvision initialized to zero first get small random values). Without this,
random-init torchvision nets give logits of ~1e-9 (MobileNetV2) to ~1e-2.

Default exports are in eval mode: the exporter folds BatchNormalization into
the preceding Conv. --keep-bn exports with training=TrainingMode.PRESERVE (the
model still in eval mode), which keeps BatchNormalization nodes; the default
and -bn exports of one model compute the same function.

lenet5 is the Fashion-MNIST model trained by python/train_lenet5.py
(models/lenet5_fashion.onnx): at opset 13, batch 1, without --keep-bn it is
copied byte for byte; otherwise its weights are loaded back into the PyTorch
LeNet-5 (BatchNorm given random statistics, compensated in the conv weights so
the function is unchanged) and re-exported. Without that file an untrained,
LSUV-scaled LeNet-5 is exported instead (and the program says so).
"""

import argparse
import os
import shutil
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

MODELS = ("alexnet", "vgg16", "resnet18", "resnet50", "mobilenetv2", "lstm", "mlp", "lenet5")
OPSETS = (11, 13, 17)
SEED = 0            # torch.manual_seed before building each model
CALIB_SEED = 1234   # the LSUV calibration batch
CHECK_SEED = 4321   # a second random input, to show logits are O(1) beyond the calibration batch
CALIB_BATCH = 4
TRAINED_LENET = os.path.join(ROOT, "models", "lenet5_fashion.onnx")

# Input name, per-example shape, output name.
SPECS = {
    "alexnet": ("image", (3, 224, 224)),
    "vgg16": ("image", (3, 224, 224)),
    "resnet18": ("image", (3, 224, 224)),
    "resnet50": ("image", (3, 224, 224)),
    "mobilenetv2": ("image", (3, 224, 224)),
    "lstm": ("sequence", (16, 32)),   # batch_first: N x seq 16 x 32 features
    "mlp": ("input", (784,)),
    "lenet5": ("image", (1, 28, 28)),
}
OUTPUT_NAME = "logits"


def log(msg):
    print(f"[zoo] {msg}", flush=True)


def build_lstm(nn, torch):
    class LSTMClassifier(nn.Module):
        """2-layer LSTM (32 features -> hidden 64), batch_first, classifying the
        last time step with a linear head into 10 classes."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(input_size=32, hidden_size=64, num_layers=2, batch_first=True)
            self.head = nn.Linear(64, 10)
            # PyTorch's default init (uniform +-1/sqrt(64)) leaves every gate
            # near 0.5 and the hidden state tiny; widen it so the LSTM's
            # sigmoids and tanhs see an O(1) range of inputs.
            with torch.no_grad():
                for name, p in self.lstm.named_parameters():
                    p.mul_(3.0 if name.startswith("weight") else 1.0)

        def forward(self, x):
            y, _ = self.lstm(x)
            return self.head(y[:, -1, :])

    return LSTMClassifier()


def build_mlp(nn):
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def build(name, torch):
    import torch.nn as nn
    torch.manual_seed(SEED)
    if name in ("alexnet", "vgg16", "resnet18", "resnet50", "mobilenetv2"):
        import torchvision
        ctor = {"alexnet": torchvision.models.alexnet, "vgg16": torchvision.models.vgg16,
                "resnet18": torchvision.models.resnet18, "resnet50": torchvision.models.resnet50,
                "mobilenetv2": torchvision.models.mobilenet_v2}[name]
        return ctor(weights=None)
    if name == "lstm":
        return build_lstm(nn, torch)
    if name == "mlp":
        return build_mlp(nn)
    if name == "lenet5":
        from train_lenet5 import LeNet5
        return LeNet5()
    raise ValueError(name)


def randomize_batchnorm(model, torch, compensate=False):
    """Gives every BatchNorm2d random running statistics and affine parameters
    (seeded). With compensate=True the preceding Conv2d's weight and bias are
    rescaled so that conv -> BN computes exactly what the conv alone did
    (used for the trained LeNet-5, whose BN is already folded into its convs)."""
    import torch.nn as nn
    g = torch.Generator().manual_seed(SEED + 7)
    prev = None
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            prev = m
        elif isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.running_var.copy_(0.5 + 1.5 * torch.rand(c, generator=g))
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                sigma = torch.sqrt(m.running_var + m.eps)
                if compensate:
                    if prev is None or prev.out_channels != c:
                        raise RuntimeError("BatchNorm2d without a matching Conv2d before it")
                    a = sigma / m.weight                        # conv' = a * conv
                    prev.weight.mul_(a.view(-1, 1, 1, 1))
                    if prev.bias is None:
                        raise RuntimeError("compensated conv needs a bias")
                    prev.bias.mul_(a)
                    m.running_mean.copy_(0.2 * torch.randn(c, generator=g) * a)
                    # BN(conv') = conv + beta - weight/sigma * mean: cancel the mean.
                    m.bias.copy_(m.weight / sigma * m.running_mean)
                else:
                    m.running_mean.copy_(0.2 * torch.randn(c, generator=g))
                    m.bias.copy_(0.1 * torch.randn(c, generator=g))
            prev = None


def lsuv(model, x, torch):
    """Layer-sequential unit-variance rescaling in one forward pass: a forward
    hook on each Conv/Linear/BatchNorm divides the layer's weight and bias by
    the std of its output and hands the next layers the rescaled output, which
    is exactly what the rescaled layer computes. Returns the number of layers."""
    import torch.nn as nn
    kinds = (nn.Conv2d, nn.Linear, nn.BatchNorm2d)
    done = set()
    hooks = []

    g = torch.Generator().manual_seed(SEED + 11)

    def hook(mod, inp, out):
        if id(mod) in done:
            return None
        done.add(id(mod))
        s = out.float().std()
        if (not isinstance(mod, nn.BatchNorm2d) and mod.bias is not None
                and not bool(mod.bias.any())):
            # torchvision zero-inits these biases: give them small random
            # values (10% of the output's scale) so bias handling is exercised.
            b = 0.1 * s * torch.randn(mod.bias.shape, generator=g)
            with torch.no_grad():
                mod.bias.add_(b)
            out = out + (b.view(1, -1, 1, 1) if out.dim() == 4 else b)
            s = out.float().std()
        if not torch.isfinite(s) or s <= 0:
            raise RuntimeError(f"LSUV: {type(mod).__name__} output std is {s}")
        with torch.no_grad():
            mod.weight.div_(s)
            if mod.bias is not None:
                mod.bias.div_(s)
        return out / s

    for m in model.modules():
        if isinstance(m, kinds):
            hooks.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return len(done)


def layer_stds(model, x, torch):
    """Output std of every Conv/Linear/BatchNorm layer on x (for the report)."""
    import torch.nn as nn
    stds = []
    hooks = [m.register_forward_hook(lambda mod, i, o: stds.append(float(o.std())))
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.BatchNorm2d))]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in hooks:
            h.remove()
    return stds, out


def load_trained_lenet(model, path, torch):
    """Copies the Conv/Gemm weights of the trained ONNX LeNet-5 (BN folded)
    into the PyTorch LeNet-5, in node order."""
    import onnx
    from onnx import numpy_helper
    import torch.nn as nn
    g = onnx.load(path).graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    params = []
    for n in g.node:
        if n.op_type in ("Conv", "Gemm"):
            if n.op_type == "Gemm":
                attrs = {a.name: a for a in n.attribute}
                if "transB" not in attrs or attrs["transB"].i != 1:
                    raise RuntimeError(f"{path}: Gemm {n.name} without transB=1")
            params.append((init[n.input[1]], init[n.input[2]]))
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    if len(params) != len(layers):
        raise RuntimeError(f"{path}: {len(params)} Conv/Gemm nodes, LeNet-5 has {len(layers)} layers")
    with torch.no_grad():
        for m, (w, b) in zip(layers, params):
            if tuple(m.weight.shape) != w.shape:
                raise RuntimeError(f"{path}: weight shape {w.shape} does not fit {m}")
            m.weight.copy_(torch.from_numpy(w.copy()))
            m.bias.copy_(torch.from_numpy(b.copy()))
    for m in model.modules():   # identity BN before randomize_batchnorm(compensate=True)
        if isinstance(m, nn.BatchNorm2d):
            m.reset_parameters()


def file_name(name, opset, keep_bn, batch, dynamic):
    suffix = "-bdyn" if dynamic else ("" if batch == 1 else f"-b{batch}")
    return f"{name}{'-bn' if keep_bn else ''}-opset{opset}{suffix}.onnx"


def has_batchnorm(model):
    import torch.nn as nn
    return any(isinstance(m, nn.BatchNorm2d) for m in model.modules())


def prepare(name, model, torch, accuracy=True):
    """Gives the freshly built model (build(name, torch), in eval mode) the
    weights its export has: the trained LeNet-5's (BatchNorm given random,
    compensated statistics), or random BatchNorm statistics and LSUV
    rescaling. Deterministic, so the PyTorch model of every export can be
    rebuilt (bench/zoo_agreement.py compares rapid with it). Returns a note
    for the log and the logits on the calibration batch; accuracy=False skips
    the trained LeNet-5's test-set accuracy in the note."""
    _, shape = SPECS[name]
    calib = torch.randn((CALIB_BATCH,) + shape, generator=torch.Generator().manual_seed(CALIB_SEED))
    if name == "lenet5" and os.path.exists(TRAINED_LENET):
        load_trained_lenet(model, TRAINED_LENET, torch)
        randomize_batchnorm(model, torch, compensate=True)
        note = f"trained weights from {os.path.relpath(TRAINED_LENET)}"
        if accuracy:
            import fashion_mnist
            x, y = fashion_mnist.load("test")
            with torch.no_grad():
                acc = float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
            note += f" (test accuracy {acc * 100:.2f}% on {len(y)} images)"
        stds, out = layer_stds(model, calib, torch)
    else:
        if name == "lenet5":
            log(f"{name}: {os.path.relpath(TRAINED_LENET)} not found (run python/train_lenet5.py): "
                "exporting an untrained LeNet-5")
        randomize_batchnorm(model, torch)
        _, raw = layer_stds(model, calib, torch)
        n = lsuv(model, calib, torch)
        stds, out = layer_stds(model, calib, torch)
        note = (f"random init logits std {float(raw.std()):.3g}; LSUV rescaled {n} layers "
                f"(layer output std {min(stds):.3f}..{max(stds):.3f} on the calibration batch)")
    return note, out


def export_one(name, args, torch, onnx):
    path = os.path.join(args.cache, file_name(name, args.opset, args.keep_bn, args.batch, args.dynamic_batch))
    rel = os.path.relpath(path)
    if os.path.exists(path) and not args.force:
        log(f"{name}: {rel} already in the cache ({os.path.getsize(path) / 1e6:.1f} MB), skipping")
        return path
    t0 = time.time()
    trained = name == "lenet5" and os.path.exists(TRAINED_LENET)
    if (trained and args.opset == 13 and args.batch == 1 and not args.dynamic_batch
            and not args.keep_bn):
        shutil.copyfile(TRAINED_LENET, path)
        onnx.checker.check_model(path)
        log(f"{name}: copied the trained {os.path.relpath(TRAINED_LENET)} to {rel} "
            f"({os.path.getsize(path) / 1e6:.2f} MB)")
        return path

    model = build(name, torch)
    model.eval()
    if args.keep_bn and not has_batchnorm(model):
        log(f"{name}: has no BatchNorm layers, nothing to keep: skipped (use it without --keep-bn)")
        return None
    in_name, shape = SPECS[name]
    check = torch.randn((CALIB_BATCH,) + shape, generator=torch.Generator().manual_seed(CHECK_SEED))
    note, out = prepare(name, model, torch)
    with torch.no_grad():
        other = model(check)
    log(f"{name}: {note}; logits std {float(out.std()):.3f} (calibration batch), "
        f"{float(other.std()):.3f} (another random batch)")

    dummy = torch.randn((args.batch,) + shape, generator=torch.Generator().manual_seed(CHECK_SEED))
    kw = {}
    if args.keep_bn:
        kw["training"] = torch.onnx.TrainingMode.PRESERVE
    if args.dynamic_batch:
        kw["dynamic_axes"] = {in_name: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}
    tmp = path + ".tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, dummy, tmp, opset_version=args.opset,
                          input_names=[in_name], output_names=[OUTPUT_NAME],
                          do_constant_folding=True, **kw)
    try:
        onnx.checker.check_model(tmp)
        m = onnx.load(tmp, load_external_data=False)
        ops = {n.op_type for n in m.graph.node}
        if args.keep_bn and "BatchNormalization" not in ops:
            raise RuntimeError(f"{name}: --keep-bn export has no BatchNormalization node")
        if not args.keep_bn and "BatchNormalization" in ops:
            raise RuntimeError(f"{name}: eval-mode export still has BatchNormalization nodes")
    except Exception:
        os.remove(tmp)
        raise
    os.replace(tmp, path)
    log(f"{name}: wrote {rel} ({os.path.getsize(path) / 1e6:.1f} MB, {len(m.graph.node)} nodes, "
        f"opset {args.opset}) in {time.time() - t0:.1f} s")
    return path


def main():
    ap = argparse.ArgumentParser(
        description="Exports rapid's model zoo to ONNX (see the module docstring).",
        epilog="models: " + " ".join(MODELS) + " (or all)")
    ap.add_argument("models", nargs="+", metavar="MODEL")
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "model-cache"),
                    help="output folder (default: build/model-cache in the repository)")
    ap.add_argument("--opset", type=int, default=17, choices=OPSETS)
    ap.add_argument("--keep-bn", action="store_true",
                    help="keep BatchNormalization nodes (default: folded into Conv)")
    ap.add_argument("--batch", type=int, default=1, help="fixed batch size (default 1)")
    ap.add_argument("--dynamic-batch", action="store_true",
                    help="export a symbolic batch dimension named 'batch'")
    ap.add_argument("--force", action="store_true", help="re-export models already in the cache")
    args = ap.parse_args()
    if args.batch < 1:
        ap.error("--batch must be >= 1")
    if args.dynamic_batch and args.batch != 1:
        ap.error("--dynamic-batch and --batch N exclude each other")
    names = []
    for m in args.models:
        for n in (MODELS if m == "all" else [m]):
            if n not in MODELS:
                ap.error(f"unknown model '{n}' (choose from {', '.join(MODELS)} or all)")
            if n not in names:
                names.append(n)

    pending = [n for n in names if args.force or not os.path.exists(os.path.join(
        args.cache, file_name(n, args.opset, args.keep_bn, args.batch, args.dynamic_batch)))]
    if not pending:   # the fast path: do not even import torch
        for n in names:
            path = os.path.join(args.cache, file_name(n, args.opset, args.keep_bn, args.batch,
                                                      args.dynamic_batch))
            log(f"{n}: {os.path.relpath(path)} already in the cache "
                f"({os.path.getsize(path) / 1e6:.1f} MB), skipping")
        return
    try:
        import torch
        import onnx
    except ImportError as e:
        raise SystemExit(f"zoo: error: {e}: install python3-torch, python3-torchvision and "
                         "python3-onnx (bash scripts/setup-models.sh) and run with /usr/bin/python3")
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(args.cache, exist_ok=True)
    t0 = time.time()
    for n in names:
        export_one(n, args, torch, onnx)
    log(f"done: {len(names)} model(s) in {time.time() - t0:.1f} s, cache {os.path.relpath(args.cache)}")


if __name__ == "__main__":
    main()
