"""The README's reading path: the files it names exist, and what it counts is so."""

import inspect
import pathlib
import re

from minikeras.models.trainer import Trainer

ROOT = pathlib.Path(__file__).absolute().parents[1]


def reading_path():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Reading the code to learn backprop")
    return readme[start:readme.index("\n## ", start + 1)]


def test_every_file_on_the_reading_path_exists():
    section = reading_path()
    paths = re.findall(r"`((?:minikeras|examples|tests)/[\w/]+\.py|ops/[\w/]+\.py)`", section)
    assert len(paths) >= 10
    for path in paths:
        full = ROOT / path if not path.startswith("ops/") else ROOT / "minikeras" / path
        assert full.is_file(), path
    assert (ROOT / "CONTRIBUTING.md").is_file()


def test_the_reading_path_counts_the_lines_of_train_step():
    stated = int(re.search(r"`train_step`.*?in (\d+) lines", reading_path(), re.S).group(1))
    lines = len(inspect.getsource(Trainer.train_step).splitlines())
    assert stated == lines, (f"README.md says train_step has {stated} lines; it has {lines}: "
                             "update the README")
