"""Lexicons shipped with the package: slang/alay, stopwords, word frequencies, protected words.

Each file keeps its source and licence beside it (``resources/lexicons/README.md``). Loading is
lazy and cached: the first normaliser that needs a lexicon reads it once per process.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

__all__ = ["load_slang", "load_stopwords", "load_wordfreq", "protected_words", "read_user_lexicon"]

_LEX = "resources/lexicons"
_WORD = re.compile(r"^[a-z0-9][a-z0-9'-]*$")

# Entries of the public slang lists that are wrong for political text or change meaning; the
# curated list wins over them. (key -> replacement; an empty replacement keeps the word as is.)
_CURATED_SLANG: dict[str, str] = {
    "ps": "",  # Prabowo Subianto, not "play station"
    "gp": "",  # Ganjar Pranowo
    "pks": "",  # a party: keep the name, not its expansion
    "pdip": "",
    "amin": "",
    "aamiin": "amin",
    "jkw": "jokowi",
    "jokowi": "",
    "wowo": "",
    "abah": "",
    "cebong": "",
    "kampret": "",
    "paslon": "",
    "capres": "",
    "cawapres": "",
    "caleg": "",
    "timses": "",
    "golput": "",
    "petahana": "",  # the incumbent; a public list maps it to "pertahanan" (defence)
    "kpu": "",
    "tps": "",  # tempat pemungutan suara: keep the term of election logistics
    "bawaslu": "",
    "dpr": "",
    "ahok": "",
    "pilpres": "",
    "pemilu": "",
    "pilkada": "",
    "coblos": "",
    "nyoblos": "coblos",
    "gak": "tidak",
    "ga": "tidak",
    "nggak": "tidak",
    "enggak": "tidak",
    "tdk": "tidak",
    "jgn": "jangan",
    "gk": "tidak",
    "yg": "yang",
    "dgn": "dengan",
    "utk": "untuk",
    "krn": "karena",
    "bgt": "banget",
    "wkwk": "",
}

# Words whose meaning the normaliser must not change: negations and words of the neutrality
# rules, kept out of the stopword list even where a public list has them.
_KEEP_WORDS = frozenset(
    [
        "tidak",
        "bukan",
        "jangan",
        "belum",
        "tak",
        "tanpa",
        "nggak",
        "gak",
        "pilih",
        "memilih",
        "dipilih",
        "ganti",
        "lanjut",
        "lanjutkan",
        "dukung",
        "mendukung",
        "menang",
        "kalah",
        "presiden",
        "wakil",
        "calon",
        "nomor",
        "urut",
        "satu",
        "dua",
        "tiga",
        "empat",
        "lima",
        "periode",
        "rakyat",
        "negara",
        "pemerintah",
        "asn",
        "pns",
        "netral",
        "netralitas",
        "kampanye",
    ]
)


def _files() -> Path:
    return Path(str(resources.files("netral_nlp").joinpath(_LEX)))


def read_user_lexicon(path: str | Path) -> dict[str, str]:
    """Read a user's slang file: CSV/TSV with two columns (slang, standard) or a JSON object.

    Lines starting with ``#`` are comments. Errors name the file and line.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"slang lexicon not found: {path}")
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise ValueError(f"{path}: expected a JSON object of string -> string")
        return {k.strip().lower(): v.strip().lower() for k, v in data.items() if k.strip()}
    delim = "\t" if path.suffix in (".tsv", ".tab") else ","
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, row in enumerate(csv.reader(fh, delimiter=delim), start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 2:
                raise ValueError(f"{path}:{lineno}: expected 2 columns (slang{delim!r}standard), got {len(row)}: {row!r}")
            if row[0].strip():
                out[row[0].strip().lower()] = row[1].strip().lower()
    return out


def _close(mapping: dict[str, str]) -> dict[str, str]:
    """Resolve chains (a -> b, b -> c) so that applying the lexicon twice changes nothing more."""
    out: dict[str, str] = {}
    for key, value in mapping.items():
        seen = {key}
        for _ in range(5):
            words = value.split()
            nxt = " ".join(mapping.get(w, w) or w for w in words)
            if nxt == value or any(w in seen for w in nxt.split() if w not in words):
                break
            seen.update(words)
            value = nxt
        if value.split() != [key] and not any(mapping.get(w, w) not in ("", w) for w in value.split()):
            out[key] = value
    return out


@functools.lru_cache(maxsize=8)
def _load_slang(extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    d = _files()
    merged: dict[str, str] = {}
    for k, v in json.loads((d / "louisowen6_combined_slang_words.json").read_text(encoding="utf-8")).items():
        merged[k.strip().lower()] = v.strip().lower()
    with open(d / "ibrohim2019_new_kamusalay.csv", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) == 2 and row[0].strip():
                merged[row[0].strip().lower()] = row[1].strip().lower()
    merged.update(_CURATED_SLANG)
    merged.update(dict(extra))
    # Keep one-word keys of plain word characters; an empty replacement means "keep the word".
    merged = {k: (v if v else k) for k, v in merged.items() if _WORD.match(k)}
    return _close({k: v for k, v in merged.items() if v != k} | {k: k for k, v in merged.items() if v == k})


def load_slang(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The slang/alay -> standard Indonesian mapping; ``extra`` entries add to or override it."""
    return _load_slang(tuple(sorted((extra or {}).items())))


@functools.lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """Indonesian stopwords (stopwords-iso), without negations and election words."""
    words = (_files() / "stopwords_iso_id.txt").read_text(encoding="utf-8").split()
    return frozenset(w.lower() for w in words) - _KEEP_WORDS


@functools.lru_cache(maxsize=1)
def load_wordfreq() -> dict[str, int]:
    """Word -> count from public Indonesian text, used to split hashtags and undo elongation."""
    out: dict[str, int] = {}
    with open(_files() / "id_wordfreq.tsv", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            w, c = line.rstrip("\n").split("\t")
            out[w] = int(c)
    return out


@functools.lru_cache(maxsize=1)
def protected_words() -> frozenset[str]:
    """Words the stemmer must never touch: places, institutions, and curated campaign words."""
    text = (_files() / "protected_words.txt").read_text(encoding="utf-8")
    return frozenset(w.lower() for line in text.splitlines() if line and not line.startswith("#") for w in line.split())
