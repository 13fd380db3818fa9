"""Speed of minikeras's kernels, forward and backward, on every available backend.

    python -m benchmarks.kernels [--quick]

Each kernel runs through minikeras's own ops (what a training step runs) at
a range of batch sizes: matrix products, Conv2D 3x3 and 6x6 stride 2,
MaxPooling2D, BatchNormalization in training mode, softmax cross-entropy,
and one Adam step. The NumPy backend is always measured; CuPy when CuPy and
a CUDA GPU are present (else skipped with a note), timed with the device
synchronized before the clock is read. Each time is the median of repeated
calls after a warm-up.

Writes benchmarks/results/kernels.json, kernels.md (median ms, GFLOP/s,
GPU/CPU speed-up) and kernels.png (time against size, one line per backend).
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks import machine
from minikeras.utils.plotting import save_figure

RESULTS = Path(__file__).absolute().parents[1] / "benchmarks" / "results"
BATCHES = (32, 128, 512)


# -- the kernels: each a function of (keras, batch) returning a Case ------------------


class Case:
    """One kernel at one size: ``forward()`` builds the output; ``backward(output)`` runs
    the backward pass from it (None for a kernel without one, the optimizer step).

    flops: of the forward pass and of the backward pass (None where the
    work is moving memory rather than arithmetic).
    """

    def __init__(self, forward, backward=None, flops=(None, None)):
        self.forward, self.backward, self.flops = forward, backward, flops


def _inputs(keras, *shapes, seed=0):
    """Random float32 Tensors on the active device, requiring gradients."""
    rng = np.random.default_rng(seed)
    return [keras.Variable(rng.standard_normal(shape).astype("float32")) for shape in shapes]


def _backward_of(keras):
    """The backward pass from an output, with dL/d(output) = 1 made once on the device: made
    in every timed call, it would add a host allocation and a copy to the device."""
    upstream = {}

    def backward(output):
        if output.shape not in upstream:
            upstream[output.shape] = keras.backend.to_device(np.ones(output.shape, "float32"))
        output.backward(upstream[output.shape])
    return backward


def matmul(keras, batch, size=1024):
    x, w = _inputs(keras, (batch, size), (size, size))
    flops = 2 * batch * size * size
    return Case(lambda: keras.ops.matmul(x, w), _backward_of(keras), (flops, 2 * flops))


def conv(keras, batch, height, channels, filters, kernel_size, strides):
    x, kernel = _inputs(keras, (batch, height, height, channels),
                        (kernel_size, kernel_size, channels, filters))
    out = -(-height // strides)
    flops = 2 * batch * out * out * kernel_size * kernel_size * channels * filters
    return Case(lambda: keras.ops.conv(x, kernel, strides=strides, padding="same"),
                _backward_of(keras), (flops, 2 * flops))


def max_pool(keras, batch):
    (x,) = _inputs(keras, (batch, 26, 26, 32))
    return Case(lambda: keras.ops.max_pool(x, 2), _backward_of(keras))


def batch_norm(keras, batch):
    x, beta = _inputs(keras, (batch, 28, 28, 24), (24,))
    return Case(lambda: keras.ops.fused_batch_normalization(x, None, beta)[0],
                _backward_of(keras))


def softmax_cross_entropy(keras, batch, classes=1000):
    (logits,) = _inputs(keras, (batch, classes))
    labels = keras.backend.to_device(np.random.default_rng(1).integers(0, classes, batch))
    return Case(lambda: keras.ops.sparse_categorical_crossentropy(labels, logits,
                                                                  from_logits=True),
                _backward_of(keras))


def adam_step(keras, batch):
    """One Adam update of ``batch`` thousand parameters (1M at the middle size)."""
    parameters = batch * 1000 * 1024 // 128  # 1,024,000 at batch 128
    (weight,) = _inputs(keras, (parameters,))
    gradient = keras.backend.to_device(np.full(parameters, 1e-3, dtype="float32"))
    optimizer = keras.optimizers.Adam()
    optimizer.apply([gradient], [weight])  # builds the slots
    return Case(lambda: optimizer.apply([gradient], [weight]))


KERNELS = {
    "matmul 1024x1024": matmul,
    "conv 3x3 32->64 (28x28)": lambda k, b: conv(k, b, 28, 32, 64, 3, 1),
    "conv 6x6/2 24->48 (28x28)": lambda k, b: conv(k, b, 28, 24, 48, 6, 2),
    "max_pool 2x2 (26x26x32)": max_pool,
    "batch_norm train (28x28x24)": batch_norm,
    "softmax cross-entropy (1000 classes)": softmax_cross_entropy,
    "adam step (1M params at 128)": adam_step,
}


# -- timing -----------------------------------------------------------------------


def _sync_of(backend_name):
    if backend_name == "cupy":
        import cupy
        return cupy.cuda.Device().synchronize
    return lambda: None


def _median_seconds(run, sync, min_seconds, min_repeats=3):
    """Median wall time of ``run()`` (after one warm-up call), synchronized with the device."""
    run()
    sync()
    times, start = [], time.perf_counter()
    while len(times) < min_repeats or time.perf_counter() - start < min_seconds:
        began = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def time_case(case, sync, min_seconds):
    """(forward seconds, backward seconds or None) of one Case."""
    forward = _median_seconds(case.forward, sync, min_seconds)
    if case.backward is None:
        return forward, None
    outputs = []

    def backward_only():  # a fresh graph each time: backward() frees the one it walks
        case.backward(outputs.pop())

    def timed_backward():
        outputs.append(case.forward())
        sync()
        began = time.perf_counter()
        backward_only()
        sync()
        return time.perf_counter() - began

    timed_backward()  # warm-up
    times, start = [], time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < min_seconds:
        times.append(timed_backward())
    return forward, statistics.median(times)


def run_backend(backend_name, batches, min_seconds):
    import minikeras as keras
    keras.backend.set_backend(backend_name)
    sync = _sync_of(backend_name)
    rows = []
    for kernel_name, make in KERNELS.items():
        for batch in batches:
            case = make(keras, batch)
            forward, backward = time_case(case, sync, min_seconds)
            row = {"kernel": kernel_name, "batch": batch, "backend": backend_name,
                   "forward_ms": forward * 1e3,
                   "backward_ms": None if backward is None else backward * 1e3,
                   "forward_gflops": _rate(case.flops[0], forward),
                   "backward_gflops": _rate(case.flops[1], backward)}
            rows.append(row)
            print(f"  {backend_name:5s} {kernel_name:38s} batch {batch:4d}: forward "
                  f"{row['forward_ms']:8.2f} ms" + ("" if backward is None else
                                                    f", backward {row['backward_ms']:8.2f} ms"),
                  flush=True)
    keras.backend.set_backend("numpy")
    return rows


def _rate(flops, seconds):
    return None if flops is None or seconds is None else flops / seconds / 1e9


# -- reports ---------------------------------------------------------------------------


def markdown(report):
    rows = report["rows"]
    numpy_rows = {(r["kernel"], r["batch"]): r for r in rows if r["backend"] == "numpy"}
    lines = [
        "# minikeras kernels: forward and backward",
        "",
        f"Machine: {machine.summary(report['machine'])}.",
        "Median wall time per call after a warm-up (device synchronized on the GPU); "
        "GFLOP/s for the products only. Speed-up: NumPy time / CuPy time, forward+backward.",
        "",
        "| kernel | batch | backend | forward ms | backward ms | forward GFLOP/s | "
        "backward GFLOP/s | GPU speed-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        speedup = "-"
        if r["backend"] == "cupy":
            cpu = numpy_rows[(r["kernel"], r["batch"])]
            speedup = f"{_total(cpu) / _total(r):.1f}x"
        lines.append(f"| {r['kernel']} | {r['batch']} | {r['backend']} | {r['forward_ms']:.2f} | "
                     f"{_number(r['backward_ms'], '.2f')} | {_number(r['forward_gflops'], '.0f')} "
                     f"| {_number(r['backward_gflops'], '.0f')} | {speedup} |")
    if report["gpu_note"]:
        lines += ["", report["gpu_note"]]
    return "\n".join(lines) + "\n"


def _total(row):
    return row["forward_ms"] + (row["backward_ms"] or 0.0)


def _number(value, spec):
    return "-" if value is None else format(value, spec)


def chart(report, path):
    """Forward+backward time against batch size, one panel per kernel, one line per backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    kernels = list(dict.fromkeys(r["kernel"] for r in report["rows"]))
    columns = 4
    figure, axes = plt.subplots(-(-len(kernels) // columns), columns,
                                figsize=(4 * columns, 3.2 * -(-len(kernels) // columns)),
                                squeeze=False)
    for axis, kernel in zip(axes.flat, kernels, strict=False):
        for backend_name in dict.fromkeys(r["backend"] for r in report["rows"]):
            points = [(r["batch"], _total(r)) for r in report["rows"]
                      if r["kernel"] == kernel and r["backend"] == backend_name]
            axis.plot(*zip(*points, strict=True), marker="o", label=backend_name)
        axis.set(title=kernel, xlabel="batch size", ylabel="ms (forward + backward)",
                 xscale="log", yscale="log")
        batches = sorted({r["batch"] for r in report["rows"]})
        axis.set_xticks(batches, [str(b) for b in batches])
        axis.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        axis.title.set_fontsize(9)
        axis.legend()
    for axis in list(axes.flat)[len(kernels):]:
        axis.axis("off")
    figure.tight_layout()
    save_figure(figure, path, dpi=90)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small size, short timings")
    parser.add_argument("--out", default=str(RESULTS), help="directory for the results")
    args = parser.parse_args(argv)
    batches = (32,) if args.quick else BATCHES
    min_seconds = 0.02 if args.quick else 0.3
    report = {"machine": machine.describe(), "quick": args.quick, "rows": [], "gpu_note": None}
    backends = ["numpy"]
    if report["machine"]["gpu"]:
        backends.append("cupy")
    else:
        report["gpu_note"] = ("No CUDA GPU (or no CuPy) on this machine: the CuPy backend was "
                              "skipped. On a GPU machine with `pip install 'minikeras[gpu]'` "
                              "the same command adds its rows and the speed-ups.")
        print(report["gpu_note"])
    for backend_name in backends:
        report["rows"] += run_backend(backend_name, batches, min_seconds)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine.write_text(out / "kernels.json", json.dumps(report, indent=2) + "\n")
    machine.write_text(out / "kernels.md", markdown(report))
    chart(report, out / "kernels.png")
    print(f"Wrote {out / 'kernels.json'}, {out / 'kernels.md'} and {out / 'kernels.png'}")


if __name__ == "__main__":
    main()
