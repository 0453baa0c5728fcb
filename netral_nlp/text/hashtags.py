"""Hashtag splitting: ``#AMINUntukKemakmuranDesa`` -> ``AMIN Untuk Kemakmuran Desa``.

CamelCase and digit boundaries split first; a long lower-case run that is not a known word is then
segmented with a unigram model over Indonesian word counts (Viterbi), so ``#gantipresiden`` becomes
``ganti presiden``. Case is kept so that contestant masking can still tell ``AMIN`` (the pair) from
``amin`` (the prayer); the normaliser lowercases afterwards.
"""

from __future__ import annotations

import functools
import math
import re

from netral_nlp.text.lexicons import load_wordfreq

__all__ = ["split_hashtag"]

_PIECES = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")
_MAX_WORD = 20
# Unknown words cost more per character than any known split, so known words win.
_UNKNOWN_PENALTY = 12.0


@functools.lru_cache(maxsize=1)
def _model(extra: frozenset[str] = frozenset()) -> tuple[dict[str, float], float]:
    freq = dict(load_wordfreq())
    for w in extra:
        freq[w] = max(freq.get(w, 0), 50)
    total = float(sum(freq.values()))
    return {w: -math.log(c / total) for w, c in freq.items() if len(w) > 1 or w in "a"}, math.log(total)


@functools.lru_cache(maxsize=65536)
def _segment(run: str, extra: frozenset[str]) -> tuple[str, ...]:
    costs, log_total = _model(extra)
    if run in costs or len(run) < 6:
        return (run,)
    n = len(run)
    best = [0.0] + [math.inf] * n
    back = [0] * (n + 1)
    for i in range(1, n + 1):
        for j in range(max(0, i - _MAX_WORD), i):
            w = run[j:i]
            c = costs.get(w)
            if c is None:
                c = log_total + _UNKNOWN_PENALTY * len(w)
            if best[j] + c < best[i]:
                best[i] = best[j] + c
                back[i] = j
    words: list[str] = []
    i = n
    while i > 0:
        words.append(run[back[i] : i])
        i = back[i]
    words.reverse()
    # A split that leaves an unknown piece is no better than the hashtag as written.
    if any(w not in costs for w in words):
        return (run,)
    return tuple(words)


def split_hashtag(tag: str, extra_words: frozenset[str] = frozenset()) -> list[str]:
    """Split one hashtag (with or without ``#``) into words, keeping their case.

    >>> split_hashtag("#AMINUntukKemakmuranDesa")
    ['AMIN', 'Untuk', 'Kemakmuran', 'Desa']
    >>> split_hashtag("#2019GantiPresiden")
    ['2019', 'Ganti', 'Presiden']
    >>> split_hashtag("#gantipresiden")
    ['ganti', 'presiden']
    """
    out: list[str] = []
    for piece in _PIECES.findall(tag.lstrip("#")):
        if piece.islower() and len(piece) >= 6:
            out.extend(_segment(piece, extra_words))
        else:
            out.append(piece)
    return out
