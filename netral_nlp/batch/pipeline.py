"""``predict_file``: classify files of scraped posts, streaming, resumable, on several cores.

The main process reads and validates rows, hands chunks of texts to the predictor (this process,
or worker processes that each load the model), writes results in input order, and every few
thousand rows commits them together with a checkpoint (see :mod:`netral_nlp.batch.checkpoint`).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from netral_nlp.batch.checkpoint import Checkpoint, checkpoint_path
from netral_nlp.batch.readers import Row, RowError, guess_input_format, open_reader
from netral_nlp.batch.workers import DEFAULT_CACHE_SIZE, InlinePredictor, PoolPredictor
from netral_nlp.batch.writers import (
    ErrorWriter,
    ResultWriter,
    build_records,
    error_record,
    guess_output_format,
    open_writer,
    output_columns,
)
from netral_nlp.elections import load_election
from netral_nlp.errors import InputError
from netral_nlp.models import TextClassifier, resolve_model
from netral_nlp.models.validation import check_model_folder, user_election
from netral_nlp.tables.files import check_gzip, check_output_folder, partial_path, refuse_overlap, writing
from netral_nlp.tables.formats import DEFAULT_ENCODING, check_encoding
from netral_nlp.tables.writers import parts_path

__all__ = ["DEFAULT_BATCH_SIZE", "BatchSummary", "default_errors_path", "predict_file"]

logger = logging.getLogger("netral_nlp.batch")

#: Rows per chunk handed to the model (and to a worker).
DEFAULT_BATCH_SIZE = 1024
#: Commit (fsync output, errors and checkpoint) after this many rows...
DEFAULT_CHECKPOINT_ROWS = 16384
#: ... or this many seconds, whichever comes first: at most that much work is redone on resume.
DEFAULT_CHECKPOINT_SECONDS = 10.0
#: Chunks in flight per worker: enough to keep each busy, few enough to keep memory flat.
_IN_FLIGHT_PER_WORKER = 2


@dataclasses.dataclass
class BatchSummary:
    """What a run did. ``rows_read == rows_written + rows_failed`` always holds; the counts cover
    the whole job, across resumed runs, while ``seconds`` and ``rows_this_run`` are this run's."""

    output: Path
    errors_file: Path
    rows_read: int
    rows_written: int
    rows_failed: int
    errors_by_code: dict[str, int]
    seconds: float
    rows_this_run: int
    resumed: bool

    @property
    def rows_per_second(self) -> float:
        """Rows of this run per second of this run."""
        return self.rows_this_run / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.update(output=str(self.output), errors_file=str(self.errors_file), rows_per_second=round(self.rows_per_second, 1))
        return d

    def __str__(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors_by_code.items()))
        failed = f"{self.rows_failed} in errors -> {self.errors_file} ({codes})" if self.rows_failed else "no row failed (no errors file)"
        return (
            f"read {self.rows_read} rows: {self.rows_written} written -> {self.output}, {failed}; "
            f"{self.rows_this_run} rows in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s)"
            + (", resumed" if self.resumed else "")
        )


@dataclasses.dataclass
class _Chunk:
    index: int  # input file
    rows: list[Row]
    errors: list[RowError]
    end: int  # the input's position after this chunk
    last: bool  # the input ends with this chunk


def default_errors_path(output: str | Path) -> Path:
    """``out.jsonl.gz`` -> ``out.errors.jsonl``: the errors file next to the output.

    >>> str(default_errors_path("runs/out.csv.gz"))
    'runs/out.errors.jsonl'
    """
    output = Path(output)
    name = output.name.removesuffix(".gz")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return output.with_name(stem + ".errors.jsonl")


def _working_files(output: Path, errors: Path) -> list[Path]:
    return list(_outputs(output, errors).values())[2:]


def _outputs(output: Path, errors: Path) -> dict[str, Path]:
    """Every file a run writes, deletes or replaces, by role: none may be an input."""
    cp = checkpoint_path(output)
    return {
        "output": output,
        "errors file": errors,
        "checkpoint": cp,
        "partial output": partial_path(output),
        "Parquet parts folder": parts_path(output),
        "partial errors file": partial_path(errors),
        "checkpoint's temporary file": partial_path(cp),
    }


#: Said with a disk-full error: what to do once space is free.
_RESUME_HINT = " with --resume (resume=True): the rows committed so far are kept"


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def predict_file(
    inputs: str | Path | Sequence[str | Path],
    output: str | Path,
    *,
    model: str | Path | TextClassifier | None = None,
    text_key: str = "text",
    id_key: str | None = "id",
    keep: Sequence[str] = (),
    election: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
    format: str | None = None,
    input_format: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    errors_file: str | Path | None = None,
    force: bool = False,
    resume: bool = False,
    cache_size: int = DEFAULT_CACHE_SIZE,
    checkpoint_rows: int = DEFAULT_CHECKPOINT_ROWS,
    checkpoint_seconds: float = DEFAULT_CHECKPOINT_SECONDS,
    show_progress: bool | None = None,
) -> BatchSummary:
    """Classify every post of ``inputs`` (JSONL, CSV or Parquet, plain or ``.gz``) into ``output``.

    Each output row has the input row's ``id``, the ``label``, one ``p_<label>`` probability per
    class, the ``contestants`` mentioned (ballot labels such as ``"02"``, for ``election``, by
    default the model's own; None when there is none) and the ``keep`` columns (a name that is
    already an output column gets an ``input_`` prefix). A row that cannot be used goes to the
    errors file (default ``<output stem>.errors.jsonl``, written only when a row fails) with its line and a coded reason (a row
    too large or nested too deeply included: ``E217``, ``E218``). An input may not be the output,
    the errors file or one of their working files (``E215``); a ``.gz`` input is checked whole
    before its rows are used, and a damaged one stops the run (``E219``) with nothing of it
    committed; a full disk stops it at its last commit (``E220``). See ``docs/batch.md``.

    Parameters
    ----------
    model:
        A model folder, None for the shipped default, or a loaded classifier (``workers=1`` only:
        workers load the model from its folder).
    id_key:
        The id field; None numbers the rows instead (``"posts.jsonl:12"``).
    workers:
        Processes that normalise and classify (``0``: one per core). Output keeps input order.
    format, input_format:
        Output and input formats when the file names do not tell (``jsonl``, ``csv``, ``tsv``, ``parquet``).
    encoding:
        The encoding of the text inputs (UTF-8 unless named; see docs/files.md). A row whose text
        or id does not decode is an ``E208`` error row.
    force, resume:
        An existing output is never overwritten without ``force``. A run that was stopped (Ctrl-C,
        a kill, a crash) leaves a checkpoint; ``resume=True`` finishes it, every input row once.
    cache_size:
        Distinct texts whose results each process remembers (repeated posts are classified once);
        0 turns it off.
    checkpoint_rows, checkpoint_seconds:
        How often results are committed; at most that much work is redone after a kill.
    show_progress:
        A progress bar with rows/s; None shows it only when stderr is a terminal.

    >>> summary = predict_file("posts.jsonl.gz", "predictions.parquet", workers=2)   # doctest: +SKIP
    >>> summary.rows_read == summary.rows_written + summary.rows_failed              # doctest: +SKIP
    True
    """
    paths = [Path(inputs)] if isinstance(inputs, (str, Path)) else [Path(p) for p in inputs]
    if not paths:
        raise InputError("no input file given", code="E215")
    for p in paths:
        guess_input_format(p, input_format)
        if not p.is_file():
            raise InputError(f"{p}: no such file", code="E202")
    output = Path(output)
    fmt, gz = guess_output_format(output, format)
    errors = Path(errors_file) if errors_file is not None else default_errors_path(output)
    # An input that is the output, the errors file or one of their working files (symlinks and
    # hard links included) would be emptied or deleted by the run that reads it.
    outputs = _outputs(output, errors)
    refuse_overlap(paths, outputs)
    refuse_overlap([errors], {k: v for k, v in outputs.items() if k != "errors file"})
    for f in (output, errors):
        check_output_folder(f)
    keep = [k for k in keep if k]
    encoding = check_encoding(encoding)
    if batch_size < 1 or checkpoint_rows < 1 or cache_size < 0 or workers < 0:
        raise InputError("batch_size and checkpoint_rows must be >= 1, workers and cache_size >= 0", code="E215")
    if workers == 0:
        workers = os.cpu_count() or 1
    if workers > 1 and isinstance(model, TextClassifier):
        raise InputError(
            "workers > 1 load the model from its folder: pass the folder (or None for the shipped default), not a loaded model", code="E215"
        )
    return _Run(
        paths, output, errors, fmt=fmt, gz=gz, model=model, text_key=text_key, id_key=id_key or None, keep=keep, election=election,
        batch_size=batch_size, workers=workers, input_format=input_format, encoding=encoding, cache_size=cache_size,
        checkpoint_rows=checkpoint_rows, checkpoint_seconds=checkpoint_seconds,
    ).run(force=force, resume=resume, show_progress=show_progress)  # fmt: skip


class _Run:
    def __init__(self, paths: list[Path], output: Path, errors: Path, **opts: Any) -> None:
        self.paths, self.output, self.errors = paths, output, errors
        self.opts = opts
        self.cp_path = checkpoint_path(output)

    def _preflight(self) -> None:
        """Check every CSV header, Parquet schema and the first rows of every JSON Lines file
        (a text field that none has) before any work (a gzip-compressed Parquet file is checked
        when its turn comes: it must be decompressed first)."""
        o = self.opts
        for p in self.paths:
            kind = guess_input_format(p, o["input_format"])
            if kind in ("csv", "tsv", "jsonl") or (kind == "parquet" and not str(p).lower().endswith(".gz")):
                open_reader(p, fmt=kind, text_key=o["text_key"], id_key=o["id_key"], keep=o["keep"], encoding=o["encoding"]).close()
        model, election = o["model"], o["election"]
        if election is not None:
            load_election(election)
        if not isinstance(model, TextClassifier):
            where, target = resolve_model(model)  # a missing folder: E401 at once
            if where == "folder":
                with user_election(election):
                    check_model_folder(target)

    def _settings(self, labels: list[str], election: str | None, identity: dict[str, Any]) -> dict[str, Any]:
        o = self.opts
        settings = {
            "model": identity,
            "labels": labels,
            "election": election,
            "text_key": o["text_key"],
            "id_key": o["id_key"],
            "keep": o["keep"],
            "format": o["fmt"],
            "gzip": o["gz"],
            "input_format": o["input_format"],
            "encoding": o["encoding"],
            "errors_file": str(self.errors),
        }
        return json.loads(json.dumps(settings, default=str))  # as it reads back from the file

    def run(self, *, force: bool, resume: bool, show_progress: bool | None) -> BatchSummary:
        started = time.perf_counter()
        # The inputs, the model and the election first: an output or errors file left by another
        # run must not hide what is wrong with this one.
        self._preflight()
        existing = self.cp_path.exists()
        if force:
            for f in _working_files(self.output, self.errors):
                _remove(f)
            existing = False
        elif existing and not resume:
            raise InputError(
                f"{self.output}: an interrupted run left {self.cp_path}; pass --resume to finish it or --force to start over", code="E214"
            )
        elif not existing:
            for f in (self.output, self.errors):
                if f.exists():
                    raise InputError(f"{f} exists; pass --force to overwrite it", code="E203")
            if resume:
                logger.info("no checkpoint at %s: starting from the beginning", self.cp_path)
        o = self.opts
        if o["workers"] > 1:
            predictor: InlinePredictor | PoolPredictor = PoolPredictor(
                o["model"], workers=o["workers"], election=o["election"], cache_size=o["cache_size"]
            )
        else:
            predictor = InlinePredictor(o["model"], election=o["election"], cache_size=o["cache_size"])
        try:
            settings = self._settings(predictor.labels, predictor.election, predictor.identity)
            if existing:
                cp = Checkpoint.load(self.cp_path)
                cp.check_resumable(settings, self.paths, self.cp_path)
                logger.info("resuming %s: %d rows already done", self.output, cp.rows_read)
            else:
                cp = Checkpoint.new(settings=settings, inputs=self.paths)
            done_before = cp.rows_read
            columns = output_columns(predictor.labels, o["keep"])
            if not cp.finished:
                self._process(cp, predictor, columns, existing=existing, show_progress=show_progress)
            predictor.close()
        except BaseException:
            predictor.terminate()
            raise
        self._finish(cp, columns, predictor.labels)
        return BatchSummary(
            output=self.output,
            errors_file=self.errors,
            rows_read=cp.rows_read,
            rows_written=cp.rows_written,
            rows_failed=cp.rows_failed,
            errors_by_code=dict(sorted(cp.errors_by_code.items())),
            seconds=time.perf_counter() - started,
            rows_this_run=cp.rows_read - done_before,
            resumed=existing,
        )

    def _writers(self, cp: Checkpoint, columns: list[str], labels: list[str], *, existing: bool) -> tuple[ResultWriter, ErrorWriter]:
        with writing(self.output, resume_hint=_RESUME_HINT if existing else ""):
            return self._open_writers(cp, columns, labels, existing=existing)

    def _open_writers(self, cp: Checkpoint, columns: list[str], labels: list[str], *, existing: bool) -> tuple[ResultWriter, ErrorWriter]:
        o = self.opts
        writer = open_writer(
            self.output, fmt=o["fmt"], gz=o["gz"], columns=columns, labels=labels, committed=cp.output_state if existing else None
        )
        try:
            errw = ErrorWriter(self.errors, committed=cp.errors_bytes if existing else None)
        except BaseException:
            writer.close()
            raise
        return writer, errw

    def _chunks(self, cp: Checkpoint) -> Iterator[_Chunk]:
        o = self.opts
        size = o["batch_size"]
        for index, state in enumerate(cp.inputs):
            if state.done:
                continue
            if self.paths[index].name.lower().endswith(".gz"):
                check_gzip(self.paths[index], hint=f"; replace it with a sound copy and run the same command{_RESUME_HINT}")
            with open_reader(
                self.paths[index],
                fmt=o["input_format"],
                text_key=o["text_key"],
                id_key=o["id_key"],
                keep=o["keep"],
                skip=state.consumed,
                tmp_dir=self.output.parent,
                encoding=o["encoding"],
            ) as reader:
                rows: list[Row] = []
                errs: list[RowError] = []
                for position, item in reader:
                    (rows if isinstance(item, Row) else errs).append(item)  # type: ignore[arg-type]
                    if len(rows) >= size or len(errs) >= size:
                        yield _Chunk(index, rows, errs, position, False)
                        rows, errs = [], []
                yield _Chunk(index, rows, errs, reader.position, True)

    def _process(
        self, cp: Checkpoint, predictor: InlinePredictor | PoolPredictor, columns: list[str], *, existing: bool, show_progress: bool | None
    ) -> None:
        from tqdm.auto import tqdm

        o = self.opts
        labels, keep = predictor.labels, o["keep"]
        writer, errw = self._writers(cp, columns, labels, existing=existing)
        if not existing:
            cp.save(self.cp_path)  # from here on, an interrupted run is known and resumable
        if show_progress is None:
            show_progress = sys.stderr.isatty()
        bar = tqdm(
            desc="predict",
            unit=" rows",
            unit_scale=True,
            initial=cp.rows_read,
            disable=not show_progress,
            dynamic_ncols=True,
            file=sys.stderr,
        )
        names = [str(p) for p in self.paths]
        max_pending = 0 if isinstance(predictor, InlinePredictor) else o["workers"] * _IN_FLIGHT_PER_WORKER
        pending: collections.deque[tuple[_Chunk, Any]] = collections.deque()
        last_commit = time.monotonic()

        def commit() -> None:
            nonlocal last_commit
            # Output and errors are fsynced before the checkpoint that counts them is replaced; a
            # full disk stops the run here, and the checkpoint still describes the last commit.
            with writing(self.output, resume_hint=_RESUME_HINT):
                output_state, errors_bytes = writer.commit(), errw.commit()
                cp.output_state, cp.errors_bytes = output_state, errors_bytes
                cp.save(self.cp_path, resume_hint=_RESUME_HINT)
            last_commit = time.monotonic()

        def drain() -> None:
            chunk, future = pending.popleft()
            if chunk.rows:
                s = future.result()
                writer.add(build_records(chunk.rows, s.proba, s.label_index, s.contestants, labels, keep))
            if chunk.errors:
                errw.add([error_record(e, names[chunk.index]) for e in chunk.errors])
                for e in chunk.errors:
                    cp.count_error(e.code)
            n = len(chunk.rows) + len(chunk.errors)
            cp.rows_read += n
            cp.rows_written += len(chunk.rows)
            state = cp.inputs[chunk.index]
            state.consumed, state.done = chunk.end, chunk.last
            if n:
                bar.update(n)
                if chunk.errors:
                    bar.set_postfix(errors=cp.rows_failed, refresh=False)
            if writer.pending + errw.pending >= o["checkpoint_rows"] or time.monotonic() - last_commit >= o["checkpoint_seconds"]:
                commit()

        try:
            for chunk in self._chunks(cp):
                future = predictor.submit([r.text for r in chunk.rows]) if chunk.rows else None
                pending.append((chunk, future))
                while len(pending) > max_pending:
                    drain()
            while pending:
                drain()
            commit()
            cp.finished = True
            cp.save(self.cp_path, resume_hint=_RESUME_HINT)
        finally:
            bar.close()
            writer.close()
            errw.close()

    def _finish(self, cp: Checkpoint, columns: list[str], labels: list[str]) -> None:
        """Put the final files in place; safe to repeat after a kill at any step of it."""
        with writing(self.output, resume_hint=_RESUME_HINT):
            self._put_in_place(cp, columns, labels)

    def _put_in_place(self, cp: Checkpoint, columns: list[str], labels: list[str]) -> None:
        o = self.opts
        out_partial = parts_path(self.output) if o["fmt"] == "parquet" else partial_path(self.output)
        if out_partial.exists() or not self.output.exists():
            open_writer(self.output, fmt=o["fmt"], gz=o["gz"], columns=columns, labels=labels, committed=cp.output_state).finalize()
        if cp.errors_bytes:
            if partial_path(self.errors).exists() or not self.errors.exists():
                ErrorWriter(self.errors, committed=cp.errors_bytes).finalize()
        else:  # no row failed: no errors file, not even an empty one or one of a former run
            partial_path(self.errors).unlink(missing_ok=True)
            self.errors.unlink(missing_ok=True)
        self.cp_path.unlink(missing_ok=True)
