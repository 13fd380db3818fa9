"""Reading a file as untrusted input: bounded zip members, HDF5 files checked before any read.

A file may come from anyone, so every loader (``.keras``, ``.weights.h5``)
reads it through these helpers:

- ``read_zip_member``: a zip member's declared size is checked before it is
  read, against a limit and against its compressed size (a member may not
  unpack to more than ``MAX_COMPRESSION_RATIO`` times what it takes in the
  archive), and the read stops at the limit whatever the header says;
  ``zip_member_file`` reads an uncompressed member in place instead;
- ``open_hdf5``: an HDF5 file is opened read-only and every link and dataset
  in it is checked before a single array is read. HDF5 can make a dataset
  out of bytes of *other* files (external storage, virtual datasets,
  external links), which would let a weights file read any file of the
  machine into a model's weights, or hang on a FIFO; only hard links and
  datasets stored in the file itself (contiguous or chunked, with HDF5's
  built-in filters) are accepted, holding real numbers (bool, int, float of
  at most 8 bytes), each declaring no more bytes than it stores, bar
  compression. ``declared_bytes`` then says how much memory the file's
  arrays can justify;
- ``file_errors_as_value_errors``: whatever a damaged file breaks inside
  zipfile, json or h5py comes out as a ValueError naming the file.
"""

import contextlib
import io
import math
import struct
import zipfile

import numpy as np

from ..utils.lazy import LazyModule

h5py = LazyModule("h5py")  # imported when a weights file is first read

MAX_CONFIG_BYTES = 8 * 2**20  # a config.json larger than this is refused unread
MAX_COMPRESSION_RATIO = 64  # a zip member or an HDF5 dataset may unpack to at most this
SMALL_BYTES = 2**16  # ... times its stored bytes, or to this many bytes if that is more

HDF5_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit",
                6: "scaleoffset", 32000: "lzf"}  # compiled into HDF5 and h5py: no plugins


@contextlib.contextmanager
def file_errors_as_value_errors(filepath):
    """Whatever a damaged file breaks (zip, JSON, HDF5, a config of the wrong types) is a
    ValueError naming the file; ValueErrors pass as they are, and MemoryError is never
    hidden (the size checks must prevent it)."""
    try:
        yield
    except (ValueError, MemoryError):
        raise
    except Exception as error:
        raise ValueError(f"Could not load {filepath}: the file is damaged or is not a Keras "
                         f"file ({type(error).__name__}: {error}).") from error


def read_zip_member(archive, name, filepath, limit=None):
    """The bytes of the zip member ``name`` of ``archive`` (a zipfile.ZipFile): at most
    ``limit`` bytes (if given) and at most MAX_COMPRESSION_RATIO times its compressed
    size, both checked on its declared size before reading and again while reading; its
    CRC is checked on reading."""
    info = archive.getinfo(name)
    limit = _unpacked_limit(info.compress_size) if limit is None else min(
        limit, _unpacked_limit(info.compress_size))
    if info.file_size > limit:
        raise ValueError(f"{filepath}: {name} declares {info.file_size:,} bytes, more than "
                         f"the {limit:,} allowed for it ({info.compress_size:,} bytes in the "
                         "archive).")
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{filepath}: {name} holds more than the {limit:,} bytes allowed.")
    return data


@contextlib.contextmanager
def zip_member_file(archive, file, name, filepath):
    """The zip member ``name`` of ``archive`` (a zipfile.ZipFile reading the binary ``file``)
    as a read-only binary file.

    A member stored uncompressed (as Keras and minikeras store the weights) is
    read in place, through a window onto ``file``, after its CRC has been
    checked piece by piece: loading then holds no copy of it. A compressed
    member is unpacked into memory by ``read_zip_member``.
    """
    info = archive.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        yield io.BytesIO(read_zip_member(archive, name, filepath))
        return
    if info.compress_size != info.file_size:
        raise ValueError(f"{filepath}: {name} is stored uncompressed, but its header gives "
                         f"{info.compress_size:,} bytes in the archive for {info.file_size:,}.")
    with archive.open(info) as member:  # zipfile checks the CRC at the end of the data
        while member.read(2**20):
            pass
    file.seek(info.header_offset)
    header = file.read(30)  # the local file header: its name and extra field come next
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError(f"{filepath}: the local header of {name} is damaged.")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    with _Window(file, start, info.file_size) as window:
        yield window


class _Window(io.RawIOBase):
    """Bytes ``[start, start + size)`` of the binary ``file``, as a read-only file of
    their own (h5py reads an HDF5 file through ``seek`` and ``readinto``)."""

    def __init__(self, file, start, size):
        super().__init__()
        self._file, self._start, self._size, self._position = file, start, size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._position

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError(f"Cannot seek to {base + offset}, before the start of the member.")
        self._position = base + offset
        return self._position

    def readinto(self, buffer):
        count = max(0, min(len(buffer), self._size - self._position))
        self._file.seek(self._start + self._position)
        read = self._file.readinto(memoryview(buffer).cast("B")[:count])
        self._position += read
        return read


def _unpacked_limit(stored_bytes):
    return max(MAX_COMPRESSION_RATIO * stored_bytes, SMALL_BYTES)


@contextlib.contextmanager
def open_hdf5(source, filepath):
    """The HDF5 file ``source`` (a path or a binary file object) as an open, read-only
    h5py.File whose links and datasets all passed ``check_hdf5``."""
    with h5py.File(source, "r") as store:
        check_hdf5(store, filepath)
        yield store


def check_hdf5(store, filepath):
    """Raises ValueError naming the object if ``store`` (an open h5py.File) holds a link
    other than a hard link, or a dataset that ``dataset_problem`` refuses. Reads metadata
    only: no array, no other file."""
    def link_problem(name, link):  # a value other than None ends the visit
        if not isinstance(link, h5py.HardLink):
            target = getattr(link, "filename", None) or getattr(link, "path", "")
            return (f"{name!r} is a {type(link).__name__} (to {target!r}); a weights file may "
                    "hold hard links only.")
        return None

    def object_problem(name, obj):
        if isinstance(obj, h5py.Dataset):
            return dataset_problem(obj, repr(name))
        return None

    problem = store.visititems_links(link_problem) or store.visititems(object_problem)
    if problem:
        raise ValueError(f"{filepath}: {problem}")


def dataset_problem(dataset, name):
    """Why ``dataset`` (called ``name``) cannot be read as weights, or None: it must hold
    real numbers stored in its own file, contiguous or chunked (not external, virtual or
    compact), with built-in filters only, declaring no more bytes than it stores (bar
    compression)."""
    dtype = dataset.dtype
    if dtype.kind not in "biuf" or dtype.itemsize > 8 or dtype.fields or dtype.subdtype:
        return (f"{name} holds values of type {dtype}; weights must be real numbers (bool, "
                "integers or floats of at most 8 bytes).")
    plist = dataset.id.get_create_plist()
    layout = plist.get_layout()
    if layout not in (h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED):
        kind = {h5py.h5d.VIRTUAL: "a virtual dataset (made of other datasets or files)",
                h5py.h5d.COMPACT: "a compact dataset"}.get(layout, f"of layout {layout}")
        return (f"{name} is {kind}; weights must be stored contiguous or chunked in the file "
                "itself.")
    if plist.get_external_count():
        files = [plist.get_external(i)[0] for i in range(plist.get_external_count())]
        return (f"{name} keeps its data in external file(s) {files}; weights must be stored in "
                "the file itself.")
    if layout == h5py.h5d.CHUNKED:
        problem = _chunks_problem(dataset, plist, name)
        if problem:
            return problem
    declared, stored = dataset_bytes(dataset), dataset.id.get_storage_size()
    if declared > _unpacked_limit(stored) or (layout == h5py.h5d.CONTIGUOUS and 0 < stored <
                                              declared):
        return (f"{name} declares {declared:,} bytes of data but stores {stored:,}: the file "
                "is damaged or misleading.")
    return None


def _chunks_problem(dataset, plist, name):
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    unknown = [f for f in filters if f not in HDF5_FILTERS]
    if unknown:
        return (f"{name} needs HDF5 filter(s) {unknown}; only the built-in ones "
                f"{sorted(HDF5_FILTERS.values())} are read.")
    chunk_bytes = math.prod(dataset.chunks) * dataset.dtype.itemsize
    if chunk_bytes > max(dataset_bytes(dataset), SMALL_BYTES):
        return (f"{name} is stored in chunks of {chunk_bytes:,} bytes, more than the "
                f"{dataset_bytes(dataset):,} bytes of the whole array.")
    return None


def dataset_bytes(dataset):
    """The bytes ``dataset`` (an h5py.Dataset) declares: its shape times its item size."""
    return math.prod(dataset.shape or ()) * np.dtype(dataset.dtype).itemsize


def declared_bytes(store):
    """The bytes all datasets of ``store`` (checked by ``check_hdf5``) declare together."""
    sizes = []
    store.visititems(lambda name, obj: sizes.append(dataset_bytes(obj)) if isinstance(
        obj, h5py.Dataset) else None)
    return sum(sizes)
