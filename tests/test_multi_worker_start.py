"""Starting the Keras bridge: clear refusals before TensorFlow, and a multi-worker start that
says what it waits for, gives up in time and stops on SIGTERM or Ctrl-C.

Each test runs a child Python process (on the loopback interface only): one
worker of a two-worker cluster whose other worker never starts.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_TIMEOUT_S = 120


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def two_worker_config(index=0):
    ports = [free_port(), free_port()]
    return {"cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
            "task": {"type": "worker", "index": index}}


def start_child(code, tf_config=None):
    environment = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    environment.update(PYTHONPATH=REPOSITORY, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    for name in ("TPU_NAME", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS", "TPU_CONFIG", "COLAB_TPU_ADDR"):
        environment.pop(name, None)
    if tf_config is not None:
        environment["TF_CONFIG"] = json.dumps(tf_config) if isinstance(tf_config, dict) else (
            tf_config)
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=environment,
                            cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def run_child(code, tf_config=None):
    child = start_child(code, tf_config)
    output, _ = child.communicate(timeout=CHILD_TIMEOUT_S)
    return child.returncode, output


REFUSE = """
    import sys
    from minikeras.keras_bridge import get_strategy
    try:
        get_strategy({strategy!r})
    except Exception as error:
        print(type(error).__name__, error)
    print("tensorflow imported:", "tensorflow" in sys.modules)
"""


@pytest.mark.parametrize(("strategy", "tf_config", "message"), [
    ("gpu", None, r"ValueError Unknown strategy 'gpu'"),
    ("tpu", None, r"RuntimeError strategy='tpu': no TPU found"),
    ("multi_worker", None, r"ValueError .*TF_CONFIG environment variable, which is not set"),
    ("multi_worker", "{cluster", r"ValueError TF_CONFIG is not valid JSON"),
    ("multi_worker", {"cluster": {"worker": ["127.0.0.1:99999", "127.0.0.1:1"]},
                      "task": {"type": "worker", "index": 0}},
     r"ValueError TF_CONFIG gives worker 0 the address '127.0.0.1:99999', which is not "),
])
def test_refusals_that_need_no_tensorflow_come_before_it_is_imported(strategy, tf_config,
                                                                     message):
    returncode, output = run_child(REFUSE.format(strategy=strategy), tf_config)
    assert returncode == 0, output
    assert re.search(message, output), output
    assert output.splitlines()[-1] == "tensorflow imported: False"


def test_fit_keras_refuses_an_unknown_strategy_before_importing_tensorflow():
    returncode, output = run_child("""
        import sys
        import numpy as np
        import minikeras as keras
        from minikeras.keras_bridge import fit_keras
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        try:
            fit_keras(model, np.ones((4, 2)), np.ones((4, 1)), strategy="gpus")
        except ValueError as error:
            print("ValueError", error)
        print("tensorflow imported:", "tensorflow" in sys.modules)
    """)
    assert returncode == 0, output
    assert "ValueError Unknown strategy 'gpus'" in output
    assert output.splitlines()[-1] == "tensorflow imported: False"


WAIT = """
    import sys
    from minikeras.keras_bridge import get_strategy
    try:
        get_strategy("multi_worker", worker_timeout={timeout})
    except TimeoutError as error:
        print("TimeoutError", error)
    print("tensorflow imported:", "tensorflow" in sys.modules)
"""


def test_a_worker_whose_peer_never_starts_says_so_and_gives_up_after_its_timeout():
    config = two_worker_config(index=0)
    missing = config["cluster"]["worker"][1]
    started = time.monotonic()
    returncode, output = run_child(WAIT.format(timeout=2), config)
    assert returncode == 0, output
    assert time.monotonic() - started < CHILD_TIMEOUT_S
    assert output.splitlines().count(f"waiting for worker 1 at {missing}") == 1, output
    assert f"TimeoutError strategy='multi_worker': gave up after 2 s waiting for worker 1 at " \
           f"{missing}" in output
    assert output.splitlines()[-1] == "tensorflow imported: False"


def wait_for_line(child, text):
    """Reads the child's output until a line holding ``text``; returns what it read."""
    lines = []
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    for line in child.stdout:
        lines.append(line)
        if text in line or time.monotonic() > deadline:
            break
    return "".join(lines)


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_waiting_worker_stops_on_sigterm_and_on_ctrl_c(signal_number):
    child = start_child(WAIT.format(timeout=600), two_worker_config(index=1))
    try:
        output = wait_for_line(child, "waiting for worker 0 at 127.0.0.1:")
        assert "waiting for worker 0" in output, output
        child.send_signal(signal_number)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal_number


def test_a_worker_stops_on_sigterm_once_tensorflow_has_its_strategy():
    # TensorFlow's multi-worker runtime catches SIGTERM, so the process no longer stopped.
    config = {"cluster": {"worker": [f"127.0.0.1:{free_port()}"]},
              "task": {"type": "worker", "index": 0}}
    child = start_child("""
        import time
        from minikeras.keras_bridge import get_strategy
        get_strategy("multi_worker")
        print("strategy made", flush=True)
        time.sleep(120)
    """, config)
    try:
        output = wait_for_line(child, "strategy made")
        assert "strategy made" in output, output
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGTERM
