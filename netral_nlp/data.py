"""Reading the project's labelled corpus and users' labelled sets, with clear errors.

>>> from netral_nlp.data import load_corpus
>>> ds = load_corpus()                       # a datasets.DatasetDict: train / dev / test
>>> df = load_corpus("test", as_pandas=True)  # one split as a pandas DataFrame
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from netral_nlp.configfile import short_repr
from netral_nlp.errors import InputError, MissingFileError
from netral_nlp.labels import LABELS
from netral_nlp.tables.formats import DEFAULT_ENCODING
from netral_nlp.tables.frame import read_frame
from netral_nlp.tables.rows import MAX_TEXT_CHARS
from netral_nlp.text.encoding import repair_encoding

if TYPE_CHECKING:
    import datasets

__all__ = [
    "CORPUS_ENV",
    "LABELLED_CODES",
    "MIN_ROWS_PER_LABEL",
    "POSTS2024_ENV",
    "POSTS2024_LICENCES",
    "LabelledSet",
    "check_splits",
    "check_trainable",
    "clean_post_text",
    "corpus_path",
    "load_corpus",
    "posts2024_path",
    "read_labelled",
    "text_sha256",
]

logger = logging.getLogger("netral_nlp")

#: Environment variable that points at a corpus.csv elsewhere (e.g. a non-editable install).
CORPUS_ENV = "NETRAL_CORPUS"
#: Environment variable that points at a local copy of ``posts2024`` (the folder of per-source
#: ``posts.jsonl`` files) from which the corpus joins the texts it may not redistribute.
POSTS2024_ENV = "NETRAL_POSTS2024"
SPLITS = ("train", "dev", "test")
#: Where a checkout finds ``posts2024`` by default: the ``shared`` folder beside the checkout.
_DEFAULT_POSTS2024 = Path(__file__).resolve().parents[2] / "shared" / "data" / "posts2024"
#: Rows each label needs in a labelled file to train on it: the stratified 80/20 split then puts
#: at least one of each label in the dev split that calibrates the model, and four in train.
MIN_ROWS_PER_LABEL = 5
#: Codes of the problems of a labelled file, by kind of the table layer (see netral_nlp.errors.CODES).
LABELLED_CODES: dict[str, str] = {
    "not_found": "E118",
    "format": "E112",
    "columns": "E113",
    "unreadable": "E116",
    "json": "E111",
    "not_object": "E111",
    "bytes": "E110",
    "too_large": "E117",
    "too_deep": "E117",
    "csv_record": "E116",
    "cut": "E116",
}
E_TOO_LITTLE = "E115"  # too little data to train or evaluate
E_NOT_FOUND = LABELLED_CODES["not_found"]

#: Licence of each source of ``posts2024``: only MIT texts may be committed; for the others the
#: corpus keeps ids, labels and a hash, and the loader joins the texts from a local copy.
POSTS2024_LICENCES = {
    "ghazafm_pilpres2024_twitter": "MIT",
    "achmaddhani_prabowogibran_twitter": "MIT",
    "luthfilkhairi_politik_twitter": "MIT",
    "andihisyam_pilkada2024_twitter": "MIT",
    "andihisyam_jkt48_twitter": "MIT",
    "fahrihilm_timnas_youtube": "MIT",
    "rizano26_pemilu2024_twitter": "none stated (ids and labels only)",
    "ndtsaniyah_debatcapres_youtube": "none stated (ids and labels only)",
    "larassetyadita_pilgubjakarta_twitter": "none stated (ids and labels only)",
    "rahmaputri_pilkadajatim_twitter": "none stated (ids and labels only)",
    "salatid_pilkadabanten_youtube": "none stated (ids and labels only)",
    "davidkristian_mbg_twitter": "none stated (ids and labels only)",
    "tippoart_gerindra_tiktok": "none stated (ids and labels only)",
    "atrkhomeini_coffeeshop_twitter": "none stated (ids and labels only)",
}

_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)
_HTML_TAG = re.compile(r"</?(?:a|b|i|u|s|span|strike)\b[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # spreadsheets write control bytes as _x008D_


def clean_post_text(raw: str) -> str:
    """The text of a scraped post as a reader sees it: HTML of YouTube comments turned into plain
    text (``<br>`` -> line break, link tags dropped with their text kept, entities expanded),
    spreadsheet escapes (``_x008D_``) and encodings repaired, runs of spaces collapsed. Deterministic: the corpus stores, and the loader
    rebuilds, texts with it.

    >>> clean_post_text('Hebat &amp; tegas<br><a href="https://youtu.be/x?t=84">1:24</a> pak  Prabowo')
    'Hebat & tegas\n1:24 pak Prabowo'
    """
    text = _HTML_TAG.sub("", _HTML_BREAK.sub("\n", raw))
    text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = repair_encoding(html.unescape(text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def text_sha256(raw: str) -> str:
    """SHA-256 (hex) of a post's verbatim UTF-8 text: how the corpus checks a joined text."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def corpus_path() -> Path:
    """Where ``corpus.csv`` is: ``$NETRAL_CORPUS``, else ``data/netral-corpus`` of the checkout."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env)
    path = Path(__file__).resolve().parents[1] / "data" / "netral-corpus" / "corpus.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"corpus not found at {path}. The corpus ships with the source checkout (data/netral-corpus); "
            f"install from a checkout with `pip install -e .`, or set {CORPUS_ENV}=/path/to/corpus.csv"
        )
    return path


def posts2024_path(posts2024: str | Path | None = None) -> Path:
    """Where the corpus looks for the ``posts2024`` texts: the argument, else ``$NETRAL_POSTS2024``,
    else ``../shared/data/posts2024`` beside the source checkout."""
    if posts2024 is not None:
        return Path(posts2024)
    env = os.environ.get(POSTS2024_ENV)
    return Path(env) if env else _DEFAULT_POSTS2024


#: Texts read from a posts2024 folder in this process: (folder, source) -> {source_id: raw text}.
_SOURCE_TEXTS: dict[tuple[str, str], dict[str, str]] = {}
#: Folders whose absence was already reported in this process (the warning is said once).
_WARNED: set[str] = set()


def _source_texts(folder: Path, source: str, wanted: set[str]) -> dict[str, str]:
    key = (str(folder.resolve()), source)
    cached = _SOURCE_TEXTS.get(key)
    if cached is None or not wanted <= cached.keys():
        cached = {}
        file = folder / source / "posts.jsonl"
        if file.is_file():
            with file.open(encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    if str(row.get("source_id")) in wanted:
                        cached[str(row["source_id"])] = row.get("text") or ""
        _SOURCE_TEXTS[key] = cached
    return cached


def _join_texts(df: pd.DataFrame, posts2024: str | Path | None) -> pd.DataFrame:
    """Fill the texts the corpus keeps only as ids and hashes from a local ``posts2024``; drop
    (with one clear warning) the rows whose text is unavailable or changed."""
    if "text_sha256" not in df.columns:
        return df
    need = (df["text"] == "") & (df["text_sha256"] != "")
    if not need.any():
        return df
    folder = posts2024_path(posts2024)
    texts = df["text"].copy()
    changed = 0
    if folder.is_dir():
        for source, part in df[need].groupby("source"):
            found = _source_texts(folder, str(source), set(part["source_id"]))
            for idx, sid, digest in zip(part.index, part["source_id"], part["text_sha256"], strict=True):
                raw = found.get(sid)
                if raw is None:
                    continue
                if text_sha256(raw) != digest:
                    changed += 1
                    continue
                texts.at[idx] = clean_post_text(raw)
    df = df.assign(text=texts)
    missing = int((df["text"] == "").sum())
    if missing:
        where = str(folder)
        if where not in _WARNED:
            _WARNED.add(where)
            how = (
                f"{folder} was not found"
                if not folder.is_dir()
                else f"{missing - changed} are not in {folder} and {changed} differ from the labelled text there"
            )
            logger.warning(
                "%d of %d corpus rows are unavailable and left out: they are 2024 posts whose licence lets the corpus keep only "
                "ids, labels and a hash of the text, and %s. Get the posts2024 folder (../shared/data/posts2024 of the project) "
                "and pass load_corpus(posts2024=...) or set %s=/path/to/posts2024.",
                missing,
                len(df),
                how,
                POSTS2024_ENV,
            )
        df = df[df["text"] != ""]
    return df


def load_corpus(
    split: str | None = None,
    *,
    as_pandas: bool = False,
    min_confidence: str | None = None,
    path: str | Path | None = None,
    posts2024: str | Path | None = None,
) -> datasets.DatasetDict | datasets.Dataset | pd.DataFrame:
    """Load the netral corpus.

    ``split=None`` gives every split (a ``DatasetDict``, or one DataFrame with a ``split`` column
    when ``as_pandas``); ``"train"``, ``"dev"`` or ``"test"`` gives one. ``min_confidence="high"``
    keeps only posts whose label the annotators marked as clear.

    The 2024 posts of sources without a licence to redistribute are stored as ids, labels and a
    SHA-256 of the text; their texts are joined from a local ``posts2024`` folder (``posts2024``,
    else ``$NETRAL_POSTS2024``, else ``../shared/data/posts2024`` beside the checkout) and checked
    against the hash. Rows whose text is unavailable are left out, with one warning that says how
    many and how to get them.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {SPLITS} or None")
    if min_confidence not in (None, "low", "high"):
        raise ValueError("min_confidence must be None, 'low' or 'high'")
    df = pd.read_csv(path or corpus_path(), dtype=str, keep_default_na=False)
    if split is not None:
        df = df[df["split"] == split]
    df = _join_texts(df, posts2024)
    if min_confidence == "high":
        df = df[df["confidence"] == "high"]
    df = df.reset_index(drop=True)
    if as_pandas:
        return df
    import datasets

    if split is not None:
        return datasets.Dataset.from_pandas(df, preserve_index=False)
    return datasets.DatasetDict(
        {s: datasets.Dataset.from_pandas(df[df["split"] == s].reset_index(drop=True), preserve_index=False) for s in SPLITS}
    )


@dataclasses.dataclass
class LabelledSet:
    """A validated labelled set: ``texts`` and ``labels`` in file order, plus what was read."""

    texts: list[str]
    labels: list[str]
    ids: list[str]
    frame: pd.DataFrame
    path: str

    def summary(self) -> str:
        counts = Counter(self.labels)
        parts = ", ".join(f"{k}: {counts.get(k, 0)}" for k in sorted(counts))
        return f"{self.path}: {len(self.texts)} labelled posts ({parts})"

    def __len__(self) -> int:
        return len(self.texts)


def read_labelled(
    path: str | Path,
    *,
    text_key: str = "text",
    label_key: str = "label",
    id_key: str | None = "id",
    labels: tuple[str, ...] = LABELS,
    encoding: str = DEFAULT_ENCODING,
) -> LabelledSet:
    """Read and validate a user's labelled set (CSV, TSV, JSONL or Parquet, optionally .gz), read
    by the table layer (:mod:`netral_nlp.tables`: UTF-8 unless ``encoding`` names another).

    Every problem is reported with file, line and field: missing columns, empty or non-string
    text, unknown labels (listing the allowed ones), bad encodings, duplicated ids. All problems
    of the rows are collected and raised together, so one run shows every row to fix; a row that
    cannot be read at all (invalid JSON, bytes that do not decode) stops the reading there.

    >>> read_labelled("my_labels.csv").summary()                         # doctest: +SKIP
    'my_labels.csv: 120 labelled posts (campaign: 40, non_political: 40, political_neutral: 40)'
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"labelled set not found: {path}" if not path.exists() else f"{path}: not a file", code=E_NOT_FOUND)
    frame = read_frame(path, codes=LABELLED_CODES, encoding=encoding)
    df = frame.data
    missing = [c for c in (text_key, label_key) if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; found {list(df.columns)}", code="E113")
    problems: list[str] = []
    for i, (text, label) in enumerate(zip(df[text_key].tolist(), df[label_key].tolist(), strict=True)):
        where = frame.where[i]
        if not isinstance(text, str):
            problems.append(f"{where}: field {text_key!r} is {type(text).__name__}, expected text")
        elif not text.strip():
            problems.append(f"{where}: field {text_key!r} is empty")
        elif len(text) > MAX_TEXT_CHARS:
            problems.append(f"{where}: field {text_key!r} is {len(text)} characters long, more than the {MAX_TEXT_CHARS} a post can have")
        if not isinstance(label, str) or label not in labels:
            problems.append(f"{where}: field {label_key!r} has unknown label {short_repr(label)}; allowed: {', '.join(labels)}")
    ids: list[str]
    if id_key and id_key in df.columns:
        ids = [str(x) for x in df[id_key].tolist()]
        seen: dict[str, int] = {}
        for i, x in enumerate(ids):
            if x in seen:
                problems.append(f"{frame.where[i]}: field {id_key!r} duplicates id {x!r} of line {frame.lines[seen[x]]}")
            else:
                seen[x] = i
    else:
        ids = [str(n) for n in frame.lines]
    if problems:
        head = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise InputError(f"{path}: {len(problems)} problem(s):\n  {head}{more}", code="E114")
    return LabelledSet(texts=list(df[text_key]), labels=list(df[label_key]), ids=ids, frame=df, path=str(path))


def check_trainable(labels: Sequence[str], *, source: str, known: Sequence[str] = LABELS) -> None:
    """Raise :class:`~netral_nlp.errors.InputError` (``E115``) unless every label has at least
    :data:`MIN_ROWS_PER_LABEL` rows: a model cannot learn a class it never sees, and the
    train/dev split needs some of each.

    >>> check_trainable(["campaign"] * 9 + ["non_political"], source="my.csv")
    Traceback (most recent call last):
    netral_nlp.errors.InputError: [E115] my.csv: too little data to train: campaign: 9 rows, political_neutral: 0 rows (missing), non_political: 1 row; each label needs at least 5 (4 to train on, 1 for the dev split that calibrates the model)
    """
    counts = Counter(labels)
    if not counts:
        raise InputError(f"{source}: no labelled rows to train on (an empty or header-only file?)", code=E_TOO_LITTLE)
    if all(counts.get(k, 0) >= MIN_ROWS_PER_LABEL for k in known):
        return
    parts = []
    for k in known:
        n = counts.get(k, 0)
        parts.append(f"{k}: {n} row{'' if n == 1 else 's'}{' (missing)' if n == 0 else ''}")
    raise InputError(
        f"{source}: too little data to train: {', '.join(parts)}; each label needs at least {MIN_ROWS_PER_LABEL} "
        f"({MIN_ROWS_PER_LABEL - 1} to train on, 1 for the dev split that calibrates the model)",
        code=E_TOO_LITTLE,
    )


def check_splits(splits: Mapping[str, tuple[Sequence[str], Sequence[str]]], *, source: str, known: Sequence[str] = LABELS) -> None:
    """Raise ``E115`` when the train split lacks a label or the dev split is empty (after
    ``max_train_samples``, say), naming what is missing.

    >>> check_splits({"train": (["a", "b"], ["campaign", "non_political"]), "dev": (["c"], ["campaign"])}, source="my.csv")
    Traceback (most recent call last):
    netral_nlp.errors.InputError: [E115] my.csv: the train split has no 'political_neutral' row (2 rows); a model needs examples of every label
    """
    train = Counter(splits["train"][1])
    missing = [k for k in known if not train.get(k)]
    if missing:
        raise InputError(
            f"{source}: the train split has no {', '.join(repr(k) for k in missing)} row ({len(splits['train'][1])} rows); "
            "a model needs examples of every label",
            code=E_TOO_LITTLE,
        )
    if not splits["dev"][1]:
        raise InputError(f"{source}: the dev split is empty; the model is calibrated on it", code=E_TOO_LITTLE)
