"""Finding dataset files and reading them as untrusted input.

Reading never runs code from a file and never allocates more than the dataset
is known to hold:

- an ``.npz`` member's header (shape and dtype) is checked against the array
  the dataset should hold, and against the size the archive declares for it,
  before its data is read;
- pickles (CIFAR's batches, the ragged sequences of IMDB and Reuters) go
  through ``SafeUnpickler``, which builds plain containers and NumPy arrays
  and refuses everything else;
- an IDX file is read only as far as its header declares, a chunk at a time.
"""

import gzip
import math
import os
import pickle
import zipfile
import zlib
from typing import NamedTuple

import numpy as np

from ..utils.file_utils import get_file

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
UINT8 = (np.uint8,)
INTEGERS = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
FLOATS = (np.float16, np.float32, np.float64)
OBJECTS = (np.object_,)
CHUNK_SIZE = 1 << 20  # bytes read at a time from a stream


def dataset_file(path, origin, file_hash):
    """``path`` itself when it is absolute, else ``get_file(path, origin, file_hash)``:
    looked for in $MINIKERAS_DATA, Keras's cache and minikeras's, downloaded if in none."""
    if os.path.isabs(os.fspath(path)):
        return os.fspath(path)
    return get_file(path, origin=origin, file_hash=file_hash)


class ArraySpec(NamedTuple):
    """What one array of a dataset file must be.

    shape: its exact shape.
    dtypes: the dtypes it may have (byte order aside).
    max_bytes: for an array of Python objects (stored as a pickle), the most
        bytes its pickle may take.
    """

    shape: tuple
    dtypes: tuple
    max_bytes: int = 0


def check_array(name, shape, dtype, spec, source, what):
    """ValueError unless ``shape`` and ``dtype`` (an array's, or a header's) meet ``spec``."""
    allowed = [np.dtype(d) for d in spec.dtypes]
    if tuple(shape) != tuple(spec.shape) or np.dtype(dtype).newbyteorder("=") not in allowed:
        expected = " or ".join(d.name for d in allowed)
        raise ValueError(
            f"{source} is not a valid {what}: {name} is {np.dtype(dtype).name} of shape "
            f"{tuple(shape)}, expected {expected} of shape {tuple(spec.shape)}.")


def check_arrays(arrays, specs, source, what):
    """ValueError unless the dict ``arrays`` holds each array ``specs`` names, as specified."""
    check_names(arrays, specs, source, what)
    for name, spec in specs.items():
        check_array(name, arrays[name].shape, arrays[name].dtype, spec, source, what)


def check_names(present, required, source, what):
    """ValueError naming the entries of ``required`` that are not among ``present``."""
    missing = [name for name in required if name not in present]
    if missing:
        raise ValueError(f"{source} is not a valid {what}: it has no {', '.join(missing)} "
                         f"(expected {', '.join(required)}).")


def check_labels(name, labels, num_classes, source, what):
    """ValueError unless the integer ``labels`` are 0 to ``num_classes - 1``."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels.max() if labels.max() >= num_classes else labels.min()
        raise ValueError(f"{source} is not a valid {what}: {name} holds the label {bad}, "
                         f"expected labels 0 to {num_classes - 1}.")


def read_npz(file, specs, what):
    """The arrays ``specs`` names (name -> ArraySpec) from the .npz ``file``, each checked.

    Each member's header is checked before its data is read, so a small file
    declaring a huge array costs nothing; numeric arrays are read with
    pickling off, object arrays through ``SafeUnpickler``.
    Raises ValueError naming the file and what is wrong with it.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            members = {info.filename[: -len(".npy")]: info for info in archive.infolist()
                       if info.filename.endswith(".npy")}
            check_names(members, specs, file, what)
            return {name: _read_member(archive, members[name], name, spec, file, what)
                    for name, spec in specs.items()}
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        # not a zip archive, a cut-off or corrupted one, compressed or encrypted unreadably
        raise ValueError(f"{file} is not a valid {what}: {error}") from error


def _read_member(archive, info, name, spec, file, what):
    """One checked array from the .npy member ``info`` of ``archive``."""
    with archive.open(info) as stream:
        try:
            shape, fortran_order, dtype = _npy_header(stream)
        except ValueError as error:  # not .npy, or a header NumPy cannot parse
            raise ValueError(f"{file} is not a valid {what}: {name}: {error}") from error
        header_size = stream.tell()
        check_array(name, shape, dtype, spec, file, what)
        if dtype.hasobject:
            if info.file_size - header_size > spec.max_bytes:
                raise ValueError(
                    f"{file} is not a valid {what}: the pickle of {name} takes "
                    f"{info.file_size - header_size:,} bytes, more than the at most "
                    f"{spec.max_bytes:,} this dataset's needs.")
            array = SafeUnpickler(stream).load_checked(f"{file} ({name})", what)
            if not isinstance(array, np.ndarray):
                raise ValueError(f"{file} is not a valid {what}: {name} holds a "
                                 f"{type(array).__name__}, not an array.")
            check_array(name, array.shape, array.dtype, spec, file, what)
            return array
        data_size = math.prod(shape) * dtype.itemsize
        if info.file_size != header_size + data_size:
            raise ValueError(
                f"{file} is not a valid {what}: {name} declares {dtype.name} of shape {shape} "
                f"({data_size:,} bytes), but the archive holds "
                f"{info.file_size - header_size:,} bytes for it.")
        array = np.empty(shape, dtype, order="F" if fortran_order else "C")
        _read_into(stream, array.ravel(order="K").view(np.uint8))
    return array


def _read_into(stream, buffer):
    """Fills the uint8 array ``buffer`` from ``stream``, a chunk at a time."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(view):
        count = stream.readinto(view[filled:filled + CHUNK_SIZE])
        if not count:
            raise EOFError(f"the data ends after {filled:,} of {len(view):,} bytes")
        filled += count


def _npy_header(stream):
    """(shape, fortran_order, dtype) from the header of the .npy ``stream``."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version in ((2, 0), (3, 0)):  # 3.0 differs from 2.0 only in the header's text encoding
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f"unsupported .npy format version {version}")


def _read_up_to(stream, size):
    """At most ``size`` bytes of ``stream``, read a chunk at a time (memory follows the data
    that is there, not the size a header claims)."""
    chunks = []
    while size > 0:
        chunk = stream.read(min(size, CHUNK_SIZE))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# -- pickles --------------------------------------------------------------------------


class _NdarrayClass:
    """What ``numpy.ndarray`` means inside a dataset pickle: only the class argument of
    ``_reconstruct``; calling it to make an array of a size the pickle chose is refused."""

    def __init__(self, *args, **kwargs):
        raise ValueError("a pickle may build a NumPy array only through numpy's own "
                         "_reconstruct + __setstate__ steps")


def _empty_array(subtype, shape, dtype):
    """numpy's ``_reconstruct``, for what NumPy's pickles ask of it: an empty array that the
    pickle's state (shape, dtype, data) then fills, checked by ``ndarray.__setstate__``."""
    if subtype is not _NdarrayClass or tuple(shape) != (0,):
        raise ValueError(f"_reconstruct({subtype!r}, {shape!r}) is not what NumPy writes")
    return np.ndarray((0,), dtype)


_ALLOWED = {
    ("numpy", "ndarray"): _NdarrayClass,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _empty_array,  # written by NumPy < 2
    ("numpy._core.multiarray", "_reconstruct"): _empty_array,  # written by NumPy >= 2
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds plain containers (dict, list, tuple, str, bytes, numbers)
    and NumPy arrays, nothing else: any other class or function a pickle names is
    refused with a ValueError, so a file cannot run code.

    ``encoding="bytes"`` reads Python 2 pickles (CIFAR's) with their strings as bytes.
    """

    def __init__(self, stream, encoding="ASCII"):
        super().__init__(stream, encoding=encoding)

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise ValueError(f"it names {module}.{name}, and a dataset pickle may name only "
                             "numpy.ndarray, numpy.dtype and numpy's _reconstruct") from None

    def load_checked(self, source, what):
        """``load()``, with any failure a ValueError saying ``source`` is not a valid ``what``."""
        try:
            return self.load()
        except MemoryError as error:
            raise ValueError(f"{source} is not a valid {what}: it declares more data than "
                             "fits in memory (a damaged or misleading file)") from error
        except (pickle.UnpicklingError, ValueError, TypeError, EOFError, AttributeError,
                IndexError, KeyError, OverflowError) as error:
            raise ValueError(f"{source} is not a valid {what}: {error}") from error


def load_pickle(path, what, encoding="bytes"):
    """The object pickled in the file ``path``, read by ``SafeUnpickler`` (ValueError if it
    names anything but containers and NumPy arrays, or is damaged)."""
    with open(path, "rb") as stream:
        return SafeUnpickler(stream, encoding=encoding).load_checked(path, what)


# -- IDX files (MNIST's and Fashion-MNIST's original format) ---------------------------

# IDX's third magic byte names the element type, stored big-endian.
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_idx(path, shape=None):
    """One array from an IDX file (gzipped or not), as MNIST and Fashion-MNIST ship them.

    An IDX file is a 4-byte magic number (0, 0, a type code, the number of
    dimensions n), n big-endian uint32 sizes, then the elements, big-endian,
    in C order. ``train-images-idx3-ubyte.gz`` gives uint8 (60000, 28, 28),
    ``train-labels-idx1-ubyte.gz`` uint8 (60000,).
    shape: if given, the shape the header must declare (checked before the
        data is read).
    Returns the array in native byte order. Raises ValueError for a file that
    is not IDX, declares another shape, is truncated, or has bytes left over.
    """
    with open(path, "rb") as file:
        gzipped = file.read(2) == b"\x1f\x8b"  # gzip's magic number
        file.seek(0)
        if not gzipped:
            return _read_idx(file, path, shape)
        try:
            with gzip.GzipFile(fileobj=file) as stream:
                return _read_idx(stream, path, shape)
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:  # cut-off or corrupted
            raise ValueError(f"{path} is not a readable gzip file: {error}") from error


def _read_idx(stream, path, expected_shape):
    magic = stream.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
        raise ValueError(
            f"{path} is not an IDX file: it starts with {magic.hex() or 'nothing'}, "
            "expected the magic number 0x0000 followed by a type code and a rank.")
    type_code, rank = magic[2], magic[3]
    if type_code not in IDX_DTYPES:
        raise ValueError(
            f"{path}: unknown IDX type code {type_code:#04x}, expected one of "
            f"{', '.join(f'{code:#04x}' for code in IDX_DTYPES)}.")
    sizes = stream.read(4 * rank)
    header_size = 4 + 4 * rank
    if len(sizes) < 4 * rank:
        raise ValueError(f"{path} is truncated: its header needs {header_size} bytes, "
                         f"the file has {4 + len(sizes)}.")
    shape = tuple(int(n) for n in np.frombuffer(sizes, ">u4"))
    if expected_shape is not None and shape != tuple(expected_shape):
        raise ValueError(f"{path} declares an array of shape {shape}, expected "
                         f"{tuple(expected_shape)}.")
    dtype = IDX_DTYPES[type_code]
    data_size = math.prod(shape) * dtype.itemsize
    data = _read_up_to(stream, data_size)
    if len(data) < data_size:
        raise ValueError(
            f"{path} is truncated: a {dtype.name} array of shape {shape} needs "
            f"{header_size + data_size} bytes, the file has {header_size + len(data)}.")
    if stream.read(1):
        raise ValueError(f"{path} has bytes left over after its {dtype.name} array of "
                         f"shape {shape} ({header_size + data_size} bytes).")
    return np.frombuffer(data, dtype).reshape(shape).astype(dtype.newbyteorder("="))
