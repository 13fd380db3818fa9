"""The ``tf.distribute`` strategy ``fit_keras`` trains under, chosen by name.

- ``"auto"``: a TPU when this machine has one (or TPU_NAME names one), else
  ``MirroredStrategy`` over the visible GPUs, else TensorFlow's default
  strategy (one device, the CPU);
- ``"tpu"``: ``TPUStrategy``, connecting to the TPU and initializing it once
  per process;
- ``"mirrored"``: ``MirroredStrategy``, one replica per visible GPU (or the CPU);
- ``"multi_worker"``: ``MultiWorkerMirroredStrategy``, the machines listed in
  the ``TF_CONFIG`` environment variable, each running the same program;
- or any ``tf.distribute.Strategy`` you made yourself.
"""

import contextlib
import functools
import glob
import importlib.util
import json
import os
import socket
import warnings

from .convert import import_tensorflow

STRATEGIES = ("auto", "tpu", "mirrored", "multi_worker")

# The TPU resolver asks Google's metadata server for the project and zone of a
# named TPU; off Google Cloud that lookup must fail fast instead of hanging.
TPU_LOOKUP_TIMEOUT_S = 10.0

TF_CONFIG_EXAMPLE = ('{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                     '"task": {"type": "worker", "index": 0}}')

NO_TPU_ADVICE = (
    "On a Cloud TPU VM or a Colab TPU runtime, run on the TPU machine itself, with a TensorFlow "
    "built for TPUs (the `tensorflow-tpu` package, which brings `libtpu`); for a TPU reached "
    "over the network, set TPU_NAME to its name or to 'grpc://<address>:8470'. To train on "
    "what this machine has, use strategy='auto' (GPUs, else the CPU)."
)


def get_strategy(strategy="auto"):
    """The ``tf.distribute.Strategy`` that ``strategy`` names (see the module docstring).

    Raises ValueError for an unknown name, RuntimeError when no TPU is
    reachable for "tpu", ValueError when TF_CONFIG is missing or malformed for
    "multi_worker".
    """
    tf = import_tensorflow()
    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if not isinstance(strategy, str) or strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}: expected one of {list(STRATEGIES)} or "
                         "a tf.distribute.Strategy instance.")
    if strategy == "tpu":
        return _tpu_strategy()
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    if strategy == "multi_worker":
        return _multi_worker_strategy()
    return _auto_strategy(tf)


def _auto_strategy(tf):
    if tpu_address() is not None:
        try:
            return _tpu_strategy()
        except RuntimeError as error:
            warnings.warn(f"strategy='auto' found signs of a TPU but could not use it, so it "
                          f"trains without one. {error}", stacklevel=3)
    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        return tf.distribute.MirroredStrategy([gpu.name for gpu in gpus])
    return tf.distribute.get_strategy()


# -- TPU ------------------------------------------------------------------------


def tpu_address():
    """Where a TPU is, as ``TPUClusterResolver(tpu=...)`` takes it, or None when there is none.

    "" when TPU_NAME (or GKE's or TPU_CONFIG's variable) names one: the
    resolver reads them; "grpc://..." for Colab's older TPU runtime
    (COLAB_TPU_ADDR); "local" on a TPU VM (TPU devices attached, libtpu
    installed). Looks only at the environment: no network.
    """
    if any(os.environ.get(name) for name in ("TPU_NAME", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS",
                                              "TPU_CONFIG")):
        return ""
    if os.environ.get("COLAB_TPU_ADDR"):
        return "grpc://" + os.environ["COLAB_TPU_ADDR"]
    if _tpu_attached():
        return "local"
    return None


def _tpu_attached():
    devices = glob.glob("/dev/accel[0-9]*") + [
        path for path in glob.glob("/dev/vfio/*") if os.path.basename(path).isdigit()]
    has_libtpu = bool(os.environ.get("TPU_LIBRARY_PATH")) or (
        importlib.util.find_spec("libtpu") is not None)
    return bool(devices) and has_libtpu


@functools.cache  # a TPU system is initialized once per process (initializing clears it)
def _tpu_strategy():
    tf = import_tensorflow()
    address = tpu_address()
    if address is None:
        raise RuntimeError(f"strategy='tpu': no TPU found on this machine (no TPU devices or "
                           f"libtpu, and TPU_NAME is not set). {NO_TPU_ADVICE}")
    where = {"": f"TPU_NAME={os.environ.get('TPU_NAME', '')!r}", "local": "the local TPU"}.get(
        address, address)
    try:
        with _socket_timeout(TPU_LOOKUP_TIMEOUT_S):
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address)
        if address != "local":
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except Exception as error:  # the resolver raises ValueError, URLError, NotFoundError...
        raise RuntimeError(f"strategy='tpu': could not reach {where} "
                           f"({type(error).__name__}: {error}). {NO_TPU_ADVICE}") from error
    return tf.distribute.TPUStrategy(resolver)


@contextlib.contextmanager
def _socket_timeout(seconds):
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


# -- several machines --------------------------------------------------------------


@functools.cache  # collective ops are configured once, before TensorFlow runs anything
def _multi_worker_strategy():
    tf = import_tensorflow()
    check_tf_config()
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as error:
        raise RuntimeError(
            f"strategy='multi_worker' must be set up before TensorFlow runs anything in this "
            f"process ({error}): call fit_keras(..., strategy='multi_worker') or "
            "keras_bridge.get_strategy('multi_worker') before any other TensorFlow work."
        ) from error


def check_tf_config():
    """The cluster in the TF_CONFIG environment variable; ValueError saying what is wrong.

    Expected, the same cluster on every machine and its own task on each::

        TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                    "task": {"type": "worker", "index": 0}}'
    """
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ValueError("strategy='multi_worker' reads the machines from the TF_CONFIG "
                         "environment variable, which is not set. Set it on every machine "
                         f"before starting Python, e.g. TF_CONFIG='{TF_CONFIG_EXAMPLE}' "
                         "(with index 0, 1, ... on each).")
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}): {raw!r}. Expected e.g. "
                         f"{TF_CONFIG_EXAMPLE}") from None
    problem = _tf_config_problem(config)
    if problem:
        raise ValueError(f"TF_CONFIG {problem}: {raw!r}. Expected e.g. {TF_CONFIG_EXAMPLE}")
    return config["cluster"]


def _tf_config_problem(config):
    """What is wrong with a parsed TF_CONFIG, or None."""
    if not isinstance(config, dict):
        return "must be a JSON object with 'cluster' and 'task'"
    cluster, task = config.get("cluster"), config.get("task")
    if not isinstance(cluster, dict) or not any(
            isinstance(cluster.get(job), list) and cluster[job] for job in ("chief", "worker")):
        return "needs 'cluster' with a list of 'worker' (and optionally 'chief') addresses"
    if not all(isinstance(address, str) and ":" in address
               for addresses in cluster.values() for address in addresses):
        return "lists addresses that are not 'host:port' strings"
    if not isinstance(task, dict) or task.get("type") not in cluster:
        return f"needs 'task' with a 'type' among the cluster's jobs {sorted(cluster)}"
    index = task.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or not (
            0 <= index < len(cluster[task["type"]])):
        return (f"needs 'task' with an 'index' from 0 to {len(cluster[task['type']]) - 1} "
                f"(this machine's position in cluster['{task['type']}'])")
    return None


def is_multi_worker(strategy):
    """Whether ``strategy`` is a MultiWorkerMirroredStrategy over more than one machine."""
    tf = import_tensorflow()
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    spec = strategy.cluster_resolver.cluster_spec()
    return sum(spec.num_tasks(job) for job in spec.jobs if job in ("chief", "worker")) > 1


def is_first_worker(strategy):
    """Whether this process is the chief (or worker 0 when the cluster has no chief)."""
    resolver = strategy.cluster_resolver
    jobs = resolver.cluster_spec().jobs
    if "chief" in jobs:
        return resolver.task_type == "chief"
    return resolver.task_type == "worker" and resolver.task_id == 0
