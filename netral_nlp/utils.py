"""Small shared helpers."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm  # the plain bar: tqdm.auto needs ipywidgets in notebooks

T = TypeVar("T")
logger = logging.getLogger("netral_nlp")


def progress(items: Iterable[T], *, desc: str, unit: str = "it", total: int | None = None, show: bool | None = None) -> Iterator[T]:
    """Wrap ``items`` in a tqdm bar. ``show=None`` shows it only on a terminal (stderr is a TTY)
    and while the ``netral_nlp`` logger is at INFO or below, so batch logs stay clean."""
    if show is None:
        show = sys.stderr.isatty() and logger.getEffectiveLevel() <= logging.INFO
    if not show:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    yield from tqdm(items, desc=desc, unit=unit, total=total, dynamic_ncols=True)
