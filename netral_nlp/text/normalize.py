"""Normalisation of Indonesian social-media text for the classifiers.

Two presets:

``transformer``
    Light and faithful to what pretrained Indonesian encoders saw in pre-training (IndoBERTweet
    style): encodings repaired, lower case, user mentions as ``@USER``, links as ``HTTPURL``, emoji
    as ``:name:`` words, hashtags split into words, laughter and elongation shortened. No slang
    replacement, no stopword removal, no stemming.
``linear``
    For the TF-IDF model: everything above, plus slang/alay to standard words, stopword removal
    and (``stem=True``) Sastrawi stemming that never touches names.

With ``election=`` (a shipped id such as ``"pemilu-2024"`` or a config file) every mention of a
contestant, pair, party or ballot number of that election becomes a role token (``[CALON]``,
``[WAKIL]``, ``[PASLON]``, ``[PARTAI]``, ``[NOMOR_PASLON]``), so that a model learns "supports
[CALON]" rather than a name and carries over to the next election.

>>> normalize("RT @kpu_ri: Ayo coblos 02!!! #2019GantiPresiden https://t.co/x")
'ayo coblos 02! 2019 ganti presiden HTTPURL'
>>> normalize("Dukung Prabowo-Gibran, no urut 2 😍😍", election="pemilu-2024")
'dukung [PASLON] , no urut [NOMOR_PASLON] :smiling_face_with_heart-eyes:'
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import emoji

from netral_nlp.elections import ElectionConfig, load_election
from netral_nlp.text.encoding import repair_encoding
from netral_nlp.text.hashtags import split_hashtag
from netral_nlp.text.lexicons import load_slang, load_stopwords, load_wordfreq, read_user_lexicon
from netral_nlp.text.stemming import CachedStemmer

__all__ = ["PRESETS", "Normalizer", "normalize"]

#: Settings of each preset; any of them can be overridden by a keyword of :class:`Normalizer`.
PRESETS: dict[str, dict[str, Any]] = {
    "transformer": {"hashtags": "split", "emoji": "demojize", "slang": False, "stopwords": False, "stem": False},
    "linear": {"hashtags": "split", "emoji": "demojize", "slang": True, "stopwords": True, "stem": False},
}
_HASHTAG_MODES = ("split", "split_marked", "keep")
_EMOJI_MODES = ("demojize", "keep", "remove")

# --- patterns, compiled once -------------------------------------------------------------------
_RT = re.compile(r"(?:^|(?<=\s))RT\s*(?:@\w+|USER|\[USERNAME\])\s*:?", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+|\b(?:bit\.ly|t\.co|dlvr\.it|goo\.gl)/\S+", re.IGNORECASE)
_PLACEHOLDER_URL = re.compile(r"(?<![\w@])URL\b")
_PLACEHOLDER_USER = re.compile(r"(?<![\w@])USER\b|\[USERNAME\]|<USERNAME>")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_LAUGH = re.compile(r"(?<!\w)(?:[wk]*(?:wk|kw)[wk]*|(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}h?|(?:xi){2,}x?|a?wo?k(?:wo?k){2,}|(?:ka){3,})(?!\w)")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_REPEAT_QE = re.compile(r"([!?])[!?]+")
_REPEAT_DOT = re.compile(r"\.{3,}|…")
_REPEAT_COMMA = re.compile(r",{2,}")
_SPACES = re.compile(r"\s+")
_PROTECT = re.compile(r"httpurl|@user|\[(?:calon|wakil|paslon|partai|nomor_paslon|tagar)\]")
_TOKEN = re.compile(r"\[[A-Z_]+\]|@USER|HTTPURL|:[a-z0-9_&'.-]+:|[a-z0-9]+(?:[-'][a-z0-9]+)*|[!?]")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _restore_placeholder(m: re.Match[str]) -> str:
    return m.group(0).upper()


@dataclasses.dataclass
class _Config:
    preset: str
    hashtags: str
    emoji: str
    slang: bool
    stopwords: bool
    stem: bool


class Normalizer:
    """A configured normaliser. Build once, call many times (it caches lexicons and stems).

    >>> n = Normalizer(preset="linear", stem=True)
    >>> n("Para relawan di Bekasi sudah bekerja keras bangeeettt, gak bohong")
    'relawan bekasi kerja keras banget tidak bohong'
    >>> n.batch(["Mantap jiwa wkwkwk", "Ayo ke TPS tgl 17 April"])
    ['mantap jiwa wkwk', 'ayo tps tgl 17 april']

    Parameters
    ----------
    preset:
        ``"transformer"`` or ``"linear"``; the keywords below override single settings of it.
    election:
        An election id, config file, or :class:`~netral_nlp.elections.ElectionConfig`; when given,
        contestant mentions become role tokens.
    hashtags:
        ``"split"`` (``#GantiPresiden`` -> ``ganti presiden``), ``"split_marked"`` (the same words
        after a ``[TAGAR]`` token, so a model can tell a hashtag from running text) or ``"keep"``.
    emoji:
        ``"demojize"`` (``😂`` -> ``:face_with_tears_of_joy:``), ``"keep"`` or ``"remove"``.
    slang, stopwords, stem:
        Slang/alay replacement, stopword removal and Sastrawi stemming (linear preset).
    slang_file:
        A user's CSV/TSV/JSON lexicon that adds to or overrides the shipped slang entries.
    """

    def __init__(
        self,
        preset: str = "transformer",
        *,
        election: str | Path | ElectionConfig | None = None,
        hashtags: str | None = None,
        emoji: str | None = None,
        slang: bool | None = None,
        stopwords: bool | None = None,
        stem: bool | None = None,
        slang_file: str | Path | None = None,
        slang_entries: Mapping[str, str] | None = None,
    ) -> None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
        base = PRESETS[preset]
        cfg = _Config(
            preset=preset,
            hashtags=base["hashtags"] if hashtags is None else hashtags,
            emoji=base["emoji"] if emoji is None else emoji,
            slang=base["slang"] if slang is None else slang,
            stopwords=base["stopwords"] if stopwords is None else stopwords,
            stem=base["stem"] if stem is None else stem,
        )
        if cfg.hashtags not in _HASHTAG_MODES:
            raise ValueError(f"hashtags must be one of {_HASHTAG_MODES}, got {cfg.hashtags!r}")
        if cfg.emoji not in _EMOJI_MODES:
            raise ValueError(f"emoji must be one of {_EMOJI_MODES}, got {cfg.emoji!r}")
        self.config = cfg
        self.election = load_election(election) if election is not None else None
        extra = dict(read_user_lexicon(slang_file)) if slang_file is not None else {}
        extra.update(slang_entries or {})
        self.slang_file = str(slang_file) if slang_file is not None else None
        self._slang = load_slang(extra) if cfg.slang else {}
        self._stop = load_stopwords() if cfg.stopwords else frozenset()
        self._vocab = load_wordfreq()
        names: set[str] = set()
        if self.election is not None:
            for p in self.election.pairs:
                for c in p.candidates:
                    for a in (c.name, *c.aliases, *c.case_sensitive_aliases):
                        names.update(a.lower().replace("'", "").split())
                for a in (*p.aliases, *p.case_sensitive_aliases):
                    names.update(a.lower().replace("'", "").split())
        self._hashtag_words = frozenset(w for w in names if w.isalpha())
        self._stemmer = CachedStemmer(protected=names) if cfg.stem else None
        self._matcher = self.election.matcher if self.election is not None else None
        self._elong_cache: dict[str, str] = {}

    def __repr__(self) -> str:
        c = self.config
        el = self.election.id if self.election else None
        return f"Normalizer(preset={c.preset!r}, election={el!r}, hashtags={c.hashtags!r}, emoji={c.emoji!r}, slang={c.slang}, stopwords={c.stopwords}, stem={c.stem})"

    def to_dict(self) -> dict[str, Any]:
        """The settings, as saved with a model so that it normalises the same way when loaded."""
        d = dataclasses.asdict(self.config)
        d["election"] = self.election.id if self.election else None
        return d

    # --- stages ----------------------------------------------------------------------------------
    def _split_hashtags(self, text: str) -> str:
        mode = self.config.hashtags
        if mode == "keep" or "#" not in text:
            return text

        def repl(m: re.Match[str]) -> str:
            words = " ".join(split_hashtag(m.group(1), self._hashtag_words))
            return f" [TAGAR] {words} " if mode == "split_marked" else f" {words} "

        return _HASHTAG.sub(repl, text)

    def _fix_elongation(self, m_word: str) -> str:
        cached = self._elong_cache.get(m_word)
        if cached is not None:
            return cached
        runs = [(m.start(), m.end()) for m in _ELONGATED.finditer(m_word)]
        best = _ELONGATED.sub(r"\1", m_word)
        if len(runs) <= 4:
            # Each elongated run may stand for one or two letters ("maaaaf" -> "maaf",
            # "bangeeettt" -> "banget"); keep the variant the word list knows best.
            best_count = -1
            for mask in range(1 << len(runs)):
                parts, last = [], 0
                for i, (s, e) in enumerate(runs):
                    parts.append(m_word[last:s])
                    parts.append(m_word[s] * (2 if mask >> i & 1 else 1))
                    last = e
                parts.append(m_word[last:])
                cand = "".join(parts)
                count = self._vocab.get(cand, -1)
                if cand in self._slang:
                    count = max(count, 0)
                if count > best_count:
                    best, best_count = cand, count
        self._elong_cache[m_word] = best
        return best

    def _emoji(self, text: str) -> str:
        mode = self.config.emoji
        if mode == "keep":
            return text
        if mode == "remove":
            return emoji.replace_emoji(text, replace=" ")
        out = emoji.demojize(text, delimiters=(" :", ": "))
        # A run of the same emoji says no more than one of it.
        return re.sub(r"(:[a-z0-9_&'.-]+:)(?:\s*\1)+", r"\1", out)

    def _linear_tokens(self, text: str) -> list[str]:
        tokens = _TOKEN.findall(text)
        out: list[str] = []
        slang, stop, stemmer = self._slang, self._stop, self._stemmer
        for tok in tokens:
            if not (tok[0].islower() or tok[0].isdigit()):  # placeholders, role tokens, emoji, ! ?
                out.append(tok)
                continue
            words = slang.get(tok, tok).split() if slang else [tok]
            for w in words:
                if w in stop:
                    continue
                if stemmer is not None:
                    w = stemmer.stem_word(w)
                    if w in stop:
                        continue
                out.append(w)
        return out

    # --- public ----------------------------------------------------------------------------------
    def __call__(self, text: str) -> str:
        return self.normalize(text)

    def normalize(self, text: str) -> str:
        """Normalise one text. ``None`` or a non-string raises ``TypeError``."""
        if not isinstance(text, str):
            raise TypeError(f"expected a str to normalise, got {type(text).__name__}" + (" (a missing text?)" if text is None else ""))
        if not text:
            return ""
        if not text.isascii() or "\\x" in text:
            text = repair_encoding(text)
        elif _ASCII_CONTROL.search(text):
            text = _ASCII_CONTROL.sub(" ", text)
        if "&" in text:
            for _ in range(3):
                unescaped = html.unescape(text)
                if unescaped == text:
                    break
                text = unescaped
        text = _RT.sub(" ", text)
        text = _URL.sub(" HTTPURL ", text)
        text = _PLACEHOLDER_URL.sub(" HTTPURL ", text)
        text = _PLACEHOLDER_USER.sub(" @USER ", text)
        if self._matcher is not None and "@" in text:
            accounts = self._matcher.config.campaign_accounts
            text = _MENTION.sub(lambda m: " [PASLON] " if m.group(0)[1:].lower() in accounts else " @USER ", text)
        else:
            text = _MENTION.sub(" @USER ", text)
        text = self._split_hashtags(text)
        if self._matcher is not None:
            text = self._matcher.mask(text)
        if not text.isascii():
            text = self._emoji(text)
        text = _PROTECT.sub(_restore_placeholder, text.lower())
        text = _LAUGH.sub("wkwk", text)
        if _ELONGATED.search(text):
            text = re.sub(r"[a-z]*([a-z])\1{2,}[a-z]*", lambda m: self._fix_elongation(m.group(0)), text)
        text = _REPEAT_QE.sub(r"\1", text)
        text = _REPEAT_DOT.sub("...", text)
        text = _REPEAT_COMMA.sub(",", text)
        if self.config.slang or self.config.stopwords or self._stemmer is not None:
            return " ".join(self._linear_tokens(text))
        return _SPACES.sub(" ", text).strip()

    def batch(self, texts: Iterable[str], *, show_progress: bool | None = None) -> list[str]:
        """Normalise many texts; a non-string raises ``TypeError`` naming its position."""
        from netral_nlp.utils import progress

        out: list[str] = []
        for i, t in enumerate(progress(texts, desc="normalize", unit="posts", show=show_progress)):
            try:
                out.append(self.normalize(t))
            except TypeError as exc:
                raise TypeError(f"text at position {i}: {exc}") from None
        return out

    def hashtags_of(self, text: str) -> list[str]:
        """The hashtags of a raw text, as written (the signal that splitting removes)."""
        return ["#" + h for h in _HASHTAG.findall(repair_encoding(text))]

    def contestants(self, text: str) -> list[str]:
        """Ballot labels (``"01"``...) of the pairs a raw text mentions; needs an election."""
        if self._matcher is None:
            raise ValueError("contestants() needs a Normalizer built with election=...")
        text = repair_encoding(text)
        found = set(self._matcher.pairs_mentioned(text))
        accounts = self._matcher.config.campaign_accounts
        found.update(f"{accounts[m[1:].lower()]:02d}" for m in _MENTION.findall(text) if m[1:].lower() in accounts)
        if "#" in text:
            found.update(self._matcher.pairs_mentioned(_HASHTAG.sub(lambda m: " " + " ".join(split_hashtag(m.group(1), self._hashtag_words)) + " ", text)))
        return sorted(found)


_DEFAULTS: dict[tuple[str, Any], Normalizer] = {}


def normalize(text: str, *, preset: str = "transformer", election: str | Path | ElectionConfig | None = None) -> str:
    """Normalise one text with a preset (see :class:`Normalizer` for every option).

    >>> normalize("Bangeeettt lucu wkwkwkwk @budi")
    'banget lucu wkwk @USER'
    """
    key = (preset, election if not isinstance(election, Path) else str(election))
    n = _DEFAULTS.get(key)
    if n is None:
        n = _DEFAULTS[key] = Normalizer(preset, election=election)
    return n.normalize(text)
