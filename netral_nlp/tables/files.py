"""File safety shared by every command: an input is never an output or one of its working files,
an output folder must exist, a failed write is one coded error rather than a traceback, and an
output appears under its name only whole (:func:`atomic_file`, :func:`publish`).

>>> refuse_overlap(["posts.jsonl"], {"output": "posts.jsonl"})   # doctest: +SKIP
Traceback (most recent call last):
netral_nlp.errors.InputError: [E215] posts.jsonl is also the output (posts.jsonl); ...
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import stat
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Literal, overload

from netral_nlp.errors import InputError, NetralError, OutputError

__all__ = [
    "PARTIAL_SUFFIX",
    "atomic_file",
    "atomic_write",
    "check_gzip",
    "check_output_folder",
    "fsync_dir",
    "output_error",
    "partial_path",
    "publish",
    "readable_by_all",
    "refuse_overlap",
    "same_or_inside",
    "writing",
]

#: Code of an input that is also an output or a working file of one.
E_OVERLAP = "E215"
#: Code of a compressed input whose data is damaged.
E_DAMAGED = "E219"
#: Codes of an output that cannot be written: the device is full, or another reason.
ENO_SPACE_ERRNOS, E_CANNOT_WRITE = "E220", "E221"
#: errno values that mean "the device is full", not "the path is wrong".
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
#: Bytes decompressed at a time while checking a .gz file.
_CHECK_CHUNK = 1024 * 1024
#: Added to an output's name while it is being written: ``out.jsonl.partial`` becomes
#: ``out.jsonl`` only once whole, so a file under its real name is never half written.
PARTIAL_SUFFIX = ".partial"
#: Mode of a new file before the umask: read-write for all, as ``open()`` creates files.
_NEW_FILE_MODE = 0o666


def _resolved(path: Path) -> Path:
    # strict=False: outputs and working files need not exist yet; symlinks on the way are followed.
    return Path(os.path.abspath(path)).resolve(strict=False)


def same_or_inside(path: str | Path, target: str | Path) -> bool:
    """True when ``path`` is ``target`` (after resolving symlinks, or the same file under two
    names: a hard link), or lies inside ``target`` (a working folder such as ``out.parquet.parts``).

    >>> same_or_inside("runs/../runs/out.jsonl", "runs/out.jsonl")
    True
    >>> same_or_inside("out.parquet.parts/part-000000.parquet", "out.parquet.parts")
    True
    >>> same_or_inside("posts.jsonl", "out.jsonl")
    False
    """
    p, t = Path(path), Path(target)
    rp, rt = _resolved(p), _resolved(t)
    if rp == rt or rt in rp.parents:
        return True
    try:
        return p.exists() and t.exists() and os.path.samefile(p, t)
    except OSError:
        return False


def refuse_overlap(inputs: Iterable[str | Path], outputs: Mapping[str, str | Path]) -> None:
    """Raise :class:`~netral_nlp.errors.InputError` (``E215``) when an input is one of the
    ``outputs`` (named by role: ``{"output": ..., "checkpoint": ...}``) or inside one of them.

    Every command calls this before it writes anything, so that no run can overwrite, truncate
    or delete the file it reads (``predict x.jsonl.partial -o x.jsonl`` would otherwise read the
    very file its own writer starts by emptying).

    >>> refuse_overlap(["posts.jsonl"], {"output": "out.jsonl", "partial output": "out.jsonl.partial"})
    >>> refuse_overlap(["out.jsonl.partial"], {"output": "out.jsonl", "partial output": "out.jsonl.partial"})
    Traceback (most recent call last):
    netral_nlp.errors.InputError: [E215] out.jsonl.partial is also the partial output (out.jsonl.partial) of this run, which would overwrite or delete it; read from a copy or write elsewhere
    """
    for inp in inputs:
        for role, out in outputs.items():
            if same_or_inside(inp, out):
                raise InputError(
                    f"{inp} is also the {role} ({out}) of this run, which would overwrite or delete it; "
                    "read from a copy or write elsewhere",
                    code=E_OVERLAP,
                )


def check_output_folder(path: str | Path) -> None:
    """Raise :class:`~netral_nlp.errors.OutputError` (``E221``) when the folder that would hold
    ``path`` does not exist or is not a folder (checked before any work starts).

    >>> check_output_folder("no/such/folder/out.jsonl")   # doctest: +SKIP
    Traceback (most recent call last):
    netral_nlp.errors.OutputError: [E221] no/such/folder/out.jsonl: the folder no/such/folder does not exist; create it first
    """
    folder = Path(path).parent
    if not folder.exists():
        raise OutputError(f"{path}: the folder {folder} does not exist; create it first", code=E_CANNOT_WRITE)
    if not folder.is_dir():
        raise OutputError(f"{path}: {folder} is not a folder", code=E_CANNOT_WRITE)


def output_error(exc: OSError, path: str | Path, *, resume_hint: str = "") -> OutputError:
    """The coded error for an ``OSError`` met while writing ``path``.

    >>> import errno
    >>> print(output_error(OSError(errno.ENOSPC, "No space left on device"), "out.jsonl"))
    [E220] out.jsonl: no space left on the device (disk or quota full); free some space and run the same command again
    >>> output_error(FileNotFoundError(2, "No such file or directory"), "runs/out.jsonl").code
    'E221'
    """
    if exc.errno in NO_SPACE_ERRNOS:
        return OutputError(
            f"{path}: no space left on the device (disk or quota full); free some space and run the same command again{resume_hint}",
            code=ENO_SPACE_ERRNOS,
        )
    return OutputError(f"{path}: cannot write ({exc.strerror or exc})", code=E_CANNOT_WRITE)


@contextlib.contextmanager
def writing(path: str | Path, *, resume_hint: str = "") -> Iterator[None]:
    """Turn an ``OSError`` raised inside the block into a coded :class:`OutputError`
    (``E220`` when the disk or quota is full, ``E221`` otherwise) that names ``path``.

    >>> with writing("report.md"):                   # doctest: +SKIP
    ...     Path("report.md").write_text(text)
    """
    try:
        yield
    except NetralError:  # already coded (a missing input file is also an OSError)
        raise
    except OSError as exc:
        raise output_error(exc, path, resume_hint=resume_hint) from None


def check_gzip(path: str | Path, *, code: str = E_DAMAGED, hint: str = "") -> bool:
    """Decompress a ``.gz`` file once, checking every member's CRC and length, before any of its
    rows is used. Returns True when it is whole, False when it is only cut short (its rows up to
    the cut are sound: a reader reports the cut); raises :class:`~netral_nlp.errors.InputError`
    (``code``) when its data is damaged.

    Deflate data has no checksum per block: bytes overwritten in the middle of a file decode to
    made-up or repeated text without any error, until the CRC at the end of the member says so.
    Reading such a file row by row would use those rows first; checking it whole first means that
    nothing read from a damaged file is ever used.

    >>> check_gzip("posts.jsonl.gz")                                  # doctest: +SKIP
    True
    """
    done = 0
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(_CHECK_CHUNK):
                done += len(chunk)
    except EOFError:
        return False
    except (zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise InputError(
            f"{path}: the compressed data is damaged ({type(exc).__name__}: {exc}; found after {done} decompressed bytes); "
            f"nothing read from this file is used{hint}",
            code=code,
        ) from None
    return True


def partial_path(path: str | Path) -> Path:
    """The name an output has while it is written.

    >>> str(partial_path("runs/out.jsonl"))
    'runs/out.jsonl.partial'
    """
    path = Path(path)
    return path.with_name(path.name + PARTIAL_SUFFIX)


def fsync_dir(path: str | Path) -> None:
    """Make a rename inside folder ``path`` durable (a no-op where folders cannot be fsynced)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not possible on some platforms (Windows); the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(partial: str | Path, final: str | Path) -> None:
    """Give a whole, fsynced file its real name, atomically and durably (the one way every
    output of the library appears: results, errors files, reports, checkpoints)."""
    final = Path(final)
    os.replace(partial, final)
    fsync_dir(final.parent if str(final.parent) else ".")


@overload
def atomic_file(path: str | Path, mode: Literal["wb"] = ..., *, resume_hint: str = ...) -> contextlib.AbstractContextManager[IO[bytes]]: ...
@overload
def atomic_file(path: str | Path, mode: Literal["w"], *, resume_hint: str = ...) -> contextlib.AbstractContextManager[IO[str]]: ...
def atomic_file(
    path: str | Path, mode: str = "wb", *, resume_hint: str = ""
) -> contextlib.AbstractContextManager[IO[bytes]] | contextlib.AbstractContextManager[IO[str]]:
    """Write ``path`` through its partial name: the block writes to ``path.partial``; when it ends
    normally the file is fsynced and renamed to ``path``, and when it raises the partial file is
    removed, so nothing half written is left under any name. Text mode (``"w"``) is UTF-8 with
    no newline translation. An ``OSError`` of opening or finishing the file is one coded error
    (``E220``/``E221``, ending with ``resume_hint``).

    >>> with atomic_file("report.md", "w") as fh:          # doctest: +SKIP
    ...     fh.write(report_text)
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    return _atomic_file(Path(path), mode, resume_hint)  # type: ignore[return-value]


@contextlib.contextmanager
def _atomic_file(path: Path, mode: str, resume_hint: str) -> Iterator[IO[bytes] | IO[str]]:
    partial = partial_path(path)
    with writing(path, resume_hint=resume_hint):
        fh: IO[bytes] | IO[str] = open(partial, mode) if mode == "wb" else open(partial, mode, encoding="utf-8", newline="")  # noqa: SIM115
    try:
        with fh:
            yield fh  # what the block raises is its own (an input error stays one)
            with writing(path, resume_hint=resume_hint):
                fh.flush()
                os.fsync(fh.fileno())
        with writing(path, resume_hint=resume_hint):
            publish(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def atomic_write(path: str | Path, data: str | bytes, *, resume_hint: str = "") -> None:
    """Write ``data`` (text as UTF-8) to ``path`` with :func:`atomic_file`.

    >>> atomic_write("summary.json", summary_text)            # doctest: +SKIP
    """
    with atomic_file(path, "wb", resume_hint=resume_hint) as fh, writing(path, resume_hint=resume_hint):
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def _umask() -> int:
    try:  # Linux says it without changing it
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def readable_by_all(folder: str | Path) -> None:
    """Give the files of ``folder`` the mode a plain ``open()`` gives (0644 under the usual umask
    022): some writers (``safetensors``) create files that only their owner can read, which
    leaves a model saved for a team unreadable by it."""
    mode = _NEW_FILE_MODE & ~_umask()
    for f in Path(folder).iterdir():
        if f.is_file() and not f.is_symlink() and stat.S_IMODE(f.stat().st_mode) != mode:
            os.chmod(f, mode)
