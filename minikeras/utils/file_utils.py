"""Files: written so that a crash never leaves half of one, and fetched into a cache."""

import contextlib
import hashlib
import os
import shutil
import tempfile
import zipfile


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


# -- get_file: a file from a URL, kept in a cache ---------------------------------------

DOWNLOAD_TIMEOUT = 15  # seconds to connect, and between two received blocks
CHUNK_SIZE = 1 << 20  # bytes read, hashed and written at a time


def keras_home():
    """Keras's folder: ``$KERAS_HOME``, else ``~/.keras`` (tf.keras caches its downloads there)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def minikeras_home():
    """minikeras's folder: ``$MINIKERAS_HOME``, else ``~/.minikeras`` (its downloads go there)."""
    return os.environ.get("MINIKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".minikeras")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The local path of the file at ``origin``, downloaded only when no cache holds it.

    With ``cache_dir=None`` it looks in three places, in this order, and
    downloads into the last one:

    1. ``$MINIKERAS_DATA``, when ``cache_subdir`` is under ``datasets``: a folder
       you fill yourself, laid out as Keras's ``datasets`` folder
       (``cache_subdir="datasets/fashion-mnist"`` is ``$MINIKERAS_DATA/fashion-mnist``);
       its files are used as they are (the dataset loaders check what they read);
    2. Keras's cache, ``~/.keras/<cache_subdir>`` (``$KERAS_HOME``), with Keras's
       file names, so what tf.keras downloaded is reused;
    3. minikeras's cache, ``~/.minikeras/<cache_subdir>`` (``$MINIKERAS_HOME``;
       ``/tmp/.minikeras`` when that cannot be written).

    A cached file whose hash is not ``file_hash`` is skipped (and downloaded
    again), as Keras does. A download is written under a temporary name and
    renamed into place only once its hash matches, so a cut-off or corrupted
    download never looks like a good file.

    fname: the file's name in the cache (default: the last part of ``origin``).
        With ``extract``, a name without a dot names the folder the archive is
        extracted to (the archive is kept as ``<fname>_archive``); ``name.tar.gz``
        is kept as it is and extracted to ``name_extracted``, as Keras names them.
    origin: the URL to download from.
    untar: old spelling of ``extract=True, archive_format="tar"``.
    md5_hash: old spelling of ``file_hash=..., hash_algorithm="md5"``.
    file_hash: the expected SHA-256 or MD5 of the file, as hex digits.
    cache_subdir: the folder under the cache (an absolute path is used as it is).
    hash_algorithm: "sha256", "md5", or "auto" (SHA-256 for 64 hex digits, else MD5).
    extract: extract the downloaded tar or zip archive and return its folder.
        Members that would land outside that folder (absolute paths, ``..``,
        links) are refused with a ValueError; the folder appears only once
        extracted whole.
    archive_format: "auto" (tar, then zip), "tar", "zip", or a list of them.
    cache_dir: the one cache to use instead of the three places above.
    force_download: download even when a cache holds the file.
    Returns the file's path (the extracted folder's with ``extract``).
    Raises ValueError when the download's hash differs, and OSError saying
    where to put the file when it is nowhere and cannot be downloaded.
    """
    if origin is None:
        raise ValueError("get_file: give `origin`, the URL of the file to download.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if untar:
        extract, archive_format = True, "tar"
    algorithm = _hash_algorithm(hash_algorithm, file_hash)
    name, folder_name = _cache_names(fname, origin, extract)
    folders = cache_folders(cache_subdir, cache_dir)
    if extract and not force_download:
        for folder in folders:
            if os.path.isdir(os.path.join(folder, folder_name)):
                return os.path.join(folder, folder_name)
    archive = None
    if not force_download:
        archive = _find_cached(folders, name, file_hash, algorithm,
                               trusted=_data_folder(cache_subdir, cache_dir))
    cache = folders[-1]
    if archive is None:
        archive = os.path.join(_writable(cache, cache_subdir), name)
        what = f"{name} (or the folder {folder_name} extracted from it)" if extract else name
        _download(origin, archive, file_hash, algorithm,
                  _missing_message(what, folders, name, origin, cache_subdir, cache_dir))
    if not extract:
        return archive
    extracted = os.path.join(_writable(cache, cache_subdir), folder_name)
    _extract(archive, extracted, archive_format)
    return extracted


def cache_folders(cache_subdir="datasets", cache_dir=None):
    """The folders ``get_file`` looks in, in order; it downloads into the last one."""
    if cache_dir is not None:
        return [os.path.join(os.path.expanduser(os.fspath(cache_dir)), cache_subdir)]
    folders = [_data_folder(cache_subdir, cache_dir), os.path.join(keras_home(), cache_subdir),
               os.path.join(minikeras_home(), cache_subdir)]
    return list(dict.fromkeys(f for f in folders if f))  # without repeats, in order


def _data_folder(cache_subdir, cache_dir):
    """``cache_subdir``'s place in ``$MINIKERAS_DATA`` (a ``datasets`` folder), or None."""
    if cache_dir is not None or not os.environ.get("MINIKERAS_DATA"):
        return None
    parts = os.path.normpath(cache_subdir).split(os.sep)
    return os.path.join(os.environ["MINIKERAS_DATA"], *parts[1:]) if _is_datasets(parts) else None


def _is_datasets(parts):
    return parts[0] == "datasets"


def hash_file(fpath, algorithm="sha256", chunk_size=CHUNK_SIZE):
    """The hex digest of the file at ``fpath``: "sha256" or "md5", read a chunk at a time."""
    hasher = hashlib.new(algorithm)
    with open(fpath, "rb") as stream:
        for chunk in iter(lambda: stream.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _hash_algorithm(hash_algorithm, file_hash):
    """"sha256" or "md5", as Keras reads ``hash_algorithm="auto"``: 64 hex digits are SHA-256."""
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got "
                         f"{hash_algorithm!r}.")
    if hash_algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    return hash_algorithm


def _cache_names(fname, origin, extract):
    """(the downloaded file's name, the extracted folder's name), as Keras names them."""
    from urllib.parse import urlsplit  # here: importing minikeras imports no urllib

    provided = fname is not None and os.fspath(fname) != ""
    name = os.fspath(fname) if provided else os.path.basename(urlsplit(origin).path)
    if not name:
        raise ValueError(f"get_file: cannot tell a file name from the origin {origin!r}; "
                         "give `fname`.")
    if os.sep in name or (os.altsep and os.altsep in name):
        raise ValueError(f"get_file: fname must be a file name, not a path (got {name!r}); "
                         "give the folder as `cache_dir` or `cache_subdir`.")
    if extract and provided and "." in name:
        return name, name[: name.index(".")] + "_extracted"
    return (f"{name}_archive", name) if extract else (name, None)


def _find_cached(folders, name, file_hash, algorithm, trusted=None):
    """The first ``folder/name`` that exists and has ``file_hash`` (any, in ``trusted``)."""
    for folder in folders:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        if file_hash is None or folder == trusted:
            return path
        if hash_file(path, algorithm) == file_hash.lower():
            return path
        print(f"{path} does not have the expected {algorithm} hash {file_hash} (cut off or "
              "outdated?): it is skipped and the file downloaded again.")
    return None


def _writable(folder, cache_subdir):
    """``folder``, created; ``/tmp/.minikeras/<cache_subdir>`` when it cannot be written
    (as Keras falls back to ``/tmp/.keras``)."""
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    fallback = os.path.join(tempfile.gettempdir(), ".minikeras", cache_subdir)
    os.makedirs(fallback, exist_ok=True)
    return fallback


def _missing_message(what, folders, name, origin, cache_subdir, cache_dir):
    """What to do when ``what`` is in none of ``folders`` and the download failed."""
    places = [os.path.join(folder, name) for folder in folders]
    hint = ""
    if cache_dir is None and _is_datasets(os.path.normpath(cache_subdir).split(os.sep)):
        hint = (" (or set MINIKERAS_DATA to a folder laid out as Keras's datasets "
                "folder that holds it)")
    return (f"{what} is not in any of {folders} and could not be downloaded from {origin}. "
            f"Download that file on a machine with network access and save it as one of "
            f"{places}{hint}.")


def _download(url, target, file_hash, algorithm, offline_message):
    """Downloads ``url`` to ``target`` through a temporary file, checking ``file_hash`` first.

    A hash mismatch raises ValueError and leaves nothing behind; a network
    failure raises OSError with ``offline_message`` (after at most
    ``DOWNLOAD_TIMEOUT`` seconds of silence, not a long hang).
    """
    import http.client
    import urllib.request  # only here: most programs never download anything

    print(f"Downloading data from {url}")
    descriptor, partial = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".",
                                           suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                    digest = _copy_hashing(response, out, algorithm)
            except (OSError, http.client.HTTPException) as error:
                # URLError (no route, DNS), HTTP errors, timeouts, resets, cut-off bodies
                raise OSError(f"{offline_message} ({error})") from error
        if file_hash is not None and digest != file_hash.lower():
            raise ValueError(
                f"The file downloaded from {url} has {_NAMES[algorithm]} {digest}, expected "
                f"{file_hash}: it is corrupted or not the expected file, and was not saved. "
                f"Try again, or put a good copy at {target}.")
        os.chmod(partial, _file_mode(target))
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):  # gone once renamed
            os.remove(partial)


_NAMES = {"sha256": "SHA-256", "md5": "MD5"}


def _copy_hashing(response, out, algorithm):
    """Copies ``response`` to ``out`` a chunk at a time; returns the bytes' hex digest."""
    hasher = hashlib.new(algorithm)
    for chunk in iter(lambda: response.read(CHUNK_SIZE), b""):
        hasher.update(chunk)
        out.write(chunk)
    return hasher.hexdigest()


# -- extracting archives ------------------------------------------------------------------


def _extract(archive, folder, archive_format="auto"):
    """Extracts the tar or zip ``archive`` into ``folder``, which appears only when complete.

    Every member must land inside ``folder``: absolute names, ``..``, links and
    device files are refused with a ValueError before anything is written.
    """
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats or [])
    unknown = [f for f in formats if f not in ("tar", "zip")]
    if unknown or not formats:
        raise ValueError(f"get_file: archive_format must be 'auto', 'tar', 'zip' or a list of "
                         f"them, got {archive_format!r}.")
    import tarfile

    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(archive):
            return _extract_into(folder, lambda tmp: _extract_tar(tarfile, archive, tmp))
        if kind == "zip" and zipfile.is_zipfile(archive):
            return _extract_into(folder, lambda tmp: _extract_zip(archive, tmp))
    raise ValueError(f"get_file: {archive} is not a {' or '.join(formats)} archive, so it "
                     "cannot be extracted.")


def _extract_into(folder, extract):
    """Runs ``extract(temporary_folder)`` beside ``folder``, then renames it to ``folder``."""
    parent = os.path.dirname(folder)
    temporary = tempfile.mkdtemp(dir=parent, prefix=".extracting-")
    try:
        extract(temporary)
        if os.path.isdir(folder):  # force_download: the new content replaces the old
            shutil.rmtree(folder)
        os.replace(temporary, folder)
    finally:
        if os.path.isdir(temporary):
            shutil.rmtree(temporary)


def _extract_tar(tarfile, archive, folder):
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            if not (member.isfile() or member.isdir()):
                raise ValueError(f"{archive}: the member {member.name!r} is a link or a device "
                                 "file; only plain files and folders are extracted.")
            _check_inside(archive, member.name)
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        for member in members:
            tar.extract(member, folder, set_attrs=False, **safe)


def _extract_zip(archive, folder):
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            _check_inside(archive, name)
        zipped.extractall(folder)


def _check_inside(archive, name):
    """ValueError unless the member ``name`` lands inside the folder it is extracted to."""
    normal = os.path.normpath(name)
    if os.path.isabs(name) or normal == ".." or normal.startswith(".." + os.sep):
        raise ValueError(f"{archive}: the member {name!r} would be written outside the folder "
                         "it is extracted to; the archive is refused.")
