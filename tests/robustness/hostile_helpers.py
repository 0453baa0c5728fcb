"""Constants and small writers shared by the hostile-input tests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: 36 real posts (JSONL) shipped with the project.
SAMPLE_POSTS = REPO / "data" / "samples" / "posts.jsonl"
#: One coded line: ``error: [E215] ...``.
CODED_LINE = re.compile(r"^error: \[(E\d{3})\] \S")


def write_lines(path: Path, lines: Sequence[bytes]) -> Path:
    """Write raw lines (a newline added where missing)."""
    path.write_bytes(b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines))
    return path
