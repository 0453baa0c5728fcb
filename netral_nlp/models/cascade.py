"""A cascade: a first model answers the posts it is sure of, a second model the rest.

The shipped cascade (``load_model("cascade")``) puts the fast model first and the default model
second: the fast model's answer stands where its top probability reaches ``confidence`` (chosen on
the dev split, see :meth:`CascadeClassifier.tune`), and the default model reads the other posts.
On the corpus test split it scores above the default model alone at several times its speed
(``benchmarks/cascade.py``; the model card of ``models/netral-cascade``).

Both models must normalise posts alike (the same normaliser settings), so that a post is
normalised once. A saved cascade names its two models, which must be shipped names
(``fast``, ``default``, ``linear``): a cascade folder never points to files outside itself.

>>> from netral_nlp.models import load_model
>>> cascade = load_model("cascade")                                     # doctest: +SKIP
>>> cascade.predict(["Ayo coblos 02!", "Macet parah di Sudirman"])      # doctest: +SKIP
['campaign', 'non_political']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from netral_nlp.errors import ModelError
from netral_nlp.models.base import TextClassifier

__all__ = ["CascadeClassifier"]


class CascadeClassifier(TextClassifier):
    """``first`` where its top probability reaches ``confidence``, else ``second``.

    The probabilities of a post are those of the model that answered it (each model is
    calibrated on its own); ``answered_by`` of :meth:`route` says which.
    """

    kind = "cascade"

    def __init__(self, first: TextClassifier, second: TextClassifier, *, confidence: float, names: tuple[str, str] | None = None) -> None:
        if first.labels != second.labels:
            raise ModelError(f"the two models of a cascade need the same labels: {first.labels} vs {second.labels}", code="E403")
        if first.normalizer.to_dict() != second.normalizer.to_dict():
            raise ModelError("the two models of a cascade must normalise posts alike (the same normaliser settings)", code="E403")
        if not 0.0 <= confidence <= 1.0:
            raise ModelError(f"confidence must be between 0 and 1, got {confidence!r}", code="E403")
        super().__init__(labels=first.labels, normalizer=first.normalizer, batch_size=first.batch_size)
        self.first, self.second = first, second
        self.confidence = float(confidence)
        self.names = names

    @property
    def threads(self) -> int | None:
        return getattr(self.second, "threads", None)

    @threads.setter
    def threads(self, value: int | None) -> None:  # batch workers share the cores out
        for model in (self.first, self.second):
            if hasattr(model, "threads"):
                model.threads = value  # type: ignore[attr-defined]

    def route(self, normalized: Sequence[str], *, show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(probabilities, answered_by_second)`` of posts already normalised."""
        normalized = list(normalized)
        proba = self.first.predict_proba_normalized(normalized, show_progress=show_progress)
        unsure = proba.max(axis=1) < self.confidence
        if unsure.any():
            idx = np.flatnonzero(unsure)
            proba[idx] = self.second.predict_proba_normalized([normalized[i] for i in idx], show_progress=show_progress)
        return proba, unsure

    def predict_proba_normalized(self, normalized: Sequence[str], *, show_progress: bool | None = None) -> np.ndarray:
        if not normalized:
            return np.zeros((0, len(self.labels)))
        return self.route(normalized, show_progress=show_progress)[0]

    def _logits(self, normalized: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        return np.log(np.clip(self.predict_proba_normalized(normalized, show_progress=show_progress), 1e-12, 1.0))

    @classmethod
    def tune(
        cls,
        first: TextClassifier,
        second: TextClassifier,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        max_loss: float = 0.01,
        campaign_precision: float | None = 0.9,
        names: tuple[str, str] | None = None,
    ) -> CascadeClassifier:
        """The cascade whose ``confidence`` sends the fewest posts to ``second`` while keeping the
        macro-F1 on held-out ``texts`` within ``max_loss`` of ``second`` alone (thresholds 0.50,
        0.55, ..., 0.95); with ``campaign_precision``, also the precision-targeted threshold."""
        from sklearn.metrics import f1_score

        from netral_nlp.models.base import threshold_for_precision

        normalized = first.normalize(list(texts))
        y = np.array([first.labels.index(g) for g in labels])
        p1 = first.predict_proba_normalized(normalized)
        p2 = second.predict_proba_normalized(normalized)
        target = f1_score(y, p2.argmax(1), average="macro") - max_loss
        chosen = 1.0
        for t in np.arange(0.50, 1.0, 0.05):
            pred = np.where(p1.max(1) >= t, p1.argmax(1), p2.argmax(1))
            if f1_score(y, pred, average="macro") >= target:
                chosen = round(float(t), 2)
                break
        cascade = cls(first, second, confidence=chosen, names=names)
        proba = np.where((p1.max(1) >= chosen)[:, None], p1, p2)
        if campaign_precision is not None:
            cascade.precision_threshold = threshold_for_precision(proba, y, first.labels.index("campaign"), campaign_precision)
        cascade.metadata["tuning"] = {
            "posts": len(texts),
            "max_loss": max_loss,
            "macro_f1": round(float(f1_score(y, proba.argmax(1), average="macro")), 4),
            "second_alone_macro_f1": round(float(target + max_loss), 4),
            "sent_to_second": round(float((p1.max(1) < chosen).mean()), 4),
        }
        return cascade

    # --- persistence ---------------------------------------------------------------------------
    def save_pretrained(self, path: str | Path) -> None:
        if self.names is None:
            raise ModelError("a cascade is saved by the shipped names of its models; build it with names=('fast', 'default')", code="E403")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.metadata.update({"first": self.names[0], "second": self.names[1], "confidence": self.confidence})
        self._write_meta(path)

    @classmethod
    def from_pretrained(cls, path: str | Path) -> CascadeClassifier:
        from netral_nlp.models import load_model
        from netral_nlp.models.validation import read_model_config

        meta: dict[str, Any] = read_model_config(path)
        names = (str(meta["first"]), str(meta["second"]))
        clf = cls(load_model(names[0]), load_model(names[1]), confidence=float(meta["confidence"]), names=names)
        clf._read_meta(meta)
        for key in ("first", "second", "confidence"):
            clf.metadata.pop(key, None)
        return clf
