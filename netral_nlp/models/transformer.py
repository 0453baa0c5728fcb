"""A fine-tuned encoder (IndoBERT, IndoBERTweet, any Hugging Face encoder) behind the classifier
interface.

The encoder is loaded with ``AutoModelForSequenceClassification`` and ``AutoTokenizer``, from a
folder saved by :meth:`TransformerClassifier.save_pretrained`, a plain Hugging Face model folder,
or a hub id. Saved folders hold the weights as safetensors (no pickle), the tokenizer, and
``netral_config.json`` with the labels, normaliser settings, temperature, campaign threshold,
``max_length`` and the training history.

Inference sorts posts by token length and pads each batch only to its longest post, so short
posts do not pay for long ones; the output keeps the input order.

>>> from netral_nlp.models.transformer import TransformerClassifier
>>> clf = TransformerClassifier.from_pretrained("runs/indobertweet")          # doctest: +SKIP
>>> clf.predict(["Ayo coblos 02!", "Macet parah di Sudirman pagi ini"])        # doctest: +SKIP
['campaign', 'non_political']
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import math
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netral_nlp.elections import ROLE_TOKENS
from netral_nlp.errors import ModelError, NetralError
from netral_nlp.models.base import LABELS, META_FILE, TextClassifier
from netral_nlp.models.precision import autocast
from netral_nlp.models.validation import read_model_config
from netral_nlp.text.normalize import Normalizer
from netral_nlp.utils import progress

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["PRECISIONS", "HubUnreachableError", "TransformerClassifier", "load_encoder"]

logger = logging.getLogger("netral_nlp")

#: Placeholders the normaliser writes (role tokens of contestant masking, mentions, links).
#: Fine-tuning adds each one the tokenizer would split as a single new token.
PLACEHOLDER_TOKENS: tuple[str, ...] = (*ROLE_TOKENS.values(), "@USER", "HTTPURL")
#: Posts tokenised, length-sorted and batched together at inference: sorting inside a window
#: removes most padding while keeping memory bounded on very long inputs.
SORT_WINDOW_BATCHES = 64
#: Numeric formats of inference. ``int8`` runs the folder's int8 ONNX graph with ONNX Runtime
#: (see :mod:`netral_nlp.models.onnx_runtime`; where there is none, or no onnxruntime, it falls
#: back to ``auto``); ``bf16`` autocasts where the hardware runs bfloat16 natively; ``auto`` is
#: bf16 where native, else fp32.
PRECISIONS = ("auto", "fp32", "bf16", "int8")
DEFAULT_BATCH_SIZE = 32
DEFAULT_MAX_LENGTH = 128


class HubUnreachableError(NetralError, OSError):
    """A hub id was given but the Hugging Face hub cannot be reached and the model is not cached.

    >>> raise HubUnreachableError("...")                     # doctest: +SKIP
    """

    code = "E406"


class TransformerClassifier(TextClassifier):
    """A Hugging Face sequence-classification encoder that reads raw posts.

    Build one with ``netral_nlp.training.train`` (an encoder as ``TrainingArguments.model``) or
    :func:`netral_nlp.training.finetune.fine_tune_transformer`, or load one with
    :meth:`from_pretrained`.

    >>> clf = TransformerClassifier.from_pretrained("runs/indobert")              # doctest: +SKIP
    >>> clf.predict("Ayo coblos 02! #2019GantiPresiden")                          # doctest: +SKIP
    'campaign'
    >>> clf.predict_proba(["Ayo coblos 02!"]).shape                               # doctest: +SKIP
    (1, 3)

    Parameters
    ----------
    model, tokenizer:
        A loaded ``PreTrainedModel`` with a classification head of ``len(labels)`` outputs and its
        tokenizer.
    labels:
        Class names in the order of the model's outputs.
    normalizer:
        Applied to every post before tokenisation (default: the ``transformer`` preset).
    max_length:
        Longer posts are truncated to this many tokens (special tokens included).
    batch_size:
        Posts per forward pass at inference.
    device:
        ``"cpu"``, ``"cuda"``, ...; ``None`` takes CUDA when available.
    precision:
        Numeric format at inference, one of :data:`PRECISIONS`: ``int8`` runs the saved folder's
        int8 ONNX graph on a CPU (about 3x faster than fp32 there, labels as fp32 on 99% or more
        of posts, see the model card), ``bf16`` autocasts where the hardware runs bfloat16
        natively, ``auto`` takes bf16 where native, else fp32. Training and saving always use the
        full-precision weights.
    """

    kind = "transformer"
    #: Loaded on first use where the folder's int8 graph serves inference (see :meth:`model`).
    _model: Any = None
    _tokenizer: Any = None
    #: The Rust tokenizer that int8 inference uses when the Hugging Face one is not loaded.
    _fast: Any = None
    _pad_id: int = 0
    #: ONNX Runtime intra-op threads (None: torch's thread count where torch is loaded, else
    #: ONNX Runtime's default); batch workers set it from the worker count.
    threads: int | None = None

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        *,
        labels: Sequence[str] = LABELS,
        normalizer: Normalizer | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        batch_size: int = DEFAULT_BATCH_SIZE,
        device: str | None = None,
        precision: str = "fp32",
    ) -> None:
        super().__init__(labels=labels, normalizer=normalizer or Normalizer("transformer"), batch_size=batch_size)
        n_out = int(model.config.num_labels or 0)
        if n_out != len(self.labels):
            raise ValueError(f"the model has {n_out} outputs but {len(self.labels)} labels were given: {self.labels}")
        if tokenizer.pad_token_id is None:
            raise ValueError("the tokenizer has no padding token; set tokenizer.pad_token before use")
        self.max_length = int(max_length)
        self.tokenizer = tokenizer
        self.device = _resolve_device(device)
        self.model = model.to(self.device).eval()  # type: ignore[arg-type]
        self.precision = precision
        #: The folder the model was loaded from (where an int8 ONNX graph may be), if any.
        self.source_folder: Path | None = None
        self._sync_label_config()

    @property
    def model(self) -> PreTrainedModel:
        """The torch module (fine-tuning, fp32/bf16 inference, saving). A model loaded for int8
        CPU inference reads it from its folder on first use: until then neither torch nor
        transformers is imported."""
        if self._model is None:
            self._load_torch()
        return self._model

    @model.setter
    def model(self, value: PreTrainedModel) -> None:
        self._model = value

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        """The Hugging Face tokenizer (loaded with the torch module where it was deferred)."""
        if self._tokenizer is None:
            self._load_torch()
        return self._tokenizer

    @tokenizer.setter
    def tokenizer(self, value: PreTrainedTokenizerBase) -> None:
        self._tokenizer = value

    def _load_torch(self) -> None:
        if self.source_folder is None:
            raise RuntimeError("this TransformerClassifier has no model and no folder to load it from")
        model, tokenizer, _, _ = load_encoder(str(self.source_folder), labels=self.labels)
        self._model = model.to(self.device).eval()  # type: ignore[arg-type]
        self._tokenizer = tokenizer
        self._sync_label_config()

    @classmethod
    def _for_int8(cls, folder: Path, meta: dict[str, Any], *, batch_size: int, max_length: int) -> TransformerClassifier:
        """A model for int8 CPU inference: the Rust tokenizer and the ONNX graph, read from
        ``folder``; torch and transformers only if the torch module is asked for."""
        from tokenizers import Tokenizer

        clf = cls.__new__(cls)
        TextClassifier.__init__(clf, labels=meta["labels"], normalizer=cls._normalizer_from_meta(meta), batch_size=batch_size)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        n_out = len(config.get("id2label") or {}) or int(config.get("num_labels", 0))
        if n_out != len(clf.labels):
            raise ModelError(f"{folder / 'config.json'}: the model has {n_out} outputs but {len(clf.labels)} labels", code="E405")
        clf.max_length = int(max_length)
        clf.device = "cpu"
        clf.precision = "int8"
        clf.source_folder = folder
        fast = Tokenizer.from_file(str(folder / "tokenizer.json"))
        fast.no_padding()
        fast.enable_truncation(clf.max_length)
        pad = config.get("pad_token_id")
        clf._fast, clf._pad_id = fast, int(pad if pad is not None else fast.token_to_id("<pad>") or 0)
        return clf

    @property
    def precision(self) -> str:
        """Numeric format at inference (see the class docstring); settable."""
        return self._precision

    @precision.setter
    def precision(self, value: str) -> None:
        if value not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {value!r}")
        self._precision = value
        self._onnx: Any = None  # the int8 session, opened on first use

    def _inference_model(self) -> tuple[Any, str]:
        """What runs inference: ``(module, autocast precision)``, or ``(OnnxEncoder, "int8")``."""
        from netral_nlp.models import onnx_runtime
        from netral_nlp.models.precision import bf16_supported

        wanted = self.precision
        if wanted == "int8":
            folder = self.source_folder
            has_graph = folder is not None and (Path(folder) / onnx_runtime.ONNX_DIR / "model.onnx").is_file()
            if folder is not None and self.device == "cpu" and has_graph and onnx_runtime.onnx_available():
                if self._onnx is None:
                    threads = self.threads or (sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None)
                    self._onnx = onnx_runtime.OnnxEncoder(folder, threads=threads)
                return self._onnx, "int8"
            logger.info("no int8 ONNX graph (or no onnxruntime) for this model: running it in %s", "bf16 where native, else fp32")
            wanted = "auto"
        if wanted == "auto":
            wanted = "bf16" if bf16_supported(self.device) else "fp32"
        return self.model, wanted

    # --- loading -------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls,
        path_or_id: str | Path,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        max_length: int | None = None,
        precision: str | None = None,
    ) -> TransformerClassifier:
        """Load a folder saved by :meth:`save_pretrained`, a plain Hugging Face model folder, or a
        hub id.

        A folder with ``netral_config.json`` restores the labels, normaliser, temperature,
        campaign threshold and inference precision it was saved with (``precision`` overrides
        the last). Any other model takes its labels from
        ``config.id2label`` when they are the project's labels, else the project's labels with a
        freshly initialised head (a warning says so: fine-tune it before trusting it), and the
        ``transformer`` normaliser preset. A hub id that cannot be fetched (no network,
        ``HF_HUB_OFFLINE=1``) and is not in the local cache raises :class:`HubUnreachableError`.

        >>> TransformerClassifier.from_pretrained("models/my-indobert")              # doctest: +SKIP
        >>> TransformerClassifier.from_pretrained("indolem/indobertweet-base-uncased")  # doctest: +SKIP
        """
        source = str(path_or_id)
        meta_file = Path(source) / META_FILE
        meta: dict[str, Any] | None = read_model_config(source) if meta_file.is_file() else None
        if meta is not None and meta.get("kind") != cls.kind:
            raise ValueError(
                f"{source} holds a {meta.get('kind')!r} model, not a transformer one; load it with netral_nlp.models.load_model"
            )
        if meta is not None:
            batch_size = batch_size or int(meta.get("batch_size", DEFAULT_BATCH_SIZE))
            max_length = max_length or int(meta.get("max_length", DEFAULT_MAX_LENGTH))
            precision = precision or str(meta.get("precision", "fp32"))
        if meta is not None and _int8_serves(Path(source), precision or "fp32", device):
            clf = cls._for_int8(
                Path(source), meta, batch_size=batch_size or DEFAULT_BATCH_SIZE, max_length=max_length or DEFAULT_MAX_LENGTH
            )
        else:
            model, tokenizer, labels, fresh_head = load_encoder(source, labels=meta["labels"] if meta else None)
            if fresh_head:
                logger.warning(
                    "%s has no %s classification head: it is initialised at random; fine-tune it before use", source, "/".join(labels)
                )
            clf = cls(
                model,
                tokenizer,
                labels=labels,
                normalizer=cls._normalizer_from_meta(meta) if meta is not None else Normalizer("transformer"),
                max_length=max_length or _default_max_length(tokenizer),
                batch_size=batch_size or DEFAULT_BATCH_SIZE,
                device=device,
                precision=precision or "fp32",
            )
        if meta is not None:
            clf._read_meta(meta)
            clf.source_folder = Path(source)
            clf.metadata.pop("max_length", None)
            clf.metadata.pop("precision", None)
        else:
            clf.metadata["base_model"] = source
        return clf

    # --- inference -----------------------------------------------------------------------------
    def _pad(self, batch_ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Token-id lists padded to the longest of them (dynamic padding), and the mask."""
        pad = self._pad_id if self._tokenizer is None else self._tokenizer.pad_token_id
        longest = max(len(x) for x in batch_ids)
        input_ids = np.full((len(batch_ids), longest), pad, dtype=np.int64)
        mask = np.zeros((len(batch_ids), longest), dtype=np.int64)
        for row, x in enumerate(batch_ids):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        return input_ids, mask

    def _collate(self, batch_ids: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
        """:meth:`_pad` as torch tensors on the model's device."""
        import torch

        input_ids, mask = self._pad(batch_ids)
        return {"input_ids": torch.from_numpy(input_ids).to(self.device), "attention_mask": torch.from_numpy(mask).to(self.device)}

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids with the special tokens, truncated to ``max_length``."""
        if self._tokenizer is None and self._fast is not None:
            return [e.ids for e in self._fast.encode_batch(texts)]
        return self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]

    def _logits(self, normalized: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        out = np.empty((len(normalized), len(self.labels)), dtype=np.float32)
        window = self.batch_size * SORT_WINDOW_BATCHES
        n_batches = math.ceil(len(normalized) / self.batch_size)
        bar = progress(range(n_batches), desc="predict", unit="batches", show=show_progress)
        module, cast = self._inference_model()
        with contextlib.ExitStack() as stack:
            if cast != "int8":  # torch only where torch runs
                import torch

                module.eval()
                stack.enter_context(torch.inference_mode())
                stack.enter_context(autocast(self.device, cast))
            for w0 in range(0, len(normalized), window):
                ids = self._token_ids(normalized[w0 : w0 + window])
                order = np.argsort([len(x) for x in ids], kind="stable")
                for b0 in range(0, len(order), self.batch_size):
                    rows = order[b0 : b0 + self.batch_size]
                    batch = [ids[i] for i in rows]
                    if cast == "int8":
                        out[w0 + rows] = module(*self._pad(batch))
                    else:
                        out[w0 + rows] = module(**self._collate(batch)).logits.float().cpu().numpy()
                    next(bar, None)
        for _ in bar:  # close the bar
            pass
        return out

    # --- persistence ---------------------------------------------------------------------------
    def save_pretrained(self, path: str | Path, *, half: bool = False, max_shard_size: str = "45MB") -> None:
        """Write weights (safetensors), tokenizer, and ``netral_config.json`` to ``path``.

        ``half=True`` stores the weights as float16 (half the size; loading upcasts them to
        float32 again); weights larger than ``max_shard_size`` are split into shards, so that no
        file of a saved model exceeds it.

        >>> clf.save_pretrained("models/my-indobert")                                # doctest: +SKIP
        """
        import torch

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self._sync_label_config()
        kwargs: dict[str, Any] = {"max_shard_size": max_shard_size}
        if "safe_serialization" in inspect.signature(self.model.save_pretrained).parameters:
            kwargs["safe_serialization"] = True  # transformers 4.x; 5.x writes only safetensors
        if half:
            # a float16 copy of every floating tensor; the model in memory keeps its precision
            kwargs["state_dict"] = {k: v.half() if v.is_floating_point() else v for k, v in self.model.state_dict().items()}
        with _hf_progress_bars():
            self.model.save_pretrained(path, **kwargs)
            self.tokenizer.save_pretrained(path)
        if half:
            _set_config_dtype(path / "config.json", torch.float32)
        self.metadata["max_length"] = self.max_length
        self.metadata["precision"] = self.precision
        self._write_meta(path)

    # --- helpers -------------------------------------------------------------------------------
    def _sync_label_config(self) -> None:
        """Keep ``config.id2label`` equal to our labels so the saved folder also works with plain
        ``transformers`` tools (``pipeline``, the hub widget)."""
        cfg = self.model.config
        cfg.id2label = dict(enumerate(self.labels))
        cfg.label2id = {lab: i for i, lab in enumerate(self.labels)}

    def __repr__(self) -> str:
        if self._model is None:  # not loaded yet (int8 inference): do not load it to print it
            name = str(self.metadata.get("name") or self.source_folder)
        else:
            name = getattr(self._model.config, "_name_or_path", "") or type(self._model).__name__
        return f"{type(self).__name__}({name!r}, labels={self.labels}, max_length={self.max_length}, device={self.device!r})"


# --- module helpers ----------------------------------------------------------------------------
def _float32_kwargs() -> dict[str, Any]:
    """Load weights as float32 whatever they are stored as (float16 shards of a shipped model)."""
    import torch
    import transformers

    key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    return {key: torch.float32}


def _set_config_dtype(config_file: Path, dtype: Any) -> None:
    """Record ``dtype`` as the model's compute type in a saved ``config.json`` (weights stored
    as float16 are then loaded as float32 by plain ``transformers`` too)."""
    cfg = json.loads(config_file.read_text())
    name = str(dtype).removeprefix("torch.")
    for key in ("dtype", "torch_dtype"):
        if key in cfg:
            cfg[key] = name
    cfg.setdefault("dtype", name)
    config_file.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def _int8_serves(folder: Path, precision: str, device: str | None) -> bool:
    """Whether int8 CPU inference from the folder's ONNX graph is what this load is for (then
    the torch module is loaded only if asked for). Not where a GPU may be (``device=None`` takes
    CUDA when there is one, and the graph is for CPUs)."""
    from netral_nlp.models import onnx_runtime

    if precision != "int8" or device not in (None, "cpu"):
        return False
    if device is None and (Path("/dev/nvidiactl").exists() or Path("/dev/dxg").exists()):
        return False
    return (
        (folder / onnx_runtime.ONNX_DIR / "model.onnx").is_file()
        and (folder / "tokenizer.json").is_file()
        and onnx_runtime.onnx_available()
    )


def _resolve_device(device: str | None) -> str:
    import torch

    if device is not None:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


@contextmanager
def _hf_progress_bars(show: bool | None = None) -> Iterator[None]:
    """Let ``transformers`` draw its own bars (loading and writing weights) only where ours would
    be drawn (see :func:`netral_nlp.utils.progress`), and put its setting back afterwards."""
    from transformers.utils import logging as hf_logging

    if show is None:
        show = sys.stderr.isatty() and logger.getEffectiveLevel() <= logging.INFO
    was_enabled = hf_logging.is_progress_bar_enabled()
    if was_enabled and not show:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled and not show:
            hf_logging.enable_progress_bar()


def _default_max_length(tokenizer: PreTrainedTokenizerBase) -> int:
    limit = getattr(tokenizer, "model_max_length", DEFAULT_MAX_LENGTH) or DEFAULT_MAX_LENGTH
    return int(min(DEFAULT_MAX_LENGTH, limit))


def _matching_labels(id2label: dict[int, str] | None) -> list[str] | None:
    """The model's own label order when its labels are the project's (any case), else None."""
    if not id2label:
        return None
    names = [str(id2label[i]).strip().lower() for i in sorted(id2label, key=int)]
    return names if sorted(names) == sorted(LABELS) else None


def load_encoder(source: str, *, labels: Sequence[str] | None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, list[str], bool]:
    """Load model and tokenizer from a folder or hub id. Returns them, the label order of the
    model's outputs, and whether the classification head was freshly initialised."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    is_dir = Path(source).is_dir()
    if not is_dir and (source.startswith((".", "/", "~")) or source.count("/") > 1 or (os.sep != "/" and os.sep in source)):
        raise FileNotFoundError(f"no model folder at {source}")  # a path, not an ``org/name`` hub id
    try:
        config = AutoConfig.from_pretrained(source)
    except OSError as e:
        if is_dir:
            raise OSError(f"{source} is not a Hugging Face model folder (no readable config.json): {e}") from e
        raise _hub_error(source, e) from e
    own = _matching_labels(getattr(config, "id2label", None))
    if labels is not None:
        names = list(labels)
    elif own is not None:
        names = own
    else:
        names = list(LABELS)
    fresh = own is None and labels is None
    kwargs: dict[str, Any] = {"num_labels": len(names), "id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}
    kwargs["use_safetensors"] = True  # never torch.load (pickle) weights, whoever made the folder
    if fresh:
        kwargs["ignore_mismatched_sizes"] = True  # a base encoder or another task's head
    try:
        with _hf_progress_bars():
            model = AutoModelForSequenceClassification.from_pretrained(source, **kwargs, **_float32_kwargs())
            tokenizer = AutoTokenizer.from_pretrained(source)
    except OSError as e:
        if is_dir:
            raise
        raise _hub_error(source, e) from e
    if tokenizer.pad_token is None:
        # decoder-style tokenizers (GPT-2 and kin) ship without one; reuse a token the model knows
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer, names, fresh


def _hub_error(source: str, err: OSError) -> OSError:
    from huggingface_hub import constants

    text = str(err).lower()
    offline = bool(getattr(constants, "HF_HUB_OFFLINE", False))
    if offline or any(s in text for s in ("connect", "offline", "cached files", "network", "resolve")):
        how = "HF_HUB_OFFLINE is set" if offline else "no network connection to the hub"
        return HubUnreachableError(
            f"cannot load {source!r}: the Hugging Face hub is unreachable ({how}) and the model is not in the local cache. "
            "Pass a local folder instead (a model saved with save_pretrained, or a downloaded Hugging Face model folder), "
            "e.g. load_model('/path/to/indobert-base-p1')"
        )
    return OSError(f"cannot load {source!r} as a local folder or a Hugging Face hub model: {err}")
