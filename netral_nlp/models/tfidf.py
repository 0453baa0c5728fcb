"""TF-IDF features of a fitted vocabulary, computed with numpy alone.

scikit-learn fits the linear model's vectorisers (``fit``), but importing it, and scipy through
it, takes seconds: longer than loading the model and classifying a small file together. So a
loaded linear model computes its features here, exactly as ``TfidfVectorizer.transform`` does with
the settings the model uses (no lower-casing or accent stripping, sublinear tf, idf weights, each
analyser's row normalised to unit length): the same analysers (word n-grams over
``token_pattern``, character n-grams inside word boundaries ``char_wb``, plain character n-grams),
the same counts. ``tests/models/test_linear.py`` checks the values against scikit-learn's.

>>> features = TfidfFeatures({"analyzer": "char_wb", "ngram_range": [3, 3]}, {" ay": 0, "ayo": 1, "yo ": 2}, np.ones(3))
>>> features.analyze("ayo")
[' ay', 'ayo', 'yo ']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["DEFAULT_TOKEN_PATTERN", "TfidfFeatures", "sparse_logits"]

#: scikit-learn's default ``token_pattern`` (words of two or more word characters).
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
#: Runs of white space that the character analysers see as one space (scikit-learn's rule).
_WHITE_SPACES = re.compile(r"\s\s+")


class TfidfFeatures:
    """One analyser with its vocabulary (feature -> column) and idf weights.

    ``spec`` holds the feature settings saved with the model (``analyzer``, ``ngram_range``,
    ``token_pattern``; fitting settings such as ``min_df`` play no part here).
    """

    def __init__(self, spec: Mapping[str, Any], vocabulary: Mapping[str, int], idf: np.ndarray) -> None:
        self.spec = dict(spec)
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        if len(self.idf) != len(self.vocabulary):
            raise ValueError(f"{len(self.vocabulary)} features but {len(self.idf)} idf weights")
        self.min_n, self.max_n = (int(n) for n in spec["ngram_range"])
        analyzers: dict[str, Callable[[str], list[str]]] = {"word": self._words, "char_wb": self._char_wb, "char": self._chars}
        self.analyze = analyzers[spec["analyzer"]]
        pattern = re.compile(spec.get("token_pattern") or DEFAULT_TOKEN_PATTERN)
        if pattern.groups > 1:
            raise ValueError("token_pattern may have one capturing group at most")
        self._tokens = pattern.findall

    def __len__(self) -> int:
        return len(self.vocabulary)

    # --- analysers (scikit-learn's _word_ngrams, _char_wb_ngrams and _char_ngrams) ----------------
    def _words(self, text: str) -> list[str]:
        tokens = self._tokens(text)
        min_n, max_n = self.min_n, self.max_n
        if max_n == 1:
            return list(tokens)
        out = list(tokens) if min_n == 1 else []
        start = max(min_n, 2)
        n_tokens = len(tokens)
        for n in range(start, min(max_n + 1, n_tokens + 1)):
            for i in range(n_tokens - n + 1):
                out.append(" ".join(tokens[i : i + n]))
        return out

    def _char_wb(self, text: str) -> list[str]:
        text = _WHITE_SPACES.sub(" ", text)
        out: list[str] = []
        for w in text.split():
            w = " " + w + " "
            w_len = len(w)
            for n in range(self.min_n, self.max_n + 1):
                offset = 0
                out.append(w[offset : offset + n])
                while offset + n < w_len:
                    offset += 1
                    out.append(w[offset : offset + n])
                if offset == 0:  # a short word (w_len < n) counts once
                    break
        return out

    def _chars(self, text: str) -> list[str]:
        text = _WHITE_SPACES.sub(" ", text)
        n_chars = len(text)
        out = list(text) if self.min_n == 1 else []
        for n in range(max(self.min_n, 2), min(self.max_n + 1, n_chars + 1)):
            for i in range(n_chars - n + 1):
                out.append(text[i : i + n])
        return out

    # --- features -----------------------------------------------------------------------------
    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The non-zero features of ``texts``: ``(rows, columns, values)``, each row's values of
        unit length, as ``TfidfVectorizer.transform`` gives them.

        >>> rows, cols, vals = TfidfFeatures({"analyzer": "word", "ngram_range": [1, 1]}, {"ayo": 0, "coblos": 1}, np.ones(2)).transform(["ayo ayo coblos"])
        >>> rows.tolist(), cols.tolist(), [round(v, 4) for v in vals.tolist()]
        ([0, 0], [0, 1], [0.8704, 0.4923])
        """
        vocabulary, analyze = self.vocabulary, self.analyze
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        for i, text in enumerate(texts):
            found: dict[int, int] = {}
            for feature in analyze(text):
                j = vocabulary.get(feature)
                if j is not None:
                    found[j] = found.get(j, 0) + 1
            rows.extend([i] * len(found))
            cols.extend(found)
            counts.extend(found.values())
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        values = (np.log(np.asarray(counts, dtype=np.float64)) + 1.0) * self.idf[c]
        norms = np.sqrt(np.bincount(r, weights=values * values, minlength=len(texts)))
        values /= np.where(norms > 0, norms, 1.0)[r]
        return r, c, values


def sparse_logits(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, int]], n: int, coef: np.ndarray, intercept: np.ndarray
) -> np.ndarray:
    """``X @ coef.T + intercept`` for the features of several analysers side by side: each part is
    ``(rows, columns, values, first column)``.

    >>> sparse_logits([(np.array([0, 1]), np.array([1, 0]), np.array([1.0, 2.0]), 0)], 2, np.eye(2), np.zeros(2)).tolist()
    [[0.0, 1.0], [2.0, 0.0]]
    """
    out = np.tile(np.asarray(intercept, dtype=np.float64), (n, 1))
    weights = np.asarray(coef, dtype=np.float64)
    for rows, cols, values, offset in parts:
        contributions = weights[:, cols + offset] * values  # (classes, non-zeros)
        for k in range(weights.shape[0]):
            out[:, k] += np.bincount(rows, weights=contributions[k], minlength=n)
    return out
