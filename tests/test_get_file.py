"""utils.get_file: where it looks, the checked download, the offline error, safe extraction.

No test touches the network: ``urlopen`` is a stand-in serving bytes from memory.
"""

import hashlib
import io
import os
import pathlib
import tarfile
import urllib.error
import urllib.request

import pytest
from test_fuzz_files import archive  # a .zip of {name: bytes}, in memory

import minikeras as keras
from minikeras.testing.dataset_files import write_tar_gz
from minikeras.utils import file_utils

ORIGIN = "https://example.invalid/files/data.bin"
PAYLOAD = b"some bytes worth caching\n" * 100


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path):
    """A fresh home and no data variables (conftest.py keeps the network out)."""
    for name in ("MINIKERAS_DATA", "MINIKERAS_HOME", "KERAS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def serve(monkeypatch, payload=None, error=None):
    """Makes urlopen return ``payload`` or raise ``error``; returns the URLs it was asked."""
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append(url)
        assert timeout == file_utils.DOWNLOAD_TIMEOUT
        if error is not None:
            raise error
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    return calls


def put(path, content=PAYLOAD):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return str(path)


def sha256(content):
    return hashlib.sha256(content).hexdigest()


def test_download_lands_in_minikeras_cache_and_is_reused(monkeypatch, home):
    calls = serve(monkeypatch, PAYLOAD)
    path = keras.utils.get_file("data.bin", ORIGIN, file_hash=sha256(PAYLOAD))
    assert path == str(home / ".minikeras" / "datasets" / "data.bin")
    assert calls == [ORIGIN]
    assert os.listdir(home / ".minikeras" / "datasets") == ["data.bin"]  # no temporary left
    serve(monkeypatch, error=AssertionError("the cached copy should be used now"))
    assert keras.utils.get_file("data.bin", ORIGIN, file_hash=sha256(PAYLOAD)) == path


def test_name_comes_from_the_origin_when_not_given(monkeypatch, home):
    serve(monkeypatch, PAYLOAD)
    assert keras.utils.get_file(origin=ORIGIN + "?x=1").endswith(
        os.path.join("datasets", "data.bin"))


@pytest.mark.parametrize("kwargs", [
    {"file_hash": hashlib.md5(PAYLOAD).hexdigest()},
    {"md5_hash": hashlib.md5(PAYLOAD).hexdigest()},
    {"file_hash": hashlib.md5(PAYLOAD).hexdigest(), "hash_algorithm": "md5"},
    {"file_hash": sha256(PAYLOAD), "hash_algorithm": "sha256"},
])
def test_md5_and_sha256_hashes_are_both_checked(monkeypatch, kwargs):
    serve(monkeypatch, PAYLOAD)
    path = keras.utils.get_file("data.bin", ORIGIN, **kwargs)
    assert pathlib.Path(path).read_bytes() == PAYLOAD


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"file_hash": "0" * 64}, "has SHA-256 .* expected 0000"),
    ({"md5_hash": "0" * 32}, "has MD5 .* expected 0000"),
])
def test_hash_mismatch_raises_and_saves_nothing(monkeypatch, home, kwargs, message):
    serve(monkeypatch, PAYLOAD)
    with pytest.raises(ValueError, match=message):
        keras.utils.get_file("data.bin", ORIGIN, **kwargs)
    assert os.listdir(home / ".minikeras" / "datasets") == []


def test_keras_cache_is_used_before_downloading(home):
    keras_copy = put(home / ".keras" / "datasets" / "data.bin")
    assert keras.utils.get_file("data.bin", ORIGIN, file_hash=sha256(PAYLOAD)) == keras_copy


def test_cached_file_with_another_hash_is_downloaded_again(monkeypatch, home, capsys):
    put(home / ".keras" / "datasets" / "data.bin", b"cut off")
    calls = serve(monkeypatch, PAYLOAD)
    path = keras.utils.get_file("data.bin", ORIGIN, file_hash=sha256(PAYLOAD))
    assert calls == [ORIGIN]
    assert path == str(home / ".minikeras" / "datasets" / "data.bin")
    assert "does not have the expected sha256 hash" in capsys.readouterr().out


def test_minikeras_data_stands_for_the_datasets_folder(monkeypatch, tmp_path):
    """Files there are the user's own copies: used as they are, whatever their hash."""
    mine = put(tmp_path / "data" / "fashion" / "data.bin", b"my own copy")
    monkeypatch.setenv("MINIKERAS_DATA", str(tmp_path / "data"))
    assert keras.utils.get_file("data.bin", ORIGIN, file_hash="0" * 64,
                                cache_subdir=os.path.join("datasets", "fashion")) == mine
    assert file_utils.cache_folders("models")[0] != str(tmp_path / "data")


def test_cache_dir_is_the_only_place(monkeypatch, home, tmp_path):
    put(home / ".keras" / "datasets" / "data.bin")
    calls = serve(monkeypatch, PAYLOAD)
    path = keras.utils.get_file("data.bin", ORIGIN, cache_dir=tmp_path / "mine")
    assert path == str(tmp_path / "mine" / "datasets" / "data.bin") and calls == [ORIGIN]
    assert file_utils.cache_folders("models", tmp_path) == [str(tmp_path / "models")]


def test_force_download_ignores_the_cache(monkeypatch, home):
    put(home / ".minikeras" / "datasets" / "data.bin", b"old")
    calls = serve(monkeypatch, PAYLOAD)
    path = keras.utils.get_file("data.bin", ORIGIN, force_download=True)
    assert calls == [ORIGIN] and pathlib.Path(path).read_bytes() == PAYLOAD


def test_offline_error_says_where_to_put_the_file(monkeypatch, home):
    serve(monkeypatch, error=urllib.error.URLError("[Errno -3] Temporary failure in name "
                                                   "resolution"))
    with pytest.raises(OSError, match="could not be downloaded") as info:
        keras.utils.get_file("data.bin", ORIGIN)
    message = str(info.value)
    assert str(home / ".keras" / "datasets" / "data.bin") in message
    assert ORIGIN in message and "MINIKERAS_DATA" in message
    assert "Temporary failure in name resolution" in message
    assert os.listdir(home / ".minikeras" / "datasets") == []


def test_cut_off_download_is_an_offline_error(monkeypatch, home):
    class CutOff(io.BytesIO):
        def read(self, size=-1):
            raise TimeoutError("timed out")

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: CutOff())
    with pytest.raises(OSError, match="could not be downloaded.*timed out"):
        keras.utils.get_file("data.bin", ORIGIN)
    assert os.listdir(home / ".minikeras" / "datasets") == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fname": "data.bin"}, "give `origin`"),
    ({"fname": os.path.join("sub", "data.bin"), "origin": ORIGIN}, "a file name, not a path"),
    ({"origin": "https://example.invalid/"}, "cannot tell a file name"),
    ({"fname": "d", "origin": ORIGIN, "hash_algorithm": "sha1"}, "hash_algorithm must be"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.utils.get_file(**kwargs)


# -- extraction --------------------------------------------------------------------------


MEMBERS = {"inner/a.txt": b"alpha", "inner/deeper/b.txt": b"beta"}


def tar_gz_bytes(tmp_path, members=MEMBERS):
    write_tar_gz(tmp_path / "archive.tar.gz", members)
    return (tmp_path / "archive.tar.gz").read_bytes()


def read_tree(folder):
    return {os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/"):
            open(os.path.join(root, name), "rb").read()
            for root, _, names in os.walk(folder) for name in names}


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_extract_names_folders_as_keras_does(monkeypatch, home, tmp_path, kind):
    payload = tar_gz_bytes(tmp_path) if kind == "tar" else archive(MEMBERS)
    serve(monkeypatch, payload)
    folder = keras.utils.get_file("stuff", ORIGIN, extract=True, file_hash=sha256(payload))
    cache = home / ".minikeras" / "datasets"
    assert folder == str(cache / "stuff")
    assert (cache / "stuff_archive").read_bytes() == payload
    assert read_tree(folder) == MEMBERS
    assert sorted(os.listdir(cache)) == ["stuff", "stuff_archive"]  # nothing half-extracted
    serve(monkeypatch, error=AssertionError("the extracted folder should be used now"))
    assert keras.utils.get_file("stuff", ORIGIN, extract=True) == folder


def test_name_with_a_dot_keeps_the_archive_name(monkeypatch, home, tmp_path):
    serve(monkeypatch, tar_gz_bytes(tmp_path))
    folder = keras.utils.get_file("stuff.tar.gz", ORIGIN, extract=True)
    assert folder == str(home / ".minikeras" / "datasets" / "stuff_extracted")
    assert (home / ".minikeras" / "datasets" / "stuff.tar.gz").is_file()
    assert read_tree(folder) == MEMBERS


def test_archive_in_keras_cache_is_extracted_into_minikeras_cache(home, tmp_path):
    put(home / ".keras" / "datasets" / "stuff_archive", tar_gz_bytes(tmp_path))
    folder = keras.utils.get_file("stuff", ORIGIN, untar=True)
    assert folder == str(home / ".minikeras" / "datasets" / "stuff")
    assert read_tree(folder) == MEMBERS


def test_extracted_folder_in_keras_cache_is_used(home):
    put(home / ".keras" / "datasets" / "stuff" / "inner" / "a.txt", b"alpha")
    assert keras.utils.get_file("stuff", ORIGIN, extract=True) == str(
        home / ".keras" / "datasets" / "stuff")


def unsafe_tar(tmp_path, kind):
    path = tmp_path / f"{kind}.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo({"parent": "../escaped.txt", "absolute": "/tmp/escaped.txt",
                                "symlink": "link", "hardlink": "hard"}[kind])
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        elif kind == "hardlink":
            info.type, info.linkname = tarfile.LNKTYPE, "../../outside"
        else:
            info.size = 4
        tar.addfile(info, io.BytesIO(b"evil") if info.size else None)
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["parent", "absolute", "symlink", "hardlink"])
def test_members_outside_the_folder_are_refused(monkeypatch, home, tmp_path, kind):
    serve(monkeypatch, unsafe_tar(tmp_path, kind))
    with pytest.raises(ValueError, match="outside the folder|link or a device"):
        keras.utils.get_file("stuff", ORIGIN, extract=True)
    cache = home / ".minikeras" / "datasets"
    assert sorted(os.listdir(cache)) == ["stuff_archive"]  # no folder, no partial extraction
    assert not (home / ".minikeras" / "escaped.txt").exists()


def test_zip_member_outside_the_folder_is_refused(monkeypatch, home):
    serve(monkeypatch, archive({"../escaped.txt": b"evil"}))
    with pytest.raises(ValueError, match="outside the folder"):
        keras.utils.get_file("stuff", ORIGIN, extract=True)
    assert not (home / ".minikeras" / "escaped.txt").exists()


def test_not_an_archive_is_refused(monkeypatch):
    serve(monkeypatch, PAYLOAD)
    with pytest.raises(ValueError, match="is not a tar or zip archive"):
        keras.utils.get_file("stuff", ORIGIN, extract=True)
    with pytest.raises(ValueError, match="archive_format must be 'auto', 'tar', 'zip'"):
        keras.utils.get_file("stuff", ORIGIN, extract=True, archive_format=None)
