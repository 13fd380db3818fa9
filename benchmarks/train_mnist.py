"""Training speed of three MNIST models: minikeras (NumPy, CuPy) against tf.keras.

    python -m benchmarks.train_mnist [--quick] [--models mlp,convnet,bn_convnet]

The same model code runs on both frameworks (only the ``keras`` module
differs). Each framework trains in its own subprocess, so the peak resident
memory of each is its own (``resource.getrusage`` in the child). The parent
drives the children in lockstep: window after window, one framework then the
other, the order swapped every round, so a machine that gets busier or
quieter affects both alike. A window is part of one ``fit()`` call: a couple
of untimed steps, then ``--steps`` steps timed from batch start to batch
start, so fit's start-up cost is not counted for either framework. On a GPU
the device is synchronized at the window's two ends only: in between the
host queues steps ahead of the device, as it does in training.

Reported per model and framework: samples/s (median of the windows, and the
spread), the ratio to tf.keras, test accuracy after the timed training (a
check that both really train, not a target: they train for only a few
hundred steps), peak resident memory, and the achieved GFLOP/s of the
matrix products and convolutions as a fraction of the float32 GEMM peak of
the same machine; and per model the device work of one minikeras training
step (kernel launches, allocations, host reads, copies to the device), counted
on the strict CuPy stand-in (``benchmarks.device_work``), which needs no GPU.

Writes benchmarks/results/train_mnist.json and train_mnist.md.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import device_work, machine
from benchmarks.models import MODELS, build_model

ROOT = Path(__file__).absolute().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BATCH_SIZE = 128
FRAMEWORKS = ("minikeras-numpy", "minikeras-cupy", "tf.keras")
# Timed steps per window: about a second of tf.keras training on 2 cores.
WINDOW_STEPS = {"mlp": 150, "convnet": 40, "bn_convnet": 12}
UNTIMED_STEPS = 2  # at the start of every window's fit(), before the clock starts
WARMUP_STEPS = 20  # once per child, before the first window


# -- the models' arithmetic (the models are in benchmarks.models) -------------------------


def training_flops_per_sample(model):
    """Floating-point operations of one training step's products, per sample.

    Each Dense or Conv2D of m multiply-adds per sample costs 2m forward, 2m
    for the kernel gradient and 2m for the input gradient, except the first,
    whose input needs no gradient. Elementwise work is not counted.
    """
    shape, flops, first = tuple(model.input_shape), 0, True
    for layer in model.layers:
        output_shape = tuple(layer.compute_output_shape(shape))
        if hasattr(layer, "kernel") and layer.kernel is not None:
            kernel_shape = tuple(layer.kernel.shape)
            if len(kernel_shape) == 4:  # Conv2D: every output pixel is a window dot product
                mults = int(np.prod(output_shape[1:3])) * int(np.prod(kernel_shape))
            else:
                mults = int(np.prod(kernel_shape))
            flops += 2 * mults * (2 if first else 3)
            first = False
        shape = output_shape
    return flops


# -- the child: one framework training one model ---------------------------------------


def import_keras(framework):
    if framework == "tf.keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from tensorflow import keras
        return keras
    import minikeras

    # Set here, not through MINIKERAS_BACKEND: that is read once, when minikeras is
    # first imported, and this process has imported it already (benchmarks.machine).
    minikeras.backend.set_backend("cupy" if framework == "minikeras-cupy" else "numpy")
    return minikeras


def load_mnist(path, model_name):
    """Train and test images scaled to [0, 1] (float32) in the model's input shape, and labels."""
    with np.load(path) as data:
        x_train, y_train = data["x_train"], data["y_train"].astype("int64")
        x_test, y_test = data["x_test"], data["y_test"].astype("int64")
    order = np.random.default_rng(0).permutation(len(x_train))  # the same for every framework
    x_train, y_train = x_train[order], y_train[order]
    shape = (-1, 784) if model_name == "mlp" else (-1, 28, 28, 1)
    return scaled(x_train).reshape(shape), y_train, scaled(x_test).reshape(shape), y_test


def scaled(images):
    """uint8 pixels as float32 in [0, 1], with no float64 or second float copy on the way."""
    images = images.astype("float32")
    images /= 255.0
    return images


def device_sync(framework):
    """A function that waits for the device to finish its queued work (a no-op on the CPU)."""
    if framework == "minikeras-cupy":
        import cupy
        return cupy.cuda.Device().synchronize
    return lambda: None


def make_window_timer(keras, framework, first, last):
    """A callback that records the time at the start of batches ``first`` and ``last``, after
    waiting there for the device to finish its queued work, and nowhere else."""
    sync = device_sync(framework)

    class WindowEnds(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_train_batch_begin(self, batch, logs=None):
            if batch in (first, last):
                sync()
                self.times.append(time.perf_counter())

    return WindowEnds()


def gemm_peak_gflops():
    """float32 GEMM speed of NumPy on this machine: the median of 2048^3 products."""
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    seconds = []
    for _ in range(5):
        start = time.perf_counter()
        a @ a
        seconds.append(time.perf_counter() - start)
    return 2 * 2048**3 / statistics.median(seconds[1:]) / 1e9


def run_child(framework, model_name, data_path, window_steps, warmup_steps):
    """Builds the model, then answers the parent's commands on stdin until "finish"."""
    keras = import_keras(framework)
    if hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(0)
    x, y, x_test, y_test = load_mnist(data_path, model_name)
    model = build_model(keras, model_name)
    position = 0

    def train(steps, timer=None):
        nonlocal position
        count = steps * BATCH_SIZE
        if position + count > len(x):
            position = 0
        batch = slice(position, position + count)
        position += count
        model.fit(x[batch], y[batch], batch_size=BATCH_SIZE, epochs=1, verbose=0,
                  shuffle=False, callbacks=[timer] if timer else None)

    train(warmup_steps)
    steps_trained = warmup_steps
    send({"ready": True})
    for command in sys.stdin:
        if command.strip() == "window":
            timer = make_window_timer(keras, framework, UNTIMED_STEPS,
                                      UNTIMED_STEPS + window_steps)
            train(UNTIMED_STEPS + window_steps + 1, timer)  # +1: the batch that stops the clock
            steps_trained += UNTIMED_STEPS + window_steps + 1
            seconds = timer.times[1] - timer.times[0]
            send({"samples_per_second": window_steps * BATCH_SIZE / seconds})
        elif command.strip() == "finish":
            _, accuracy = model.evaluate(x_test, y_test, batch_size=BATCH_SIZE, verbose=0)
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            report = {"test_accuracy": float(accuracy), "steps_trained": steps_trained,
                      "peak_rss_mib": peak_kib / 1024}
            if framework.startswith("minikeras"):
                report["flops_per_sample"] = training_flops_per_sample(model)
                if framework == "minikeras-numpy":
                    report["gemm_peak_gflops"] = gemm_peak_gflops()
            send(report)
            return


def send(message):
    """One JSON line to the parent; the prefix sets it apart from anything a library prints."""
    print("@@" + json.dumps(message), flush=True)


# -- the parent: drive the children in lockstep ---------------------------------------


class Child:
    """A subprocess training one model on one framework, answering one command at a time."""

    def __init__(self, framework, model_name, data_path, window_steps, warmup_steps):
        command = [sys.executable, "-m", "benchmarks.train_mnist", "--child", framework,
                   "--models", model_name, "--data", str(data_path),
                   "--steps", str(window_steps), "--warmup", str(warmup_steps)]
        self.framework = framework
        self.process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.receive()  # "ready": built and warmed up

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.receive()

    def receive(self):
        for line in self.process.stdout:
            if line.startswith("@@"):
                return json.loads(line[2:])
        raise RuntimeError(f"The {self.framework} benchmark process ended without an answer "
                           f"(exit code {self.process.wait()}); see its error output above.")

    def finish(self):
        report = self.ask("finish")
        self.process.wait()
        return report


def frameworks_available(requested):
    """The frameworks asked for, without minikeras-cupy when there is no GPU (with a note)."""
    names = [name for name in FRAMEWORKS if name in requested]
    if "minikeras-cupy" in names and not machine.gpu():
        print("No CUDA GPU (or no CuPy): minikeras-cupy is skipped.")
        names.remove("minikeras-cupy")
    return names


def benchmark_model(model_name, frameworks, data_path, repeats, window_steps, warmup_steps):
    """Alternating windows of every framework on one model; their speeds and reports."""
    children = [Child(framework, model_name, data_path, window_steps, warmup_steps)
                for framework in frameworks]
    speeds = {child.framework: [] for child in children}
    for round_index in range(repeats):
        order = children if round_index % 2 == 0 else children[::-1]
        for child in order:
            speeds[child.framework].append(child.ask("window")["samples_per_second"])
    results = {}
    for child in children:
        report = child.finish()
        samples = speeds[child.framework]
        results[child.framework] = {"samples_per_second": statistics.median(samples),
                                    "windows": samples, **report}
    reference = results["tf.keras"]["samples_per_second"] if "tf.keras" in results else None
    for result in results.values():
        result["ratio_to_tf_keras"] = (result["samples_per_second"] / reference
                                       if reference else None)
        flops = results.get("minikeras-numpy", {}).get("flops_per_sample")
        if flops:
            result["gflops"] = flops * result["samples_per_second"] / 1e9
    return results


def markdown(report):
    lines = [
        "# MNIST training speed: minikeras vs tf.keras",
        "",
        f"Machine: {machine.summary(report['machine'])} (at start; "
        f"{report['load_average_end'][0]} at end).",
        f"Batch size {BATCH_SIZE}, float32, Adam; {report['repeats']} alternating windows per "
        f"framework, median shown with [min-max]. NumPy float32 GEMM peak (2048^3): "
        f"{_number(report['gemm_peak_gflops'], '.0f')} GFLOP/s.",
        "",
        "| model | framework | samples/s [min-max] | ratio to tf.keras | GFLOP/s "
        "(% of GEMM peak) | test accuracy (steps) | peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for model_name, results in report["models"].items():
        for framework, r in results.items():
            ratio = f"{r['ratio_to_tf_keras']:.2f}" if r["ratio_to_tf_keras"] else "-"
            gflops = (f"{r['gflops']:.0f} ({100 * r['gflops'] / report['gemm_peak_gflops']:.0f}%)"
                      if "gflops" in r and report["gemm_peak_gflops"] else "-")
            lines.append(
                f"| {model_name} | {framework} | {r['samples_per_second']:,.0f} "
                f"[{min(r['windows']):,.0f}-{max(r['windows']):,.0f}] | {ratio} | {gflops} | "
                f"{r['test_accuracy']:.4f} ({r['steps_trained']}) | {r['peak_rss_mib']:.0f} |")
    ratios = [(name, results["minikeras-numpy"]["peak_rss_mib"]
               / results["tf.keras"]["peak_rss_mib"])
              for name, results in report["models"].items()
              if "tf.keras" in results and "minikeras-numpy" in results]
    if ratios:
        lines += ["", "Peak memory of minikeras-numpy as a fraction of tf.keras's: " +
                  ", ".join(f"{name} {fraction:.2f}" for name, fraction in ratios) + "."]
    if report.get("device_work"):
        lines += ["", "Device work of one minikeras fit step on a GPU, counted on the strict "
                  "CuPy stand-in (benchmarks/device_work.py):", "",
                  "| model | kernel launches | allocations | host reads | copies to the device "
                  "(scalar) |", "|---|---|---|---|---|"]
        lines += [f"| {name} | {c['launches']} | {c['allocations']} | {c['host_reads']} | "
                  f"{c['host_to_device']} ({c['scalar_host_to_device']}) |"
                  for name, c in report["device_work"].items()]
    return "\n".join(lines) + "\n"


def _number(value, spec):
    return "-" if value is None else format(value, spec)


def mnist_path():
    """mnist.npz, found the way minikeras.datasets.mnist finds it (MINIKERAS_DATA first)."""
    from minikeras.datasets import mnist
    return mnist.local_path()  # finds the file, or downloads and checks it


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--repeats", type=int, default=7, help="timed windows per framework")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per window")
    parser.add_argument("--quick", action="store_true", help="a tiny run, for a smoke test")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--out", default=str(RESULTS), help="directory for the results")
    parser.add_argument("--data", help="an mnist.npz to train on (default: found as "
                                       "minikeras.datasets.mnist finds it)")
    parser.add_argument("--warmup", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else (2 if args.quick else WARMUP_STEPS)
    if args.child:
        return run_child(args.child, args.models, args.data, args.steps, warmup)
    models = args.models.split(",")
    repeats = 1 if args.quick else args.repeats
    data_path = args.data or mnist_path()
    frameworks = frameworks_available(args.frameworks.split(","))
    report = {"machine": machine.describe(), "batch_size": BATCH_SIZE, "repeats": repeats,
              "quick": args.quick, "models": {}, "device_work": {}}
    for model_name in models:
        steps = args.steps or (2 if args.quick else WINDOW_STEPS[model_name])
        print(f"{model_name}: {repeats} windows of {steps} steps per framework ...", flush=True)
        results = benchmark_model(model_name, frameworks, data_path, repeats, steps, warmup)
        report["models"][model_name] = results
        for framework, r in results.items():
            ratio = f", ratio {r['ratio_to_tf_keras']:.2f}" if r["ratio_to_tf_keras"] else ""
            print(f"  {framework:16s} {r['samples_per_second']:9,.0f} samples/s{ratio}, "
                  f"accuracy {r['test_accuracy']:.4f}, peak RSS {r['peak_rss_mib']:.0f} MiB")
        report["device_work"][model_name] = device_work.count_per_step(model_name)
        print(f"  minikeras on a device, per step: "
              f"{device_work.describe(report['device_work'][model_name])}")
    report["gemm_peak_gflops"] = next(
        (r["gemm_peak_gflops"] for results in report["models"].values()
         for r in results.values() if "gemm_peak_gflops" in r), None)
    report["load_average_end"] = [round(load, 2) for load in os.getloadavg()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine.write_text(out / "train_mnist.json", json.dumps(report, indent=2) + "\n")
    machine.write_text(out / "train_mnist.md", markdown(report))
    print(f"Wrote {out / 'train_mnist.json'} and {out / 'train_mnist.md'}")


if __name__ == "__main__":
    main()
