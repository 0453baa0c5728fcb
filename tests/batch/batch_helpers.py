"""Helpers of the batch tests: writers of input files in every format with junk rows mixed in,
and readers of result files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd

#: Junk JSONL lines and the error code each must get (in this order, after the good rows).
JSONL_JUNK: list[tuple[bytes, str]] = [
    (b"{not json at all\n", "E204"),
    (b'{"id": "j-missing"}\n', "E205"),
    (b'{"id": "j-null", "text": null}\n', "E205"),
    (b'{"id": "j-int", "text": 12345}\n', "E207"),
    (b'{"id": "j-empty", "text": "   "}\n', "E206"),
    (b'["a", "list"]\n', "E209"),
    (b'{"id": "j-bytes", "text": "caf\xe9 latin-1"}\n', "E208"),
    (b'{"id": "j-surrogate", "text": "lone \\ud800 escape"}\n', "E208"),
    (b'{"text": "no id here"}\n', "E210"),
    (b'{"id": {"nested": 1}, "text": "dict id"}\n', "E207"),
]


def write_jsonl(path: Path, posts: pd.DataFrame, *, junk: bool = True) -> Path:
    """The posts as JSONL (plain or .gz by the name), then the junk lines of :data:`JSONL_JUNK`."""
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in posts.to_dict("records")]
    if junk:
        lines.append(b"\n")  # a blank line is not a row
        lines.extend(line for line, _ in JSONL_JUNK)
    data = b"".join(lines)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def write_csv(path: Path, posts: pd.DataFrame, *, junk: bool = True) -> Path:
    """The posts as CSV, then junk records: too few fields, an empty text, undecodable bytes."""
    data = posts.to_csv(index=False, lineterminator="\n").encode("utf-8")
    if junk:
        data += b"c-short,only two\n"  # E211: 2 fields, the header has 4
        data += b'c-empty,"",src,x\n'  # E206
        data += b"c-bytes,caf\xe9 latin-1,src,x\n"  # E208
        data += b',"no id",src,x\n'  # E210
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def write_parquet(path: Path, posts: pd.DataFrame, *, junk: bool = True) -> Path:
    """The posts as Parquet (small row groups, so that resuming skips some), then rows with a
    null text and an empty text."""
    df = posts.copy()
    if junk:
        df = pd.concat(
            [
                df,
                pd.DataFrame(
                    [
                        {"id": "p-null", "text": None, "source": "s", "label": "x"},
                        {"id": "p-empty", "text": "", "source": "s", "label": "x"},
                    ]
                ),
            ],
            ignore_index=True,
        )
    target = path.with_name(path.name.removesuffix(".gz"))
    df.to_parquet(target, row_group_size=50, index=False)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(target.read_bytes()))
        target.unlink()
    return path


def read_output(path: Path) -> list[dict[str, Any]]:
    """Rows of a result file of any format, as dicts (contestants as lists)."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".parquet"):
        df = pd.read_parquet(path)
        rows = df.to_dict("records")
        for r in rows:
            r["contestants"] = None if r["contestants"] is None else list(r["contestants"])
        return rows
    if name.endswith(".csv"):
        df = pd.read_csv(path, dtype={"id": str, "contestants": str, "label": str}, keep_default_na=False)
        rows = df.to_dict("records")
        for r in rows:
            r["contestants"] = r["contestants"].split(";") if r["contestants"] else []
        return rows
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [json.loads(line) for line in fh]


def read_errors(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
