"""The fast model: static token embeddings and a small head, for millions of posts.

A post is normalised, cut into the pieces of the teacher transformer's tokenizer, and turned into
the mean of the pieces' embeddings (plus the mean of hashed embeddings of neighbouring piece
pairs, which keep short phrases such as "jangan pilih" or "coblos 02"); a one-hidden-layer head
gives the class scores. Inference is tokenisation in Rust and a few numpy operations: no torch,
thousands of posts a second on one core. The embeddings start as the teacher's contextual
embedding of each piece and are trained, with the head, to reproduce the teacher's probabilities
(distillation, :mod:`netral_nlp.training.distill`).

Saved without pickle: ``model.safetensors`` (float16 embeddings, float32 head), ``tokenizer.json``
and ``netral_config.json``.

>>> from netral_nlp.models import load_model
>>> fast = load_model("fast")                                       # doctest: +SKIP
>>> fast.predict(["Ayo coblos 02!", "Macet parah di Sudirman"])     # doctest: +SKIP
['campaign', 'non_political']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from netral_nlp.labels import LABELS
from netral_nlp.models.base import META_FILE, TextClassifier
from netral_nlp.text.normalize import Normalizer
from netral_nlp.utils import progress

__all__ = ["StaticClassifier", "pair_ids"]

#: Posts tokenised and pooled together: large batches amortise the Rust call.
DEFAULT_BATCH_SIZE = 4096
#: Pieces kept per post (posts are short; a very long post is cut like the transformer's input).
MAX_PIECES = 256
#: Multiplier of the pair hash (a large odd constant spreads consecutive ids over the buckets).
_PAIR_MULT = np.int64(1_000_003)


def pair_ids(flat: np.ndarray, offsets: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashed ids of neighbouring piece pairs within each post, and each post's offset into them.

    ``flat`` holds every post's piece ids one after the other, post ``i`` starting at
    ``offsets[i]``. Returns ``(pair_flat, pair_offsets)`` in the same layout.

    >>> pair_ids(np.array([5, 6, 7, 9]), np.array([0, 3]), 100)[1].tolist()
    [0, 2]
    """
    n = len(offsets)
    lengths = np.diff(np.append(offsets, len(flat)))
    if len(flat) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(n, dtype=np.int64)
    left, right = flat[:-1].astype(np.int64), flat[1:].astype(np.int64)
    # a pair is inside a post unless its right piece starts the next post
    starts = np.zeros(len(flat), dtype=bool)
    starts[offsets[lengths > 0]] = True
    inside = ~starts[1:]
    hashed = ((left * _PAIR_MULT + right) % buckets)[inside]
    pair_lengths = np.maximum(lengths - 1, 0)
    pair_offsets = np.concatenate([[0], np.cumsum(pair_lengths)[:-1]]).astype(np.int64)
    return hashed, pair_offsets


class StaticClassifier(TextClassifier):
    """Mean-pooled static piece (and piece-pair) embeddings and an MLP head.

    Parameters
    ----------
    tokenizer:
        A ``tokenizers.Tokenizer`` (the teacher's), applied without special tokens.
    embeddings:
        ``(vocabulary, dim)`` piece embeddings.
    pair_embeddings:
        ``(buckets, dim)`` embeddings of hashed neighbouring piece pairs (may have 0 rows).
    w1, b1, w2, b2:
        The head: ``relu(x @ w1 + b1) @ w2 + b2``.
    """

    kind = "static"

    def __init__(
        self,
        tokenizer: Any,
        embeddings: np.ndarray,
        pair_embeddings: np.ndarray,
        w1: np.ndarray,
        b1: np.ndarray,
        w2: np.ndarray,
        b2: np.ndarray,
        *,
        labels: Sequence[str] = LABELS,
        normalizer: Normalizer | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        super().__init__(labels=labels, normalizer=normalizer or Normalizer("transformer"), batch_size=batch_size)
        if w2.shape[1] != len(self.labels):
            raise ValueError(f"the head has {w2.shape[1]} outputs but {len(self.labels)} labels were given")
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_PIECES)
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.pair_embeddings = np.ascontiguousarray(pair_embeddings, dtype=np.float32)
        self.w1, self.b1 = np.asarray(w1, dtype=np.float32), np.asarray(b1, dtype=np.float32)
        self.w2, self.b2 = np.asarray(w2, dtype=np.float32), np.asarray(b2, dtype=np.float32)

    # --- features ----------------------------------------------------------------------------
    def piece_ids(self, normalized: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every post's piece ids one after the other, and where each post starts."""
        encodings = self.tokenizer.encode_batch(normalized, add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        flat = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum()))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        return flat, offsets

    @staticmethod
    def _mean(table: np.ndarray, flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        n = len(offsets)
        out = np.zeros((n, table.shape[1]), dtype=np.float32)
        lengths = np.diff(np.append(offsets, len(flat)))
        nonempty = lengths > 0
        if len(flat):
            sums = np.add.reduceat(table[flat], offsets[nonempty], axis=0)
            out[nonempty] = sums / lengths[nonempty, None]
        return out

    def features(self, normalized: list[str]) -> np.ndarray:
        """``(n, dim)`` post vectors: mean piece embedding plus mean pair embedding."""
        flat, offsets = self.piece_ids(normalized)
        x = self._mean(self.embeddings, flat, offsets)
        if len(self.pair_embeddings):
            pflat, poffsets = pair_ids(flat, offsets, len(self.pair_embeddings))
            x += self._mean(self.pair_embeddings, pflat, poffsets)
        return x

    def _logits(self, normalized: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        out = np.empty((len(normalized), len(self.labels)), dtype=np.float32)
        starts = range(0, len(normalized), self.batch_size)
        for s in progress(starts, desc="predict", unit="batches", show=show_progress):
            x = self.features(normalized[s : s + self.batch_size])
            h = np.maximum(x @ self.w1 + self.b1, 0.0)
            out[s : s + len(x)] = h @ self.w2 + self.b2
        return out

    # --- persistence -------------------------------------------------------------------------
    def save_pretrained(self, path: str | Path) -> None:
        """Write ``model.safetensors`` (embeddings as float16), ``tokenizer.json`` and the config."""
        from safetensors.numpy import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        tensors = {
            "embeddings": self.embeddings.astype(np.float16),
            "pair_embeddings": self.pair_embeddings.astype(np.float16),
            "w1": self.w1,
            "b1": self.b1,
            "w2": self.w2,
            "b2": self.b2,
        }
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path / "model.safetensors"))
        self.tokenizer.save(str(path / "tokenizer.json"))
        self.metadata.update({"dim": int(self.embeddings.shape[1]), "pair_buckets": len(self.pair_embeddings)})
        self._write_meta(path)

    @classmethod
    def from_pretrained(cls, path: str | Path) -> StaticClassifier:
        import json

        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = Path(path)
        meta = json.loads((path / META_FILE).read_text())
        if meta.get("kind") != cls.kind:
            raise ValueError(f"{path} holds a {meta.get('kind')!r} model, not a static one")
        t = load_file(str(path / "model.safetensors"))
        clf = cls(
            Tokenizer.from_file(str(path / "tokenizer.json")),
            t["embeddings"],
            t["pair_embeddings"],
            t["w1"],
            t["b1"],
            t["w2"],
            t["b2"],
            labels=meta["labels"],
            normalizer=cls._normalizer_from_meta(meta),
            batch_size=int(meta.get("batch_size", DEFAULT_BATCH_SIZE)),
        )
        clf._read_meta(meta)
        return clf
