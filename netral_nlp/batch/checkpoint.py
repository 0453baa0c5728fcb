"""The checkpoint of a batch run: what has been consumed and what has been committed.

It is a small JSON file next to the output (``OUTPUT.checkpoint.json``), replaced atomically
(written to a temporary name, fsynced, renamed) after the output and errors files have been
fsynced. So at any moment, killed or not, the checkpoint on disk describes a consistent state:
the first ``consumed`` units of each input are exactly the rows in the first ``output_state``
bytes (or parts) of the partial output and ``errors_bytes`` bytes of the partial errors file.
A resumed run cuts both files back to those sizes and skips the consumed units.

>>> cp = Checkpoint.new(settings={"text_key": "text"}, inputs=[Path("posts.jsonl")])  # doctest: +SKIP
>>> cp.save(Path("out.jsonl.checkpoint.json"))                                           # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pydantic

from netral_nlp.errors import InputError
from netral_nlp.tables.files import atomic_write

__all__ = ["Checkpoint", "InputState", "checkpoint_path"]

#: Version of the checkpoint layout; a resumed run refuses another one.
CHECKPOINT_VERSION = 1
#: Largest checkpoint read (a real one is a few KB, one entry per input file).
MAX_CHECKPOINT_BYTES = 16 * 1024 * 1024

_Count = Annotated[int, pydantic.Field(ge=0)]


class _InputStateSchema(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(strict=True, extra="forbid")

    path: str
    size: _Count
    mtime_ns: int
    consumed: _Count = 0
    done: bool = False


class _CheckpointSchema(pydantic.BaseModel):
    """What a checkpoint file must hold: a damaged or edited one is refused, not trusted."""

    model_config = pydantic.ConfigDict(strict=True, extra="forbid")

    settings: dict[str, Any]
    inputs: list[_InputStateSchema]
    output_state: _Count = 0
    errors_bytes: _Count = 0
    rows_read: _Count = 0
    rows_written: _Count = 0
    rows_failed: _Count = 0
    errors_by_code: dict[str, _Count] = {}
    finished: bool = False
    version: int = CHECKPOINT_VERSION

    @pydantic.model_validator(mode="after")
    def _counts_add_up(self) -> _CheckpointSchema:
        if self.rows_read != self.rows_written + self.rows_failed or self.rows_failed != sum(self.errors_by_code.values()):
            raise ValueError("its row counts do not add up")
        return self


def checkpoint_path(output: str | Path) -> Path:
    """Where the checkpoint of a run writing ``output`` lives."""
    output = Path(output)
    return output.with_name(output.name + ".checkpoint.json")


@dataclasses.dataclass
class InputState:
    """One input file: its identity when the run started and how far it has been consumed."""

    path: str
    size: int
    mtime_ns: int
    #: Units (JSONL lines, CSV records, Parquet rows) whose results are committed.
    consumed: int = 0
    #: The whole file has been consumed.
    done: bool = False

    @classmethod
    def of(cls, path: Path) -> InputState:
        st = path.stat()
        return cls(str(path), st.st_size, st.st_mtime_ns)

    def changed(self) -> str | None:
        """Why the file is no longer the one the run started on, or None."""
        p = Path(self.path)
        if not p.exists():
            return "it no longer exists"
        st = p.stat()
        if (st.st_size, st.st_mtime_ns) != (self.size, self.mtime_ns):
            return "its size or modification time changed"
        return None


@dataclasses.dataclass
class Checkpoint:
    """Progress of a run; see the module docstring for the guarantees."""

    settings: dict[str, Any]
    inputs: list[InputState]
    output_state: int = 0
    errors_bytes: int = 0
    rows_read: int = 0
    rows_written: int = 0
    rows_failed: int = 0
    errors_by_code: dict[str, int] = dataclasses.field(default_factory=dict)
    #: All rows are committed and the final files are being put in place.
    finished: bool = False
    version: int = CHECKPOINT_VERSION

    @classmethod
    def new(cls, *, settings: dict[str, Any], inputs: Sequence[Path]) -> Checkpoint:
        return cls(settings=settings, inputs=[InputState.of(p) for p in inputs])

    def save(self, path: Path, *, resume_hint: str = "") -> None:
        """Replace the checkpoint atomically and durably."""
        atomic_write(path, json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=1) + "\n", resume_hint=resume_hint)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read a checkpoint, refusing (``E213``) one that is damaged or was edited by hand."""
        try:
            if path.stat().st_size > MAX_CHECKPOINT_BYTES:
                raise ValueError(f"larger than {MAX_CHECKPOINT_BYTES} bytes")
            raw = json.loads(path.read_bytes().decode("utf-8"))
            if isinstance(raw, dict) and raw.get("version") != CHECKPOINT_VERSION:
                raise InputError(
                    f"{path}: checkpoint version {str(raw.get('version'))[:20]} is not {CHECKPOINT_VERSION}; start again with --force",
                    code="E213",
                )
            checked = _CheckpointSchema.model_validate(raw)
        except pydantic.ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(x) for x in err["loc"])
            why = f"field {where!r}: {err['msg']}" if where else err["msg"].removeprefix("Value error, ")
            raise InputError(f"{path}: damaged checkpoint ({why}); start again with --force", code="E213") from None
        except (OSError, ValueError, RecursionError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"{path}: unreadable checkpoint ({type(exc).__name__}); start again with --force", code="E213") from None
        data = checked.model_dump()
        data["inputs"] = [InputState(**i) for i in data["inputs"]]
        return cls(**data)

    def check_resumable(self, settings: dict[str, Any], inputs: Sequence[Path], where: Path) -> None:
        """Raise ``InputError`` (E213) when the run cannot be resumed with these settings."""
        if [i.path for i in self.inputs] != [str(p) for p in inputs]:
            raise InputError(
                f"{where}: the interrupted run read {[i.path for i in self.inputs]}, not {[str(p) for p in inputs]}; resume with the same inputs or start again with --force",
                code="E213",
            )
        diff = sorted(k for k in set(settings) | set(self.settings) if settings.get(k) != self.settings.get(k))
        if diff:
            raise InputError(
                f"{where}: the interrupted run used other settings ({', '.join(diff)}); resume with the same options or start again with --force",
                code="E213",
            )
        for i in self.inputs:
            why = i.changed()
            if why is not None and not i.done and i.consumed == 0 and Path(i.path).exists():
                # Nothing of it was committed: a file replaced since (a damaged .gz fixed) is
                # simply read from its start.
                fresh = InputState.of(Path(i.path))
                i.size, i.mtime_ns = fresh.size, fresh.mtime_ns
                continue
            if why is not None and not i.done:
                raise InputError(
                    f"{where}: cannot resume: input {i.path} is not the file the run started on ({why}); start again with --force",
                    code="E213",
                )

    def count_error(self, code: str) -> None:
        self.rows_failed += 1
        self.errors_by_code[code] = self.errors_by_code.get(code, 0) + 1
