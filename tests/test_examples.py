"""The examples run (so they never rot) and print what they promise."""

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def run_example(name, *args):
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def printed_value(output, key):
    lines = [line for line in output.splitlines() if line.startswith(f"{key}=")]
    assert lines, f"the example did not print {key}=..."
    return float(lines[-1].split("=", 1)[1])


def test_backprop_by_hand_agrees_with_autograd():
    assert printed_value(run_example("backprop_by_hand.py"), "max_difference") < 1e-12
