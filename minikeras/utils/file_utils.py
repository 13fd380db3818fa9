"""Writing files so that a crash never leaves half of one."""

import contextlib
import os
import tempfile


def atomic_write(filepath, write):
    """Calls ``write(stream)`` on a temporary file beside ``filepath``, then renames it over."""
    folder = os.path.dirname(os.path.abspath(filepath))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-",
                                             suffix=os.path.basename(filepath))
    try:
        with os.fdopen(descriptor, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _file_mode(filepath))  # mkstemp makes it private (0600)
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder):
    """Makes the rename durable: after a power cut the folder names the new file."""
    if not hasattr(os, "O_DIRECTORY"):  # Windows: no directory handles to sync
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync a directory
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _file_mode(filepath):
    """The mode a plain ``open(filepath, "w")`` would give: the old file's, or 0666 - umask."""
    if os.path.exists(filepath):
        return os.stat(filepath).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
