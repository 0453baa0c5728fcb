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
'dukung [PASLON], no urut [NOMOR_PASLON] :smiling_face_with_heart-eyes:'
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import emoji

from netral_nlp.elections import ContestantMatcher, ElectionConfig, load_election
from netral_nlp.text.confusables import reveal
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
_RT = re.compile(r"(?:^|(?<=\s))RT\s*(?:@\w+|USER|\[USERNAME\]|<USERNAME>)\s*:?", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+|\b(?:bit\.ly|t\.co|dlvr\.it|goo\.gl)/\S+", re.IGNORECASE)
# A pattern that starts with its first character and looks behind after it ("URL(?<![\w@]URL)")
# rather than before it is the same pattern, but lets the regex engine skip ahead to that character.
_PLACEHOLDER_URL = re.compile(r"URL(?<![\w@]URL)\b")
_PLACEHOLDER_USER = re.compile(r"USER(?<![\w@]USER)\b|\[USERNAME\]|<USERNAME>")
# Mentions and hashtags, also chained without spaces ("@a@b", "#a#b", "#a@b"): once the first of a
# chain becomes words the next would stand alone, so a chain is taken at once, and one glued to a word
# or a role token ("x@y", "[CALON]@y") is not taken at all (normalising twice changes nothing more).
_CHAIN = re.compile(r"(?:@(?<![\w@\]]@)|#(?<![\w&\]]#))\w+(?:[@#]\w+)*")
_CHAIN_ITEM = re.compile(r"[@#]\w+")
_LAUGH = re.compile(
    r"(?<!\w)(?:[wk]*(?:wk|kw)[wk]*|(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}h?|(?:xi){2,}x?|a?wo?k(?:wo?k){2,}|(?:ka){3,})(?!\w)"
)
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_ELONGATED_WORD = re.compile(r"[a-z]*([a-z])\1{2,}[a-z]*")
_REPEAT_QE = re.compile(r"([!?])[!?]+")
_REPEAT_DOT = re.compile(r"\.{3,}|…")
_REPEAT_COMMA = re.compile(r",{2,}")
_PROTECT = re.compile(r"httpurl|@user|\[(?:calon|wakil|paslon|partai|nomor_paslon|tagar)\]")
# Every emoji is a run of non-ASCII characters, or one of "#*0-9" followed by such a run (keycaps),
# so emoji's (slow, per character) tokenizer only needs to see those runs.
_NON_ASCII_RUN = re.compile(r"[#*0-9]?[^\x00-\x7f]+")
_EMOJI_REPEAT = re.compile(r"(:[a-z0-9_&'.-]+:)(?:\s*\1)+")
# Each laugh pattern of _LAUGH contains one of these; a cheap test before the regex.
_LAUGH_HINTS = ("wk", "kw", "haha", "hehe", "hihi", "xixi", "kaka")
_TOKEN = re.compile(r"\[[A-Z_]+\]|@USER|HTTPURL|:[a-z0-9_&'.-]+:|[a-z0-9]+(?:[-'][a-z0-9]+)*|[!?]")
# Passes of the whole pipeline at most, for the rare text whose output is not yet stable.
_MAX_ROUNDS = 4


def _restore_placeholder(m: re.Match[str]) -> str:
    return m.group(0).upper()


def _demojize_run(m: re.Match[str]) -> str:
    return _demojize(m.group(0))


@functools.lru_cache(maxsize=65536)
def _demojize(run: str) -> str:  # the same few emoji runs come back again and again
    return emoji.demojize(run, delimiters=(" :", ": "))


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
    'relawan bekasi keras banget tidak bohong'
    >>> n.batch(["Mantap jiwa wkwkwk", "Ayo ke TPS tgl 17 April"])
    ['mantap jiwa wkwk', 'ayo tps tanggal 17 april']

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
        self._matcher = self.election.matcher if self.election is not None else None
        names = self._matcher.name_words if self._matcher is not None else frozenset()
        self._hashtag_words = frozenset(w for w in names if w.isalpha())
        self._stemmer = CachedStemmer(protected=set(names)) if cfg.stem else None
        self._elong_cache: dict[str, str] = {}
        # Slang, stopwords and stemming work on word tokens: the output is tokens joined by spaces.
        self._token_mode = cfg.slang or cfg.stopwords or cfg.stem

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
    def _mentions_and_hashtags(self, m: re.Match[str]) -> str:
        mode = self.config.hashtags
        accounts = self._matcher.config.campaign_accounts if self._matcher is not None else {}
        out = []
        for item in _CHAIN_ITEM.findall(m.group(0)):
            if item[0] == "@":
                out.append(" [PASLON] " if item[1:].lower() in accounts else " @USER ")
            elif mode == "keep":
                out.append(item)
            else:
                words = " ".join(split_hashtag(item[1:], self._hashtag_words))
                out.append(f" [TAGAR] {words} " if mode == "split_marked" else f" {words} ")
        return "".join(out)

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
        out = _NON_ASCII_RUN.sub(_demojize_run, text)
        # A run of the same emoji says no more than one of it.
        return _EMOJI_REPEAT.sub(r"\1", out)

    def _linear_tokens(self, text: str) -> list[str]:
        tokens = _TOKEN.findall(text)
        out: list[str] = []
        slang, stop = self._slang, self._stop
        for tok in tokens:
            if not (tok[0].islower() or tok[0].isdigit()):  # placeholders, role tokens, emoji, ! ?
                out.append(tok)
                continue
            words = slang.get(tok, tok).split() if slang else [tok]
            out.extend(w for w in words if w not in stop)
        return out

    def _stem_tokens(self, text: str) -> str:
        stemmer, stop = self._stemmer, self._stop
        assert stemmer is not None
        out = []
        for tok in text.split():
            if tok[0].islower() or tok[0].isdigit():  # not placeholders, role tokens, emoji, ! ?
                tok = stemmer.stem_word(tok)
                if tok in stop:
                    continue
            out.append(tok)
        return " ".join(out)

    # --- public ----------------------------------------------------------------------------------
    def __call__(self, text: str) -> str:
        return self.normalize(text)

    def normalize(self, text: str) -> str:
        """Normalise one text. ``None`` or a non-string raises ``TypeError``."""
        if not isinstance(text, str):
            raise TypeError(f"expected a str to normalise, got {type(text).__name__}" + (" (a missing text?)" if text is None else ""))
        return self._normalize_prepared(self._prepare(text))

    def normalize_and_find(self, text: str, finder: ContestantMatcher | None) -> tuple[str, list[str] | None]:
        """The normalised text and the pairs ``finder`` finds in the raw text (None without a
        finder), in one pass: the text is repaired once, for both.

        >>> n = Normalizer()
        >>> n.normalize_and_find("Dukung Prabowonya!!", load_election("pemilu-2024").matcher)
        ('dukung prabowonya!', ['02'])
        """
        if not isinstance(text, str):
            raise TypeError(f"expected a str to normalise, got {type(text).__name__}" + (" (a missing text?)" if text is None else ""))
        prepared = self._prepare(text)
        found = finder.pairs_mentioned(prepared, prepared=True) if finder is not None else None
        return self._normalize_prepared(prepared), found

    @staticmethod
    def _prepare(text: str) -> str:
        """The first stage, shared with the contestant finder (:func:`~netral_nlp.text.confusables.reveal`)."""
        return reveal(text)

    def _normalize_prepared(self, text: str) -> str:
        # normalize(normalize(x)) must equal normalize(x), so an output that could still change is
        # normalised again until it is stable (real posts almost always stop after one check).
        out, unsure = self._normalize_once(text, prepared=True)
        for _ in range(_MAX_ROUNDS):
            if not unsure:
                break
            again, unsure = self._normalize_once(out)
            if again == out:
                break
            out = again
        # Stemming comes last, once: Sastrawi's stems are not all stems of themselves.
        if self._stemmer is not None and out:
            out = self._stem_tokens(out)
        return out

    def _normalize_once(self, text: str, *, prepared: bool = False) -> tuple[str, bool]:
        """One pass of the stages; also whether normalising the result again could change it."""
        if not text:
            return "", False
        if not prepared:
            # Invisible characters and look-alike letters go after the repair (a soft hyphen is
            # part of the mojibake of "í") and before anything looks for words.
            text = self._prepare(text)
        if "&" in text:
            for _ in range(3):
                unescaped = html.unescape(text)
                if unescaped == text:
                    break
                text = unescaped
        # Each regex runs only where the text holds what it needs to match (a test far cheaper than
        # the search); the tests are exact, so the output is the same as running them all.
        low = text.lower()
        if "/" in text or "www." in low:
            text = _URL.sub(" HTTPURL ", text)
        if "URL" in text:
            text = _PLACEHOLDER_URL.sub(" HTTPURL ", text)
        if "USER" in text:
            text = _PLACEHOLDER_USER.sub(" @USER ", text)
        # After the placeholders, which can free a marker ("[USERNAME]RT USER"); they make no "rt".
        if "rt" in low:
            text = _RT.sub(" ", text)
        if "@" in text or "#" in text:
            split = "#" in text and self.config.hashtags != "keep"
            text = _CHAIN.sub(self._mentions_and_hashtags, text)
            if split and "rt" in text.lower():  # a split hashtag can end in an RT marker ("#SayaRT @x")
                text = _RT.sub(" ", text)
        if self._matcher is not None:
            text = self._matcher.mask(text)
        # Whether the stages below made new words or neighbours that the stages above would now
        # treat otherwise: an emoji name or a dropped variation selector ("1\ufe0f\u20e3rt@x" ->
        # ":keycap_1: rt@x"), a shortened word that is a name or a laugh ("pakdeee", "heheee").
        reshaped = False
        if not text.isascii():
            demojized = self._emoji(text)
            reshaped = demojized != text
            text = demojized
        text = text.lower()
        if "httpurl" in text or "@user" in text or "[" in text:
            text = _PROTECT.sub(_restore_placeholder, text)
        if _ELONGATED.search(text):
            text = _ELONGATED_WORD.sub(lambda m: self._fix_elongation(m.group(0)), text)
            reshaped = True
        if any(h in text for h in _LAUGH_HINTS):  # after elongation, which can make a laugh ("heheee")
            text = _LAUGH.sub("wkwk", text)
        if "!" in text or "?" in text:
            text = _REPEAT_QE.sub(r"\1", text)
        if ".." in text or "…" in text:
            text = _REPEAT_DOT.sub("...", text)
        if ",," in text:
            text = _REPEAT_COMMA.sub(",", text)
        if self._token_mode:
            # Slang and dropped punctuation make new words and neighbours ("fekaes" -> "partai
            # keadilan sejahtera", a party to mask; 'RT"USER' -> "rt @USER"): always check again.
            return " ".join(self._linear_tokens(text)), True
        out = " ".join(text.split())  # the same as collapsing r"\s+" and stripping
        # Lower-casing can turn repaired text back into what ftfy reads as mojibake ("¬À" -> "¬à",
        # read as "ˆ"), and a cut-off byte escape hidden by trailing spaces ("...\\x ") shows.
        return out, reshaped or not out.isascii() or "\\x" in out

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
        text = reveal(text)
        return [item for m in _CHAIN.finditer(text) for item in _CHAIN_ITEM.findall(m.group(0)) if item[0] == "#"]

    def contestants(self, text: str) -> list[str]:
        """Ballot labels (``"01"``...) of the pairs a raw text mentions, found by the election's
        one finder (:meth:`ElectionConfig.contestants`); needs an election."""
        if self._matcher is None:
            raise ValueError("contestants() needs a Normalizer built with election=...")
        return self._matcher.pairs_mentioned(text)


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
