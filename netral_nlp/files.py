"""File safety shared by every command: an input is never an output or one of its working files,
an output folder must exist, and a failed write is one coded error rather than a traceback.

>>> refuse_overlap(["posts.jsonl"], {"output": "posts.jsonl"})   # doctest: +SKIP
Traceback (most recent call last):
netral_nlp.errors.InputError: [E215] posts.jsonl is also the output (posts.jsonl); ...
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from netral_nlp.errors import InputError, NetralError, OutputError

__all__ = ["check_gzip", "check_output_folder", "output_error", "refuse_overlap", "same_or_inside", "writing"]

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
