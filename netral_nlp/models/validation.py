"""One validation layer for model folders: nothing in a folder can make the library read other
files, run code or give silent nonsense.

A model folder is checked before anything in it is used:

- ``netral_config.json`` against a schema (:class:`ModelConfig`): known kinds, the project's
  labels, a temperature > 0, a campaign threshold in [0, 1], known normaliser and feature settings
  only (a ``features`` entry goes to scikit-learn, so ``"input": "filename"`` would make
  ``predict("halo")`` read the file ``./halo``), and an election that is a shipped name: a model
  never names an election file (the user may pass one explicitly: ``load_model(path,
  election="my-pilkada.yaml")``);
- weights in safetensors only, their header read and checked against the file size (a truncated
  file is caught before loading), tensors and vocabularies consistent with each other; a folder
  whose weights exist only as pickle (``pytorch_model.bin``...) is refused, never loaded.

Every problem is a :class:`~netral_nlp.errors.ModelError` with a stable code that names the folder,
the file and the field:

==== ===================================================================================
E401 no model folder at the path given
E402 ``netral_config.json`` cannot be read: not JSON, not an object, too large
E403 a field of ``netral_config.json`` missing, of the wrong type, or out of range
E404 weights missing, or only in a pickle format
E405 damaged files: truncated safetensors, tensors or vocabularies that do not fit together
==== ===================================================================================

>>> read_model_config("models/netral-linear")["kind"]         # doctest: +SKIP
'linear'
>>> check_model_folder("runs/broken")                           # doctest: +SKIP
Traceback (most recent call last):
netral_nlp.errors.ModelError: [E403] runs/broken/netral_config.json: field 'temperature': Input should be greater than 0, got 0
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic

from netral_nlp.configfile import short_repr
from netral_nlp.errors import ModelError, NetralError

__all__ = [
    "MAX_CONFIG_BYTES",
    "ModelConfig",
    "ModelFolderMissingError",
    "check_model_folder",
    "check_temperature",
    "loading",
    "read_model_config",
    "user_election",
]

#: The model's own settings inside a saved folder (the same name as ``base.META_FILE``).
CONFIG_FILE = "netral_config.json"
#: Largest ``netral_config.json`` read (training history included, a real one is a few KB).
MAX_CONFIG_BYTES = 16 * 1024 * 1024
#: Largest vocabulary file of the linear model (the shipped ones are under 4 MB together).
MAX_VOCAB_BYTES = 256 * 1024 * 1024
#: Largest n in an n-gram setting: beyond it the feature space is nonsense, and slow.
MAX_NGRAM = 10
#: Longest token pattern of the word vectoriser (a regular expression).
MAX_PATTERN_CHARS = 500
#: Weights files in a pickle format: refused, never opened.
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack", "model.ckpt.index")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib")
#: Files of a tokenizer, one of which a transformer folder must hold.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model", "spiece.model")

_KNOWN_LABELS = ("campaign", "political_neutral", "non_political")

#: An election the user passed explicitly while loading (see :func:`user_election`).
_USER_ELECTION: contextvars.ContextVar[Any] = contextvars.ContextVar("netral_user_election", default=None)

_STRICT = pydantic.ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class ModelFolderMissingError(ModelError, FileNotFoundError):
    """No model folder at the path given (``E401``; still a ``FileNotFoundError``)."""

    code = "E401"


class NormalizerSettings(pydantic.BaseModel):
    """The ``normalizer`` entry: exactly what :meth:`Normalizer.to_dict` writes."""

    model_config = _STRICT

    preset: Literal["transformer", "linear"]
    hashtags: Literal["split", "split_marked", "keep"] = "split"
    emoji: Literal["demojize", "keep", "remove"] = "demojize"
    slang: bool = False
    stopwords: bool = False
    stem: bool = False
    election: str | None = None

    @pydantic.field_validator("election")
    @classmethod
    def _shipped_election(cls, value: str | None) -> str | None:
        from netral_nlp.elections import available_elections, is_shipped_election

        if value is None or is_shipped_election(value) or _USER_ELECTION.get() is not None:
            return value
        raise ValueError(
            f"{short_repr(value)} is not a shipped election ({', '.join(available_elections())}); a model may only name "
            "a shipped one. For a model trained on your own election file, pass it: load_model(path, election='my.yaml') "
            "or --election my.yaml"
        )


_Count = Annotated[int, pydantic.Field(ge=1)]
_Fraction = Annotated[float, pydantic.Field(gt=0.0, le=1.0)]


class FeatureSettings(pydantic.BaseModel):
    """One TF-IDF vectoriser of the linear model: only settings that shape features, none that
    make scikit-learn read files (``input``), run code (``preprocessor``, ``tokenizer``) or
    change decoding."""

    model_config = _STRICT

    analyzer: Literal["word", "char", "char_wb"]
    ngram_range: Annotated[list[Annotated[int, pydantic.Field(ge=1, le=MAX_NGRAM)]], pydantic.Field(min_length=2, max_length=2)]
    min_df: _Count | _Fraction = 1
    max_df: _Count | _Fraction = 1.0
    max_features: _Count | None = None
    token_pattern: Annotated[str, pydantic.Field(max_length=MAX_PATTERN_CHARS)] | None = None

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> FeatureSettings:
        lo, hi = self.ngram_range
        if lo > hi:
            raise ValueError(f"ngram_range {self.ngram_range}: the first must not be above the second")
        if self.token_pattern is not None:
            try:
                groups = re.compile(self.token_pattern).groups
            except re.error as exc:
                raise ValueError(f"token_pattern is not a regular expression ({exc})") from None
            if groups > 1:  # scikit-learn refuses it, but only when the first text is classified
                raise ValueError(f"token_pattern has {groups} capturing groups; scikit-learn takes at most one")
        return self


class LinearFeatures(pydantic.BaseModel):
    model_config = _STRICT

    word: FeatureSettings
    char: FeatureSettings


class ModelConfig(pydantic.BaseModel):
    """The schema of ``netral_config.json``. Other top-level fields (``training``, ``metrics``,
    ``history``, ``base_model``...) are kept as information and never used to open anything."""

    model_config = pydantic.ConfigDict(strict=True, extra="allow", allow_inf_nan=False)

    kind: str
    labels: list[str]
    normalizer: NormalizerSettings
    temperature: Annotated[float, pydantic.Field(gt=0.0)] = 1.0
    campaign_threshold: Annotated[float, pydantic.Field(ge=0.0, le=1.0)] | None = None
    precision_threshold: Annotated[float, pydantic.Field(ge=0.0, le=1.0)] | None = None
    batch_size: Annotated[int, pydantic.Field(ge=1, le=1 << 16)] | None = None
    netral_nlp_version: Annotated[str, pydantic.Field(max_length=40)] | None = None
    # the linear model
    features: LinearFeatures | None = None
    C: Annotated[float, pydantic.Field(gt=0.0)] | None = None
    class_weight: Literal["balanced"] | None = None
    seed: int | None = None
    # a transformer
    max_length: Annotated[int, pydantic.Field(ge=1, le=1 << 16)] | None = None
    precision: Literal["auto", "fp32", "bf16", "int8"] | None = None
    # the static (fast) model
    dim: Annotated[int, pydantic.Field(ge=1, le=1 << 14)] | None = None
    pair_buckets: Annotated[int, pydantic.Field(ge=0, le=1 << 24)] | None = None
    # a cascade: two shipped models by name (never a path), and the first one's confidence
    first: str | None = None
    second: str | None = None
    confidence: Annotated[float, pydantic.Field(ge=0.0, le=1.0)] | None = None

    @pydantic.field_validator("kind")
    @classmethod
    def _registered_kind(cls, value: str) -> str:
        from netral_nlp.models.registry import MODEL_KINDS

        if value not in MODEL_KINDS:
            raise ValueError(f"unknown model kind {short_repr(value)}; known kinds: {', '.join(sorted(MODEL_KINDS))}")
        return value

    @pydantic.field_validator("labels")
    @classmethod
    def _project_labels(cls, value: list[str]) -> list[str]:
        if sorted(value) != sorted(_KNOWN_LABELS):
            raise ValueError(f"expected the labels {list(_KNOWN_LABELS)} in some order, got {short_repr(value)}")
        return value

    @pydantic.model_validator(mode="after")
    def _kind_fields(self) -> ModelConfig:
        if self.kind == "linear":
            missing = [k for k in ("features", "C", "seed") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a linear model needs the field(s) {missing}")
        if self.kind == "cascade":
            from netral_nlp.models.registry import SHIPPED_MODELS

            missing = [k for k in ("first", "second", "confidence") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a cascade needs the field(s) {missing}")
            shipped = sorted(n for n in SHIPPED_MODELS if SHIPPED_MODELS[n] != SHIPPED_MODELS.get("cascade"))
            for name in (self.first, self.second):
                if name not in shipped:
                    raise ValueError(f"a cascade names shipped models only ({', '.join(shipped)}), not {short_repr(name)}")
        return self


# --- reading ------------------------------------------------------------------------------------


def _folder(path: str | Path) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        if not folder.exists():
            raise ModelFolderMissingError(f"{folder}: no model folder there")
        raise ModelError(f"{folder}: not a folder", code="E401")
    return folder


def _error_location(data: Any, loc: tuple[Any, ...]) -> str:
    # pydantic adds the member type of a union to the location ("min_df.int"): keep only the
    # part of the location that exists in the data.
    parts: list[str] = []
    node = data
    for key in loc:
        found = (isinstance(node, dict) and key in node) or (isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node))
        if found:
            node = node[key]
        elif not parts or isinstance(node, dict):
            parts.append(str(key))  # a missing field
            break
        else:
            break
        parts.append(str(key))
    return ".".join(parts)


def _parse_config(file: Path, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ModelError(f"{file}: expected a JSON object, got {type(data).__name__}", code="E402")
    try:
        ModelConfig.model_validate(data)
    except pydantic.ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = _error_location(data, err["loc"])
        # A value error says what it got itself; a missing field got nothing.
        got = "" if err["type"] in ("missing", "value_error") or "input" not in err else f", got {short_repr(err['input'])}"
        message = err["msg"].removeprefix("Value error, ")
        raise ModelError(f"{file}: field {field!r}: {message}{got}" if field else f"{file}: {message}", code="E403") from None
    return data


def read_model_config(path: str | Path) -> dict[str, Any]:
    """The validated settings of the model in folder ``path`` (``netral_config.json``), as a dict.

    With an election given to :func:`user_election`, that election replaces the one the config
    names, so that a model trained on the user's own election file can be loaded with it.
    """
    folder = _folder(path)
    file = folder / CONFIG_FILE
    if not file.is_file():
        raise ModelError(f"{file}: missing; a saved model folder holds its settings there", code="E402")
    size = file.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise ModelError(f"{file}: {size} bytes, more than the {MAX_CONFIG_BYTES} a model config may have", code="E402")
    try:
        data = json.loads(file.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ModelError(f"{file}: not valid JSON ({reason})", code="E402") from None
    data = _parse_config(file, data)
    named, override = data["normalizer"].get("election"), _USER_ELECTION.get()
    if override is not None and named is not None:
        from netral_nlp.elections import is_shipped_election

        if not is_shipped_election(named):
            data["normalizer"] = {**data["normalizer"], "election": override}
    return data


@contextlib.contextmanager
def user_election(election: Any) -> Iterator[None]:
    """While the block runs, an election the user gave explicitly (a name, a file, an
    :class:`~netral_nlp.elections.ElectionConfig`) stands in for an election a model's config names
    that is not a shipped one: such a model (trained on the user's own election file) can then be
    loaded. ``None`` changes nothing.

    >>> with user_election("my-pilkada.yaml"):                      # doctest: +SKIP
    ...     model = LinearClassifier.from_pretrained("models/my-pilkada-model")
    """
    if election is None:
        yield
        return
    token = _USER_ELECTION.set(election if not isinstance(election, Path) else str(election))
    try:
        yield
    finally:
        _USER_ELECTION.reset(token)


# --- weights and vocabularies -------------------------------------------------------------------


def _pickles(folder: Path) -> list[str]:
    return sorted(f.name for f in folder.iterdir() if f.name in PICKLE_WEIGHTS or f.suffix in PICKLE_SUFFIXES)


def _no_weights(folder: Path, expected: str) -> ModelError:
    pickles = _pickles(folder)
    if pickles:
        return ModelError(
            f"{folder}: the weights are only in a pickle format ({', '.join(pickles)}), which can run code when loaded and is "
            f"never loaded here; convert them to safetensors ({expected})",
            code="E404",
        )
    return ModelError(f"{folder}: no weights ({expected} is missing)", code="E404")


def _safetensors_header(file: Path) -> dict[str, tuple[str, list[int]]]:
    """Names, dtypes and shapes of the tensors of a safetensors file, after safetensors has
    checked its header against the file size (a truncated file fails here, nothing is loaded)."""
    from safetensors import safe_open

    try:
        with safe_open(str(file), "np") as fh:  # type: ignore[no-untyped-call]
            out = {}
            for name in fh.keys():  # noqa: SIM118 - safe_open is not a mapping
                piece = fh.get_slice(name)
                out[name] = (str(piece.get_dtype()), list(piece.get_shape()))
            return out
    except Exception as exc:  # SafetensorError, OSError: a damaged or truncated file
        raise ModelError(f"{file}: not a readable safetensors file ({exc})", code="E405") from None


def _vocabulary(file: Path) -> int:
    if not file.is_file():
        raise ModelError(f"{file}: missing (a linear model's vocabulary)", code="E405")
    if file.stat().st_size > MAX_VOCAB_BYTES:
        raise ModelError(f"{file}: larger than {MAX_VOCAB_BYTES} bytes", code="E405")
    try:
        vocab = json.loads(file.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelError(f"{file}: not valid JSON ({type(exc).__name__})", code="E405") from None
    if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab):
        raise ModelError(f"{file}: expected a JSON list of strings", code="E405")
    if len(set(vocab)) != len(vocab):
        raise ModelError(f"{file}: a term appears twice", code="E405")
    return len(vocab)


def _check_linear(folder: Path, config: dict[str, Any]) -> None:
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise _no_weights(folder, "model.safetensors")
    tensors = _safetensors_header(weights)
    expected = {"coef", "intercept", "idf_word", "idf_char"}
    if set(tensors) != expected:
        raise ModelError(f"{weights}: expected the tensors {sorted(expected)}, found {sorted(tensors)[:10]}", code="E405")
    for name, (dtype, _) in tensors.items():
        if dtype not in ("F32", "F64", "float32", "float64"):
            raise ModelError(f"{weights}: tensor {name!r} is {dtype}, expected float32", code="E405")
    n_word, n_char = _vocabulary(folder / "vocab_word.json"), _vocabulary(folder / "vocab_char.json")
    n_labels = len(config["labels"])
    shapes = {name: shape for name, (_, shape) in tensors.items()}
    want = {"coef": [n_labels, n_word + n_char], "intercept": [n_labels], "idf_word": [n_word], "idf_char": [n_char]}
    for name, shape in want.items():
        if shapes[name] != shape:
            raise ModelError(
                f"{weights}: tensor {name!r} has shape {shapes[name]}, expected {shape} ({n_labels} labels, "
                f"{n_word} + {n_char} terms in vocab_word.json and vocab_char.json)",
                code="E405",
            )
    import numpy as np
    from safetensors.numpy import load_file

    for name, array in load_file(str(weights)).items():
        if not np.all(np.isfinite(array)):
            raise ModelError(f"{weights}: tensor {name!r} holds NaN or infinite values", code="E405")


def _inside(folder: Path, name: Any) -> bool:
    return isinstance(name, str) and "/" not in name and "\\" not in name and name not in ("", ".", "..") and (folder / name).is_file()


def _check_transformer(folder: Path) -> None:
    hf_config = folder / "config.json"
    try:
        data = json.loads(hf_config.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{hf_config}: missing; a transformer folder is a Hugging Face model folder", code="E405") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelError(f"{hf_config}: not valid JSON ({type(exc).__name__})", code="E405") from None
    if not isinstance(data, dict):
        raise ModelError(f"{hf_config}: expected a JSON object", code="E405")
    single, index = folder / "model.safetensors", folder / "model.safetensors.index.json"
    if single.is_file():
        shards = [single]
    elif index.is_file():
        try:
            weight_map = json.loads(index.read_bytes().decode("utf-8"))["weight_map"]
            names = sorted(set(weight_map.values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise ModelError(f"{index}: not a safetensors index (a JSON object with a weight_map)", code="E405") from None
        outside = [n for n in names if not _inside(folder, n) or not str(n).endswith(".safetensors")]
        if outside:
            raise ModelError(f"{index}: shard {short_repr(outside[0])} is not a safetensors file inside the folder", code="E405")
        shards = [folder / n for n in names]
    else:
        raise _no_weights(folder, "model.safetensors")
    for shard in shards:
        _safetensors_header(shard)
    if not any((folder / f).is_file() for f in TOKENIZER_FILES):
        raise ModelError(f"{folder}: no tokenizer (none of {', '.join(TOKENIZER_FILES)})", code="E405")


def _check_static(folder: Path, config: dict[str, Any]) -> None:
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise _no_weights(folder, "model.safetensors")
    tensors = {name: shape for name, (_, shape) in _safetensors_header(weights).items()}
    expected = {"embeddings", "pair_embeddings", "w1", "b1", "w2", "b2"}
    if set(tensors) != expected:
        raise ModelError(f"{weights}: expected the tensors {sorted(expected)}, found {sorted(tensors)[:10]}", code="E405")
    (vocab, dim), (_, hidden) = tensors["embeddings"], tensors["w1"]
    want = {
        "pair_embeddings": [tensors["pair_embeddings"][0], dim],
        "w1": [dim, hidden],
        "b1": [hidden],
        "w2": [hidden, len(config["labels"])],
        "b2": [len(config["labels"])],
    }
    for name, shape in want.items():
        if tensors[name] != shape:
            raise ModelError(f"{weights}: tensor {name!r} has shape {tensors[name]}, expected {shape}", code="E405")
    tok = folder / "tokenizer.json"
    if not tok.is_file():
        raise ModelError(f"{tok}: missing (the static model's tokenizer)", code="E405")
    try:
        pieces = len(json.loads(tok.read_bytes().decode("utf-8"))["model"]["vocab"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        raise ModelError(f"{tok}: not a tokenizers JSON file with a vocabulary", code="E405") from None
    if pieces > vocab:
        raise ModelError(f"{tok}: {pieces} pieces but only {vocab} embeddings in {weights.name}", code="E405")


def check_model_folder(path: str | Path) -> str:
    """Check everything in a model folder that loading will use; returns its kind.

    A folder without ``netral_config.json`` is taken as a plain Hugging Face model folder (a
    ``transformer``). Raises :class:`~netral_nlp.errors.ModelError` (see the module's table).

    >>> check_model_folder("models/netral-linear")                       # doctest: +SKIP
    'linear'
    """
    folder = _folder(path)
    if not (folder / CONFIG_FILE).exists():
        _check_transformer(folder)
        return "transformer"
    config = read_model_config(folder)
    check = {"linear": _check_linear, "static": _check_static}.get(config["kind"])
    if check is not None:
        check(folder, config)
    elif config["kind"] != "cascade":  # a cascade holds no files of its own: its models are checked as they load
        _check_transformer(folder)
    return str(config["kind"])


@contextlib.contextmanager
def loading(path: str | Path) -> Iterator[None]:
    """Around the loading of a checked folder: what still fails there (a tokenizer transformers
    cannot build, weights of shapes the architecture does not take) is a damaged folder, said in
    one coded line (``E405``) rather than a traceback.

    >>> with loading("runs/bert"):                                     # doctest: +SKIP
    ...     model = TransformerClassifier.from_pretrained("runs/bert")
    """
    try:
        yield
    except NetralError:
        raise
    except Exception as exc:  # transformers, tokenizers and safetensors raise many kinds
        text = " ".join(str(exc).split())
        if len(text) > 300:
            text = text[:300] + "..."
        raise ModelError(f"{path}: cannot be loaded ({type(exc).__name__}: {text})", code="E405") from None


def check_temperature(value: float, where: str) -> float:
    """Raise ``E403`` unless ``value`` is a finite temperature > 0 (0 makes every probability
    NaN, and a NaN row is read as ``political_neutral``).

    >>> check_temperature(0.77, "netral_config.json")
    0.77
    >>> check_temperature(0, "netral_config.json")
    Traceback (most recent call last):
    netral_nlp.errors.ModelError: [E403] netral_config.json: temperature must be a finite number > 0, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ModelError(f"{where}: temperature must be a finite number > 0, got {short_repr(value)}", code="E403")
    return float(value)
