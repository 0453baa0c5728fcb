"""The shipped default: TF-IDF word and character n-grams, logistic regression, calibrated.

Saved without pickle: vocabularies as JSON, IDF vectors and weights as safetensors, settings in
``netral_config.json``. Loading reads numbers and strings only; nothing in the folder is executed.
scikit-learn fits the model; a fitted or loaded model computes its features with numpy alone
(:mod:`netral_nlp.models.tfidf`), so loading and using it imports neither scikit-learn nor scipy.
Probabilities are calibrated by temperature scaling fitted on the dev split (one scalar, so the
ranking of classes never changes), and ``predict`` applies a campaign threshold chosen for
precision (see the model card).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from netral_nlp.models.base import LABELS, TextClassifier
from netral_nlp.models.tfidf import TfidfFeatures, sparse_logits
from netral_nlp.models.validation import read_model_config
from netral_nlp.text.normalize import Normalizer
from netral_nlp.utils import progress

__all__ = ["LinearClassifier"]

#: Feature settings of the two vectorisers; part of the saved config.
DEFAULT_FEATURES: dict[str, dict[str, Any]] = {
    "word": {
        "analyzer": "word",
        "ngram_range": [1, 2],
        "min_df": 2,
        "max_features": 60000,
        "token_pattern": r"\[[A-Z_]+\]|@USER|HTTPURL|:[a-z0-9_&'.-]+:|[^\s]+",
    },
    "char": {"analyzer": "char_wb", "ngram_range": [3, 5], "min_df": 3, "max_features": 120000},
}


#: The two analysers, in the order of the weights' columns.
ANALYSERS = ("word", "char")


def _vectorizer(spec: dict[str, Any]) -> Any:
    """scikit-learn's vectoriser for fitting (imported only to fit: it and scipy take seconds)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    kw = {k: v for k, v in spec.items() if k != "ngram_range"}
    return TfidfVectorizer(ngram_range=tuple(spec["ngram_range"]), lowercase=False, sublinear_tf=True, dtype=np.float32, **kw)


class LinearClassifier(TextClassifier):
    """TF-IDF (word 1-2 grams + char 3-5 grams) and multinomial logistic regression.

    >>> clf = LinearClassifier().fit(train_texts, train_labels)          # doctest: +SKIP
    >>> clf.calibrate(dev_texts, dev_labels)                              # doctest: +SKIP
    >>> clf.predict("Ayo coblos 02, #2019GantiPresiden")                  # doctest: +SKIP
    'campaign'
    """

    kind = "linear"

    def __init__(
        self,
        *,
        labels: Sequence[str] = LABELS,
        normalizer: Normalizer | None = None,
        features: dict[str, dict[str, Any]] | None = None,
        C: float = 4.0,
        class_weight: str | None = "balanced",
        seed: int = 0,
        batch_size: int = 2048,
    ) -> None:
        super().__init__(labels=labels, normalizer=normalizer or Normalizer("linear"), batch_size=batch_size)
        self.features = json.loads(json.dumps(features or DEFAULT_FEATURES))
        self.C = C
        self.class_weight = class_weight
        self.seed = seed
        self._vecs: dict[str, TfidfFeatures] = {}
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None

    # --- training ------------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str], *, show_progress: bool | None = None) -> LinearClassifier:
        """Fit vectorisers and weights on raw texts (normalised here with the model's preset)."""
        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise ValueError(f"unknown labels {unknown}; the model's labels are {self.labels}")
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        normalized = [self.normalizer(t) for t in progress(list(texts), desc="normalize", unit="posts", show=show_progress)]
        fitted = {k: _vectorizer(self.features[k]) for k in ANALYSERS}
        x = sp.hstack([fitted[k].fit_transform(normalized) for k in ANALYSERS], format="csr")
        self._vecs = {k: TfidfFeatures(self.features[k], v.vocabulary_, v.idf_) for k, v in fitted.items()}
        y = np.array([self.labels.index(lab) for lab in labels])
        lr = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000, random_state=self.seed)
        lr.fit(x, y)
        self.coef_ = lr.coef_.astype(np.float32)
        self.intercept_ = lr.intercept_.astype(np.float32)
        self.temperature, self.campaign_threshold = 1.0, None
        return self

    def _logits(self, normalized: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        if self.coef_ is None or self.intercept_ is None:
            raise RuntimeError("the model is not trained: call fit() or load one with from_pretrained()")
        starts = range(0, len(normalized), self.batch_size)
        out = []
        for i in progress(starts, desc="predict", unit="batches", show=show_progress):
            batch = normalized[i : i + self.batch_size]
            parts, offset = [], 0
            for k in ANALYSERS:
                parts.append((*self._vecs[k].transform(batch), offset))
                offset += len(self._vecs[k])
            out.append(sparse_logits(parts, len(batch), self.coef_, self.intercept_))
        return np.vstack(out)

    # --- persistence ---------------------------------------------------------------------------
    def save_pretrained(self, path: str | Path) -> None:
        if self.coef_ is None or self.intercept_ is None:
            raise RuntimeError("nothing to save: the model is not trained")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        tensors = {"coef": self.coef_, "intercept": self.intercept_}
        for k, vec in self._vecs.items():
            tensors[f"idf_{k}"] = vec.idf.astype(np.float32)
            vocab = sorted(vec.vocabulary.items(), key=lambda kv: kv[1])
            (path / f"vocab_{k}.json").write_text(json.dumps([t for t, _ in vocab], ensure_ascii=False))
        # safetensors writes the raw buffer: make every array C-contiguous (LR weights are not).
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path / "model.safetensors"))
        self.metadata.update({"features": self.features, "C": self.C, "class_weight": self.class_weight, "seed": self.seed})
        self._write_meta(path)

    @classmethod
    def from_pretrained(cls, path: str | Path) -> LinearClassifier:
        path = Path(path)
        meta = read_model_config(path)  # checked: known settings only, see models/validation.py
        if meta.get("kind") != cls.kind:
            raise ValueError(f"{path} holds a {meta.get('kind')!r} model, not a linear one")
        clf = cls(
            labels=meta["labels"],
            normalizer=cls._normalizer_from_meta(meta),
            features=meta["features"],
            C=meta["C"],
            class_weight=meta["class_weight"],
            seed=meta["seed"],
            batch_size=meta.get("batch_size", 2048),
        )
        tensors = load_file(str(path / "model.safetensors"))
        for k in ANALYSERS:
            vocab = json.loads((path / f"vocab_{k}.json").read_text())
            clf._vecs[k] = TfidfFeatures(clf.features[k], {t: i for i, t in enumerate(vocab)}, tensors[f"idf_{k}"])
        clf.coef_ = tensors["coef"]
        clf.intercept_ = tensors["intercept"]
        clf._read_meta(meta)
        return clf
