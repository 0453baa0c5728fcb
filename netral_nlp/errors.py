"""Errors with stable codes, so that logs of batch runs can be searched (``[E101] ...``)."""

from __future__ import annotations

__all__ = ["InputError", "NetralError"]


class NetralError(Exception):
    """Base class of the library's own errors. ``code`` is stable across versions."""

    code = "E000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(f"[{self.code}] {message}")


class InputError(NetralError, ValueError):
    """Bad input data: the message names the file, line/row and field where it can."""

    code = "E100"
