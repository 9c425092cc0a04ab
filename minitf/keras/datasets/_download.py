"""Download a file once, check its SHA-256, and keep it in a local cache (as ``keras.utils.get_file``).

The cache is ``~/.minitf/datasets`` unless the environment variable ``MINITF_HOME``
names another folder (then ``$MINITF_HOME/datasets``). A download goes to a
``.part`` file that is renamed only once its checksum matches, so a cut
connection or a corrupted transfer never leaves a file that looks complete.
"""

import hashlib
import os
import urllib.error
import urllib.request
import warnings

__all__ = ["cache_dir", "get_file", "sha256_of"]

_CHUNK = 1 << 16


def cache_dir():
    """The folder downloaded data sets are kept in (created if missing)."""
    home = os.environ.get("MINITF_HOME") or os.path.join(os.path.expanduser("~"), ".minitf")
    folder = os.path.join(home, "datasets")
    os.makedirs(folder, exist_ok=True)
    return folder


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def get_file(fname, origin, file_hash, timeout=60):
    """Return the local path of ``fname``, downloading it from ``origin`` if it is not cached yet.

    Args:
        fname: the file's name in the cache (or an absolute path).
        origin: the URL to download it from.
        file_hash: its expected SHA-256, as 64 hex digits.
        timeout: seconds to wait for the server before giving up.

    Raises:
        OSError: the download failed (offline, server unreachable, HTTP error).
        ValueError: the downloaded file's SHA-256 is not ``file_hash`` (the file is deleted).
    """
    path = os.path.join(cache_dir(), fname)
    if os.path.exists(path):
        if sha256_of(path) == file_hash:
            return path
        warnings.warn(f"A local file was found at {path}, but it seems to be incomplete or outdated because its "
                      "sha256 file hash does not match the expected one. Downloading it again.", stacklevel=3)
    partial = path + ".part"
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(origin, timeout=timeout) as response, open(partial, "wb") as out:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as error:
        _remove(partial)
        raise OSError(f"URL fetch failure on {origin}: {error.code} -- {error.reason}\n"
                      "  The server answered but did not send the file.") from None
    except (urllib.error.URLError, OSError) as error:
        _remove(partial)
        reason = getattr(error, "reason", error)
        raise OSError(f"URL fetch failure on {origin}: {reason}\n"
                      f"  Could not download {os.path.basename(path)}: are you offline? Connect and retry, or copy "
                      f"the file to {path} by hand.") from None
    if digest.hexdigest() != file_hash:
        _remove(partial)
        raise ValueError(f"Incomplete or corrupted file detected. The sha256 file hash of {origin} does not match "
                         f"the provided value of {file_hash} (got {digest.hexdigest()}). The file was deleted; "
                         "retry the download.")
    os.replace(partial, path)
    return path
