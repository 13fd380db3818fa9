"""What a benchmark ran on: CPU, cores, BLAS, GPU, load. Both benchmarks record it,
and write their results with ``write_text``."""

import os
import platform

import numpy as np

from minikeras.utils.file_utils import atomic_write


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas():
    """The BLAS NumPy calls, as threadpoolctl sees it (library, version, kernel, threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl is not installed (pip install threadpoolctl)"}]
    return [{key: info.get(key) for key in
             ("internal_api", "version", "architecture", "num_threads", "threading_layer")}
            for info in threadpool_info() if info.get("user_api") == "blas"]


def gpu():
    """The name of the first CUDA GPU CuPy sees, or None (no CuPy, or no GPU)."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return None
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    except Exception:  # no CuPy, no driver, no device: all mean "no GPU here"
        return None
    return name.decode() if isinstance(name, bytes) else str(name)


def describe():
    """A dict describing the machine now, for the JSON results and the README."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "blas": blas(),
        # Some images set OPENBLAS_CORETYPE, which can select a slower kernel:
        # recorded, never changed.
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "gpu": gpu(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def summary(machine):
    """One line for a markdown report: CPU, cores, BLAS, OPENBLAS_CORETYPE, GPU, load."""
    blas_text = ", ".join(
        f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}, "
        f"{b.get('num_threads')} threads)" if "internal_api" in b else b["note"]
        for b in machine["blas"]) or "unknown"
    return (f"{machine['cpu']}, {machine['cores']} cores; BLAS: {blas_text}; "
            f"OPENBLAS_CORETYPE={machine['openblas_coretype'] or 'unset'}; "
            f"GPU: {machine['gpu'] or 'none'}; NumPy {machine['numpy']}; "
            f"load average {machine['load_average'][0]}")


def write_text(path, text):
    """Writes ``text`` to ``path`` atomically: a crash leaves the previous results whole."""
    atomic_write(path, lambda stream: stream.write(text.encode("utf-8")))
