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

Refusals that need no TensorFlow -- an unknown name, no TPU, a missing or
malformed TF_CONFIG, a worker that never comes up -- come before TensorFlow
is imported (which takes seconds). Before handing over to TensorFlow,
"multi_worker" waits, in Python, until every other machine of TF_CONFIG
accepts connections, printing "waiting for worker N at host:port" meanwhile:
TensorFlow's own wait prints nothing at its default log level, never gives
up, and does not stop on SIGTERM or Ctrl-C.
"""

import contextlib
import functools
import glob
import importlib.util
import json
import os
import signal
import socket
import sys
import threading
import time
import warnings

from .convert import import_tensorflow

STRATEGIES = ("auto", "tpu", "mirrored", "multi_worker")

WORKER_TIMEOUT_S = 300.0  # how long "multi_worker" waits for the other machines by default
WORKER_POLL_S = 0.5  # how often it knocks at their ports meanwhile

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


def get_strategy(strategy="auto", worker_timeout=WORKER_TIMEOUT_S):
    """The ``tf.distribute.Strategy`` that ``strategy`` names (see the module docstring).

    worker_timeout: with "multi_worker", how many seconds to wait for every
        other machine of TF_CONFIG to accept connections before giving up.

    Raises ValueError for an unknown name, RuntimeError when no TPU is
    reachable for "tpu", ValueError when TF_CONFIG is missing or malformed for
    "multi_worker", and TimeoutError when a worker does not come up in time.
    """
    if not isinstance(strategy, str) and "tensorflow" not in sys.modules:
        raise _unknown_strategy(strategy)  # a tf.distribute.Strategy needs TensorFlow loaded
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise _unknown_strategy(strategy)
        if strategy == "tpu" and tpu_address() is None:
            raise _no_tpu_error()
        if strategy == "multi_worker":
            return _multi_worker_strategy(worker_timeout)
    tf = import_tensorflow()
    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if not isinstance(strategy, str):
        raise _unknown_strategy(strategy)
    if strategy == "tpu":
        return _tpu_strategy()
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    return _auto_strategy(tf)


def _unknown_strategy(strategy):
    return ValueError(f"Unknown strategy {strategy!r}: expected one of {list(STRATEGIES)} or a "
                      "tf.distribute.Strategy instance.")


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
    address = tpu_address()
    if address is None:
        raise _no_tpu_error()
    tf = import_tensorflow()
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


def _no_tpu_error():
    return RuntimeError(f"strategy='tpu': no TPU found on this machine (no TPU devices or "
                        f"libtpu, and TPU_NAME is not set). {NO_TPU_ADVICE}")


@contextlib.contextmanager
def _socket_timeout(seconds):
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


# -- several machines --------------------------------------------------------------


_MULTI_WORKER = []  # the strategy, once made: collective ops are configured once per process


def _multi_worker_strategy(worker_timeout):
    if _MULTI_WORKER:
        return _MULTI_WORKER[0]
    config = _tf_config()
    wait_for_workers(config["cluster"], config["task"], worker_timeout)
    tf = import_tensorflow()
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as error:
        raise RuntimeError(
            f"strategy='multi_worker' must be set up before TensorFlow runs anything in this "
            f"process ({error}): call fit_keras(..., strategy='multi_worker') or "
            "keras_bridge.get_strategy('multi_worker') before any other TensorFlow work."
        ) from error
    _stop_on_sigterm_again()
    _MULTI_WORKER.append(strategy)
    return strategy


def _stop_on_sigterm_again():
    """TensorFlow's multi-worker runtime catches SIGTERM (to hear of a preemption), so the
    process no longer stops on it: give SIGTERM back to Python's handler (by default, stop).
    Only the main thread can set a handler."""
    if threading.current_thread() is threading.main_thread():
        handler = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, signal.SIG_DFL if handler is None else handler)


def wait_for_workers(cluster, task, timeout=WORKER_TIMEOUT_S):
    """Returns once every other task of ``cluster`` (TF_CONFIG's) accepts TCP connections.

    task: this process's {"type": ..., "index": ...}. Prints "waiting for
    worker N at host:port" for each task not up yet, raises TimeoutError after
    ``timeout`` seconds, ValueError for an address that is not a known
    'host:port'. Meanwhile this task's own port is held open, so that the
    others see it up; it is let go the moment all are, for TensorFlow's server.
    Plain Python, so SIGTERM and Ctrl-C stop it.
    """
    addresses = {(job, index): _host_and_port(job, index, address)
                 for job, members in cluster.items() for index, address in enumerate(members)}
    own = (task["type"], task["index"])
    others = {key: address for key, address in addresses.items() if key != own}
    with _holding_port(cluster[own[0]][own[1]], addresses[own][1]):
        deadline, announced = time.monotonic() + timeout, set()
        while True:
            others = {key: address for key, address in others.items()
                      if not _accepts_connections(address)}
            if not others:
                return
            for job, index in sorted(others.keys() - announced):
                print(f"waiting for {job} {index} at {cluster[job][index]}", flush=True)
            announced |= others.keys()
            if time.monotonic() >= deadline:
                missing = ", ".join(f"{job} {index} at {cluster[job][index]}"
                                    for job, index in sorted(others))
                raise TimeoutError(
                    f"strategy='multi_worker': gave up after {timeout:g} s waiting for {missing}. "
                    "Start the same script there (TF_CONFIG with its own index), check the "
                    "address and that no firewall blocks the port, or wait longer with "
                    "worker_timeout=...")
            time.sleep(WORKER_POLL_S)


def _host_and_port(job, index, address):
    host, _, port = address.rpartition(":")
    host = host.strip("[]")  # an IPv6 address: [::1]:12345
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"TF_CONFIG gives {job} {index} the address {address!r}, which is not "
                         "'host:port' with a port from 1 to 65535.")
    try:
        socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ValueError(f"TF_CONFIG gives {job} {index} the address {address!r}, but the host "
                         f"{host!r} is not known here ({error}).") from None
    return host, int(port)


def _accepts_connections(address):
    try:
        with socket.create_connection(address, timeout=WORKER_POLL_S):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _holding_port(address, port):
    try:
        server = socket.create_server(("", port))  # every interface, as TensorFlow's server
    except OSError as error:
        raise RuntimeError(f"strategy='multi_worker': this machine's address in TF_CONFIG, "
                           f"{address}, cannot be listened on ({error}): is another process "
                           "(an earlier run?) using the port?") from error
    with server:
        yield


def check_tf_config():
    """The cluster in the TF_CONFIG environment variable; ValueError saying what is wrong.

    Expected, the same cluster on every machine and its own task on each::

        TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                    "task": {"type": "worker", "index": 0}}'
    """
    return _tf_config()["cluster"]


def _tf_config():
    """TF_CONFIG, parsed and checked: {"cluster": ..., "task": ...}."""
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
    return config


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
