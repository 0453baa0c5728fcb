"""Classifying chunks of texts, in this process or in worker processes.

:class:`Scorer` turns raw texts into probabilities, label indices and contestant mentions.
:class:`ResultCache` remembers the results of recent distinct texts (scraped dumps repeat
themselves: every retweet of a post carries the same ``RT @account: ...`` text).
:class:`InlinePredictor` scores here; :class:`PoolPredictor` sends the texts the cache (kept in the
main process, one for all workers) does not know to worker processes, each of which loads the
model from its folder (nothing is pickled but the texts going out and the arrays coming back),
and hands results back in submission order.

>>> from netral_nlp.models import load_model
>>> scorer = Scorer(load_model(), election="pemilu-2024")                # doctest: +SKIP
>>> scores = scorer(["Dukung Prabowo-Gibran, no urut 2"])               # doctest: +SKIP
>>> scorer.labels[int(scores.label_index[0])], scores.contestants[0]     # doctest: +SKIP
('campaign', ['02'])
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import ctypes
import dataclasses
import multiprocessing as mp
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from netral_nlp.elections import load_election
from netral_nlp.errors import NetralError
from netral_nlp.models import TextClassifier, load_model, resolve_model
from netral_nlp.models.base import decide
from netral_nlp.models.validation import check_model_folder, user_election

__all__ = ["DEFAULT_CACHE_SIZE", "InlinePredictor", "PoolPredictor", "ResultCache", "Scorer", "Scores", "model_identity"]

#: Distinct texts remembered per process (about 50 MB for tweets); 0 turns the cache off.
DEFAULT_CACHE_SIZE = 65536
#: ``prctl`` option of Linux: the signal a process receives when its parent dies.
PR_SET_PDEATHSIG = 1
#: Error code when the worker processes cannot start, load the model or classify.
E_WORKERS = "E222"


@dataclasses.dataclass
class Scores:
    """Results for a list of texts, row for row."""

    proba: np.ndarray  # (n, len(labels)) float
    label_index: np.ndarray  # (n,) int
    contestants: list[list[str] | None]  # None when no election is set


def model_identity(model: TextClassifier) -> dict[str, Any]:
    """What determines a model's output, for the checkpoint: a resumed run must use the same
    (the ``settings`` of its public description, :meth:`TextClassifier.describe`)."""
    settings: dict[str, Any] = model.describe()["settings"]
    return settings


_Entry = tuple[np.ndarray, int, "list[str] | None"]


class ResultCache:
    """Results of the last ``size`` distinct texts, least recently used dropped first.

    >>> cache = ResultCache(2)
    >>> found, todo = cache.split(["a", "b", "a"])
    >>> todo
    ['a', 'b']
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def split(self, texts: Sequence[str]) -> tuple[dict[str, _Entry], list[str]]:
        """``(found, todo)``: cached results of ``texts``, and the distinct texts still to score."""
        entries = self._entries
        found: dict[str, _Entry] = {}
        todo: list[str] = []
        for t in dict.fromkeys(texts):
            hit = entries.pop(t, None)
            if hit is None:
                todo.append(t)
            else:
                found[t] = entries[t] = hit  # re-inserted: the most recently used come last
        return found, todo

    def add(self, texts: Sequence[str], scores: Scores, found: dict[str, _Entry]) -> None:
        """Remember the fresh ``scores`` of ``texts`` (and put them in ``found``)."""
        entries = self._entries
        for t, p, i, c in zip(texts, scores.proba, scores.label_index.tolist(), scores.contestants, strict=True):
            found[t] = entries[t] = (p, i, c)
        while len(entries) > self.size:
            del entries[next(iter(entries))]

    @staticmethod
    def assemble(texts: Sequence[str], found: dict[str, _Entry]) -> Scores:
        rows = [found[t] for t in texts]
        return Scores(np.stack([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=np.int64), [r[2] for r in rows])


class Scorer:
    """Classify raw texts with ``model`` and find the contestants they mention, in one pass.

    ``election`` says whose contestants are reported (None: those of the election the model
    masks, if any). A model trained with contestant masking masks that election's names instead of
    its own; a model trained without masking keeps seeing the names as they are (it never learned
    the role tokens), and the election only drives the ``contestants``. The model is copied, never
    changed.
    """

    def __init__(self, model: TextClassifier, *, election: str | Path | None = None, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        finder = None
        if election is not None:
            config = load_election(election)
            finder = config.matcher
            if model.election is not None:
                model = copy.copy(model)
                model.set_election(election)
        elif model.normalizer.election is not None:
            config = model.normalizer.election
            finder = config.matcher
        self.model = model
        self.labels: list[str] = list(model.labels)
        #: The election whose contestants are reported (None: none).
        self.election: str | None = config.id if finder is not None else None
        self.cache = ResultCache(cache_size) if cache_size > 0 else None
        self._finder = finder

    def compute(self, texts: list[str]) -> Scores:
        """Score every text, without the cache: each text is normalised once, and the contestants
        are found in the same pass (``Normalizer.normalize_and_find``)."""
        if not texts:
            return Scores(np.zeros((0, len(self.labels))), np.zeros(0, dtype=np.int64), [])
        normalizer, finder = self.model.normalizer, self._finder
        normalized: list[str] = []
        cont: list[list[str] | None] = []
        for text in texts:
            out, found = normalizer.normalize_and_find(text, finder)
            normalized.append(out)
            cont.append(found)
        proba = self.model.predict_proba_normalized(normalized, show_progress=False)
        idx = decide(proba, self.labels, self.model.campaign_threshold)
        return Scores(proba, idx, cont)

    def __call__(self, texts: Sequence[str]) -> Scores:
        texts = list(texts)
        if self.cache is None or not texts:
            return self.compute(texts)
        found, todo = self.cache.split(texts)
        if todo:
            fresh = self.compute(todo)
            self.cache.add(todo, fresh, found)
            if len(todo) == len(texts):  # all distinct and new: nothing to assemble
                return fresh
        return ResultCache.assemble(texts, found)


class _Result(Protocol):
    def result(self, timeout: float | None = None) -> Scores: ...


class _Done:
    def __init__(self, value: Scores) -> None:
        self._value = value

    def result(self, timeout: float | None = None) -> Scores:
        return self._value


class _Merged:
    """Cached results of a chunk, completed by a worker's results for the texts not cached."""

    def __init__(self, cache: ResultCache, texts: list[str], found: dict[str, _Entry], todo: list[str], future: Any) -> None:
        self.cache, self.texts, self.found, self.todo, self.future = cache, texts, found, todo, future

    def result(self, timeout: float | None = None) -> Scores:
        if self.future is not None:
            self.cache.add(self.todo, self.future.result(timeout), self.found)
        return ResultCache.assemble(self.texts, self.found)


class InlinePredictor:
    """Scores in this process, at submission."""

    def __init__(self, model: str | Path | TextClassifier | None, *, election: str | Path | None, cache_size: int) -> None:
        with user_election(election):  # a model trained on the user's own election file loads with it
            loaded = model if isinstance(model, TextClassifier) else load_model(model)
        self.scorer = Scorer(loaded, election=election, cache_size=cache_size)
        self.labels = self.scorer.labels
        self.election = self.scorer.election
        self.identity = model_identity(self.scorer.model)

    def submit(self, texts: list[str]) -> _Result:
        return _Done(self.scorer(texts))

    def close(self) -> None:
        pass

    def terminate(self) -> None:
        pass


# --- worker side ---------------------------------------------------------------------------------
_SCORER: Scorer | None = None
_INIT_ERROR: NetralError | None = None


def die_with_parent() -> None:
    """On Linux, have the kernel SIGKILL this process as soon as its parent process dies
    (``prctl(PR_SET_PDEATHSIG)``), whatever the parent died of; elsewhere, nothing.

    The forkserver calls it (it is the parent of the workers, and a child of the main process),
    and so does each worker: a SIGKILL of the main process takes the forkserver and then every
    worker down with it, and no process is left holding the caller's pipes.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc with prctl (an unusual build): the pipe watch remains
        pass


def _watch_main_process() -> None:
    # The pipe that multiprocessing gives every child as its parent's sentinel has one writer,
    # the main process: it reads as closed the moment the main process is gone, even while that
    # process is a zombie (os.kill(pid, 0) still succeeds on a zombie, which left workers behind).
    parent = mp.parent_process()
    if parent is None:
        return
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(1)


def _init_worker(model_path: str, election: str | None, cache_size: int, threads: int) -> None:
    global _SCORER, _INIT_ERROR
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    threading.Thread(target=_watch_main_process, name="netral-watch-main", daemon=True).start()
    try:
        with user_election(election):
            loaded = load_model(model_path)
        _SCORER = Scorer(loaded, election=election, cache_size=cache_size)
        # a transformer: share the cores between the workers (torch, and ONNX Runtime for int8)
        if hasattr(loaded, "threads"):
            loaded.threads = threads
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
    except NetralError as exc:  # reported by the first task, with its code
        _INIT_ERROR = exc
    except Exception as exc:
        _INIT_ERROR = NetralError(f"a worker could not load the model {model_path} ({type(exc).__name__}: {exc})", code=E_WORKERS)


def _scorer() -> Scorer:
    if _SCORER is None:
        raise _INIT_ERROR or NetralError("a worker has no model", code=E_WORKERS)
    return _SCORER


def _worker_info() -> tuple[list[str], str | None, dict[str, Any]]:
    s = _scorer()
    return s.labels, s.election, model_identity(s.model)


def _worker_score(texts: list[str]) -> Scores:
    try:
        return _scorer()(texts)
    except NetralError:
        raise
    except Exception as exc:  # sent back pickled: a coded error with the cause, not a bare traceback
        raise NetralError(f"a worker failed while classifying ({type(exc).__name__}: {exc})", code=E_WORKERS) from None


def _context() -> Any:
    # forkserver: workers start from a clean process (no inherited threads or open files) but
    # much faster than spawn; spawn where there is no forkserver (Windows).
    methods = mp.get_all_start_methods()
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


class PoolPredictor:
    """``workers`` processes, each with its own model loaded from ``model`` (a folder or None for
    the shipped default). Results come back through futures, consumed in submission order."""

    def __init__(self, model: str | Path | None, *, workers: int, election: str | Path | None, cache_size: int) -> None:
        path = str(resolve_model(model)[1])  # a shipped name or None: its folder, also in the workers
        # Checked here first: a bad folder or election is one coded error, before any process starts.
        if Path(path).is_dir():
            with user_election(election):
                check_model_folder(path)
        if election is not None:
            load_election(election)
        threads = max(1, (os.cpu_count() or 1) // workers)
        ctx = _context()
        if ctx.get_start_method() == "forkserver":
            # The forkserver imports these when it starts: the second one ties its life to ours.
            ctx.set_forkserver_preload(["netral_nlp.batch.workers", "netral_nlp.batch._forkserver"])
        self._pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(path, None if election is None else str(election), 0, threads),
        )
        self.cache = ResultCache(cache_size) if cache_size > 0 else None
        try:
            # One task per worker at once: the executor starts its processes on demand, so this
            # starts them all now, loading their models in parallel, rather than one by one later.
            infos = [self._pool.submit(_worker_info) for _ in range(workers)]
            self.labels, self.election, self.identity = infos[0].result()
            for info in infos[1:]:
                info.result()
        except cf.process.BrokenProcessPool:
            self.terminate()
            raise NetralError(
                "the worker processes could not start. Python starts them by importing the main module again: "
                "in a script, call predict_file under `if __name__ == '__main__':`, and do not run it from standard input",
                code=E_WORKERS,
            ) from None
        except NetralError:
            self.terminate()
            raise
        except BaseException:
            self.terminate()
            raise

    def submit(self, texts: list[str]) -> _Result:
        if self.cache is None:
            return self._pool.submit(_worker_score, texts)
        # The cache lives here, in the main process: one cache for all workers, and texts seen
        # before never travel to a worker.
        found, todo = self.cache.split(texts)
        future = self._pool.submit(_worker_score, todo) if todo else None
        return _Merged(self.cache, texts, found, todo, future)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        """Stop at once (Ctrl-C): pending work is dropped, workers are killed."""
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            if p.is_alive():
                p.terminate()
        for p in processes:
            p.join(timeout=5)
