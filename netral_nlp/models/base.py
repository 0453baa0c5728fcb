"""The one interface every classifier of the library follows."""

from __future__ import annotations

import abc
import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from netral_nlp.labels import LABELS
from netral_nlp.models.validation import check_temperature
from netral_nlp.tables.files import readable_by_all
from netral_nlp.text.normalize import Normalizer

__all__ = ["LABELS", "TextClassifier"]
#: File that records the kind of model and its settings inside a saved model folder.
META_FILE = "netral_config.json"


class TextClassifier(abc.ABC):
    """Scores posts as ``campaign``, ``political_neutral`` or ``non_political``.

    A classifier knows the normaliser settings it was trained with and applies them itself, so
    callers pass raw posts. ``predict_proba`` returns an ``(n, len(labels))`` array whose columns
    follow ``labels``; ``predict`` returns label strings (a single string in, a single label out).
    """

    kind: str = "base"
    #: Where the model was loaded from (a shipped name, a folder, a hub id); None for one built here.
    name: str | None = None
    #: The netral_nlp version that saved the model (None: not loaded from a folder).
    saved_version: str | None = None

    def __init__(self, *, labels: Sequence[str] = LABELS, normalizer: Normalizer | None = None, batch_size: int = 256) -> None:
        self.labels: list[str] = list(labels)
        self.normalizer = normalizer or Normalizer("transformer")
        self.batch_size = batch_size
        self.metadata: dict[str, Any] = {}
        #: Softmax temperature fitted on held-out data by :meth:`calibrate` (1.0 = uncalibrated).
        self.temperature = 1.0
        #: ``predict`` says ``campaign`` when p(campaign) reaches this (None: plain argmax, the
        #: default operating point).
        self.campaign_threshold: float | None = None
        #: The lowest threshold on p(campaign) whose campaign precision on the calibration data
        #: reached the target (see :meth:`calibrate`); ``use_operating_point("precision")`` applies it.
        self.precision_threshold: float | None = None

    # --- to implement ------------------------------------------------------------------------
    @abc.abstractmethod
    def _logits(self, normalized: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        """Raw class scores ``(n, len(labels))`` for already-normalised texts."""

    @abc.abstractmethod
    def save_pretrained(self, path: str | Path) -> None: ...

    @classmethod
    @abc.abstractmethod
    def from_pretrained(cls, path: str | Path) -> TextClassifier: ...

    # --- shared ------------------------------------------------------------------------------
    @property
    def election(self) -> str | None:
        """The election whose contestants are masked before classification (None: no masking)."""
        return self.normalizer.election.id if self.normalizer.election else None

    def set_election(self, election: str | Path | None) -> None:
        """Mask the contestants of ``election`` from now on (``None``: no masking)."""
        settings = self.normalizer.to_dict()
        preset = settings.pop("preset")
        settings.pop("election")
        self.normalizer = Normalizer(preset, election=election, **settings)

    def normalize(self, texts: Sequence[str]) -> list[str]:
        return [self.normalizer(t) for t in texts]

    @overload
    def predict_proba(self, texts: str, *, show_progress: bool | None = ...) -> np.ndarray: ...
    @overload
    def predict_proba(self, texts: Sequence[str], *, show_progress: bool | None = ...) -> np.ndarray: ...
    def predict_proba(self, texts: str | Sequence[str], *, show_progress: bool | None = None) -> np.ndarray:
        """Class probabilities; one row per text (a 1-D array for a single string)."""
        single = isinstance(texts, str)
        batch: list[str] = [texts] if isinstance(texts, str) else list(texts)
        for i, t in enumerate(batch):
            if not isinstance(t, str):
                raise TypeError(f"text at position {i} is {type(t).__name__}, expected str")
        if not batch:
            return np.zeros((0, len(self.labels)))
        proba = self.predict_proba_normalized(self.normalize(batch), show_progress=show_progress)
        return proba[0] if single else proba

    def predict_proba_normalized(self, normalized: Sequence[str], *, show_progress: bool | None = None) -> np.ndarray:
        """Class probabilities of texts already normalised by ``self.normalizer`` (batch prediction
        normalises once and finds contestants in the same pass, see ``Normalizer.normalize_and_find``).

        >>> model.predict_proba_normalized([model.normalizer("Ayo coblos 02!")])      # doctest: +SKIP
        """
        if not normalized:
            return np.zeros((0, len(self.labels)))
        temperature = check_temperature(self.temperature, f"{type(self).__name__}.temperature")  # 0 would make NaN
        return softmax(self._logits(list(normalized), show_progress=show_progress) / temperature)

    def describe(self) -> dict[str, Any]:
        """What this model is, in public: ``name`` (where it was loaded from), ``kind``,
        ``election`` (the election whose contestants it masks; None: no masking), ``version`` (of
        netral_nlp that saved it), ``labels``, and ``settings``: everything its saved config holds
        that decides its output (a resumed batch run checks that it is the same).

        >>> load_model("linear").describe()["kind"]                                   # doctest: +SKIP
        'linear'
        """
        from netral_nlp import __version__

        meta = self._meta()
        settings = {k: meta[k] for k in sorted(meta) if k not in ("netral_nlp_version", "batch_size")}
        return {
            "name": self.name,
            "kind": self.kind,
            "election": self.election,
            "version": self.saved_version or __version__,
            "labels": list(self.labels),
            "settings": settings,
        }

    @overload
    def predict(self, texts: str, *, show_progress: bool | None = ...) -> str: ...  # type: ignore[overload-overlap]
    @overload
    def predict(self, texts: Sequence[str], *, show_progress: bool | None = ...) -> list[str]: ...
    def predict(self, texts: str | Sequence[str], *, show_progress: bool | None = None) -> str | list[str]:
        """Most probable label per text."""
        proba = self.predict_proba(texts, show_progress=show_progress)
        idx = decide(np.atleast_2d(proba), self.labels, self.campaign_threshold)
        if proba.ndim == 1:
            return self.labels[int(idx[0])]
        return [self.labels[i] for i in idx]

    def use_operating_point(self, point: str) -> TextClassifier:
        """``"argmax"`` (the default: the most probable calibrated class) or ``"precision"``: call
        a post ``campaign`` as soon as p(campaign) reaches :attr:`precision_threshold`, the
        threshold that reached the target campaign precision on held-out data (fewer campaign
        calls, fewer of them wrong). Returns the model.

        >>> model.use_operating_point("precision").predict("Ayo coblos 02!")   # doctest: +SKIP
        'campaign'
        """
        if point == "argmax":
            self.campaign_threshold = None
        elif point == "precision":
            if self.precision_threshold is None:
                raise ValueError("this model has no precision threshold: calibrate it with campaign_precision=...")
            self.campaign_threshold = self.precision_threshold
        else:
            raise ValueError(f"operating point must be 'argmax' or 'precision', got {point!r}")
        return self

    @property
    def operating_point(self) -> str:
        """``"argmax"`` or ``"precision"`` (see :meth:`use_operating_point`)."""
        return "argmax" if self.campaign_threshold is None else "precision"

    def calibrate(self, texts: Sequence[str], labels: Sequence[str], *, campaign_precision: float | None = 0.9) -> dict[str, float]:
        """Fit the temperature on held-out data (minimum log-loss; argmax unchanged) and, if
        asked, the lowest campaign threshold whose precision on that data reaches the target
        (:attr:`precision_threshold`; ``predict`` stays the argmax until
        ``use_operating_point("precision")``)."""
        logits = self._logits(self.normalize(list(texts)))
        y = np.array([self.labels.index(lab) for lab in labels])
        grid = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))
        losses = [-np.log(softmax(logits / t)[np.arange(len(y)), y] + 1e-12).mean() for t in grid]
        self.temperature = float(grid[int(np.argmin(losses))])
        out: dict[str, float] = {"temperature": self.temperature}
        self.campaign_threshold = self.precision_threshold = None
        if campaign_precision is not None:
            proba = softmax(logits / self.temperature)
            self.precision_threshold = threshold_for_precision(proba, y, self.labels.index("campaign"), campaign_precision)
            out["precision_threshold"] = self.precision_threshold
        return out

    def campaign_probability(self, texts: Sequence[str]) -> np.ndarray:
        """``p(campaign)`` per text, the figure the scoring API uses."""
        return self.predict_proba(list(texts))[:, self.labels.index("campaign")]

    def _meta(self) -> dict[str, Any]:
        from netral_nlp import __version__

        return {
            **self.metadata,
            "kind": self.kind,
            "labels": self.labels,
            "normalizer": self.normalizer.to_dict(),
            "netral_nlp_version": __version__,
            "batch_size": self.batch_size,
            "temperature": self.temperature,
            "campaign_threshold": self.campaign_threshold,
            "precision_threshold": self.precision_threshold,
        }

    def _read_meta(self, meta: dict[str, Any]) -> None:
        """Restore the shared settings written by :meth:`_write_meta`; warn on a newer version."""
        from netral_nlp import __version__

        saved = str(meta.get("netral_nlp_version", "0"))
        self.saved_version = saved
        if _version_tuple(saved) > _version_tuple(__version__):
            warnings.warn(f"this model was saved by netral_nlp {saved}, newer than the installed {__version__}", stacklevel=3)
        self.temperature = check_temperature(meta.get("temperature", 1.0), META_FILE)
        self.campaign_threshold = meta.get("campaign_threshold")
        self.precision_threshold = meta.get("precision_threshold", self.campaign_threshold)
        skip = {
            "kind",
            "labels",
            "normalizer",
            "batch_size",
            "temperature",
            "campaign_threshold",
            "precision_threshold",
            "netral_nlp_version",
        }
        self.metadata = {k: v for k, v in meta.items() if k not in skip}

    @staticmethod
    def _normalizer_from_meta(meta: dict[str, Any]) -> Normalizer:
        cfg = dict(meta["normalizer"])
        return Normalizer(cfg.pop("preset"), election=cfg.pop("election"), **cfg)

    def _write_meta(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        (path / META_FILE).write_text(json.dumps(self._meta(), indent=2, ensure_ascii=False) + "\n")
        readable_by_all(path)  # safetensors writes its files for their owner only: a team's model is read by others

    def __repr__(self) -> str:
        return f"{type(self).__name__}(labels={self.labels}, normalizer={self.normalizer!r})"


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def decide(proba: np.ndarray, labels: Sequence[str], campaign_threshold: float | None) -> np.ndarray:
    """Class index per row: campaign when p(campaign) >= threshold, else argmax of the rest."""
    if campaign_threshold is None:
        return proba.argmax(axis=1)
    c = list(labels).index("campaign")
    rest = proba.copy()
    rest[:, c] = -1.0
    return np.where(proba[:, c] >= campaign_threshold, c, rest.argmax(axis=1))


def threshold_for_precision(proba: np.ndarray, y: np.ndarray, c: int, target: float) -> float:
    """Lowest threshold on p(campaign), searched in [0.30, 0.95], whose precision on the given
    data reaches ``target``: the most recall that the precision target allows."""
    p = proba[:, c]
    for t in np.round(np.arange(0.30, 0.96, 0.01), 2):
        pred = p >= t
        if pred.sum() and (y[pred] == c).mean() >= target:
            return float(t)
    return 0.95


def _version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split(".")[:3] if x.isdigit())
