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

import inspect
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
from netral_nlp.errors import NetralError
from netral_nlp.models.base import LABELS, META_FILE, TextClassifier
from netral_nlp.models.validation import read_model_config
from netral_nlp.text.normalize import Normalizer
from netral_nlp.utils import progress

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from netral_nlp.training import TrainingArguments

__all__ = ["HubUnreachableError", "TransformerClassifier"]

logger = logging.getLogger("netral_nlp")

#: Placeholders the normaliser writes (role tokens of contestant masking, mentions, links).
#: Fine-tuning adds each one the tokenizer would split as a single new token.
PLACEHOLDER_TOKENS: tuple[str, ...] = (*ROLE_TOKENS.values(), "@USER", "HTTPURL")
#: Posts tokenised, length-sorted and batched together at inference: sorting inside a window
#: removes most padding while keeping memory bounded on very long inputs.
SORT_WINDOW_BATCHES = 64
#: Gradient-norm clipping during fine-tuning (the usual BERT recipe).
MAX_GRAD_NORM = 1.0
DEFAULT_BATCH_SIZE = 32
DEFAULT_MAX_LENGTH = 128


class HubUnreachableError(NetralError, OSError):
    """A hub id was given but the Hugging Face hub cannot be reached and the model is not cached.

    >>> raise HubUnreachableError("...")                     # doctest: +SKIP
    """

    code = "E406"


class TransformerClassifier(TextClassifier):
    """A Hugging Face sequence-classification encoder that reads raw posts.

    Build one with :meth:`fine_tune` (or ``netral_nlp.training.train`` with an encoder as
    ``TrainingArguments.model``), or load one with :meth:`from_pretrained`.

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
    """

    kind = "transformer"

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
        self._sync_label_config()

    # --- loading -------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls,
        path_or_id: str | Path,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        max_length: int | None = None,
    ) -> TransformerClassifier:
        """Load a folder saved by :meth:`save_pretrained`, a plain Hugging Face model folder, or a
        hub id.

        A folder with ``netral_config.json`` restores the labels, normaliser, temperature and
        campaign threshold it was saved with. Any other model takes its labels from
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
        model, tokenizer, labels, fresh_head = _load_encoder(source, labels=meta["labels"] if meta else None)
        if fresh_head:
            logger.warning(
                "%s has no %s classification head: it is initialised at random; fine-tune it before use", source, "/".join(labels)
            )
        if meta is not None:
            normalizer = cls._normalizer_from_meta(meta)
            batch_size = batch_size or int(meta.get("batch_size", DEFAULT_BATCH_SIZE))
            max_length = max_length or int(meta.get("max_length", DEFAULT_MAX_LENGTH))
        else:
            normalizer = Normalizer("transformer")
            max_length = max_length or _default_max_length(tokenizer)
        clf = cls(
            model,
            tokenizer,
            labels=labels,
            normalizer=normalizer,
            max_length=max_length,
            batch_size=batch_size or DEFAULT_BATCH_SIZE,
            device=device,
        )
        if meta is not None:
            clf._read_meta(meta)
            clf.metadata.pop("max_length", None)
        else:
            clf.metadata["base_model"] = source
        return clf

    # --- training ------------------------------------------------------------------------------
    @classmethod
    def fine_tune(
        cls,
        model_name_or_path: str | Path,
        train_x: Sequence[str],
        train_y: Sequence[str],
        *,
        dev_x: Sequence[str] | None = None,
        dev_y: Sequence[str] | None = None,
        args: TrainingArguments,
        normalizer: Normalizer | None = None,
        show_progress: bool | None = None,
        device: str | None = None,
    ) -> TransformerClassifier:
        """Fine-tune an encoder on raw posts and their labels; return the best model.

        AdamW (no decay on biases and LayerNorm) with a linear warm-up/decay schedule,
        cross-entropy weighted by inverse class frequency (``args.class_weight="balanced"``;
        ``None`` for no weights), gradient accumulation and clipping, seeded shuffling. With a dev
        set, macro-F1 is measured after every epoch, the best weights are kept, and training stops
        after ``args.early_stopping_patience`` epochs without improvement (0: never stops early).
        ``metadata["history"]`` records the loss and dev macro-F1 per epoch.

        >>> from netral_nlp.training import TrainingArguments
        >>> args = TrainingArguments(model="indolem/indobertweet-base-uncased", epochs=3)
        >>> clf = TransformerClassifier.fine_tune(args.model, texts, labels, dev_x=dx, dev_y=dy, args=args)  # doctest: +SKIP
        """
        import torch
        from sklearn.metrics import f1_score
        from transformers import get_linear_schedule_with_warmup

        train_x, train_y = list(train_x), list(train_y)
        if len(train_x) != len(train_y):
            raise ValueError(f"{len(train_x)} texts but {len(train_y)} labels")
        if not train_x:
            raise ValueError("no training data")
        if (dev_x is None) != (dev_y is None):
            raise ValueError("give both dev_x and dev_y, or neither")
        dev_x, dev_y = (list(dev_x), list(dev_y)) if dev_x is not None and dev_y is not None else (None, None)
        normalizer = normalizer or Normalizer("transformer")
        torch.manual_seed(args.seed)

        source = str(model_name_or_path)
        meta_file = Path(source) / META_FILE
        saved_labels = read_model_config(source)["labels"] if meta_file.is_file() else None
        model, tokenizer, labels, _ = _load_encoder(source, labels=saved_labels)
        unknown = sorted(set(train_y) - set(labels) | set(dev_y or ()) - set(labels))
        if unknown:
            raise ValueError(f"unknown labels {unknown}; the model's labels are {labels}")
        added = _add_placeholder_tokens(model, tokenizer)
        clf = cls(
            model, tokenizer, labels=labels, normalizer=normalizer, max_length=args.max_length, batch_size=args.batch_size, device=device
        )
        dev = (clf.normalize(dev_x), np.array([labels.index(y) for y in dev_y])) if dev_x is not None and dev_y is not None else None

        texts = [normalizer(t) for t in progress(train_x, desc="normalize", unit="posts", show=show_progress)]
        ids = tokenizer(texts, truncation=True, max_length=args.max_length)["input_ids"]
        y = np.array([labels.index(lab) for lab in train_y])
        counts = np.bincount(y, minlength=len(labels))
        if args.class_weight == "balanced":
            # inverse frequency, scaled so that a balanced set gets weight 1 per class
            weights = np.where(counts > 0, len(y) / (len(labels) * np.maximum(counts, 1)), 0.0)
        else:
            weights = np.ones(len(labels))
        loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32, device=clf.device))

        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        groups = [
            {"params": [p for n, p in named if not n.endswith(no_decay)], "weight_decay": args.weight_decay},
            {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
        ]
        optimizer = torch.optim.AdamW(groups, lr=args.learning_rate)
        batches_per_epoch = math.ceil(len(ids) / args.batch_size)
        updates_per_epoch = math.ceil(batches_per_epoch / args.gradient_accumulation_steps)
        total_updates = max(1, math.ceil(args.epochs * updates_per_epoch))
        scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total_updates), total_updates)
        rng = np.random.default_rng(args.seed)

        history: dict[str, Any] = {"epoch": [], "train_loss": [], "dev_macro_f1": [], "learning_rate": []}
        best_f1, best_state, best_epoch, stale, updates, stopped_early = -1.0, None, 0, 0, 0, False
        n_epochs = math.ceil(args.epochs)
        logger.info(
            "fine-tuning %s on %d posts: %d epoch(s), %d updates, class weights %s",
            source,
            len(ids),
            n_epochs,
            total_updates,
            np.round(weights, 3).tolist(),
        )
        for epoch in range(1, n_epochs + 1):
            model.train()
            order = rng.permutation(len(ids))
            starts = range(0, len(order), args.batch_size)
            loss_sum, n_seen = 0.0, 0
            optimizer.zero_grad(set_to_none=True)
            for b, start in enumerate(progress(starts, desc=f"epoch {epoch}/{n_epochs}", unit="batches", show=show_progress)):
                if updates >= total_updates:
                    break
                idx = order[start : start + args.batch_size]
                inputs = clf._collate([ids[i] for i in idx])
                target = torch.as_tensor(y[idx], device=clf.device)
                loss = loss_fn(model(**inputs).logits.float(), target)
                (loss / args.gradient_accumulation_steps).backward()
                loss_sum += float(loss.detach()) * len(idx)
                n_seen += len(idx)
                if (b + 1) % args.gradient_accumulation_steps == 0 or b + 1 == batches_per_epoch:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad(set_to_none=True)
                    updates += 1
            model.eval()
            history["epoch"].append(epoch)
            history["train_loss"].append(loss_sum / max(n_seen, 1))
            history["learning_rate"].append(float(scheduler.get_last_lr()[0]))
            if dev is not None:
                pred = clf._logits(dev[0], show_progress=False).argmax(axis=1)
                f1 = float(f1_score(dev[1], pred, average="macro", labels=list(range(len(labels))), zero_division=0))
                history["dev_macro_f1"].append(f1)
                logger.info("epoch %d: train loss %.4f, dev macro-F1 %.4f", epoch, history["train_loss"][-1], f1)
                if f1 > best_f1:
                    best_f1, best_epoch, stale = f1, epoch, 0
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
                else:
                    stale += 1
                    if 0 < args.early_stopping_patience <= stale:
                        logger.info("early stopping: no dev macro-F1 gain for %d epoch(s)", stale)
                        stopped_early = True
                        break
            else:
                logger.info("epoch %d: train loss %.4f", epoch, history["train_loss"][-1])
            if updates >= total_updates:
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        history["best_epoch"] = best_epoch if dev is not None else history["epoch"][-1]
        history["best_dev_macro_f1"] = best_f1 if dev is not None else None
        history["stopped_early"] = stopped_early
        clf.metadata.update({"base_model": source, "history": history, "added_tokens": added})
        return clf

    # --- inference -----------------------------------------------------------------------------
    def _collate(self, batch_ids: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
        """Pad token-id lists to the longest of them (dynamic padding)."""
        import torch

        longest = max(len(x) for x in batch_ids)
        input_ids = np.full((len(batch_ids), longest), self.tokenizer.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(batch_ids), longest), dtype=np.int64)
        for row, x in enumerate(batch_ids):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        return {"input_ids": torch.from_numpy(input_ids).to(self.device), "attention_mask": torch.from_numpy(mask).to(self.device)}

    def _logits(self, normalized: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        import torch

        out = np.empty((len(normalized), len(self.labels)), dtype=np.float32)
        window = self.batch_size * SORT_WINDOW_BATCHES
        n_batches = math.ceil(len(normalized) / self.batch_size)
        bar = progress(range(n_batches), desc="predict", unit="batches", show=show_progress)
        self.model.eval()
        with torch.inference_mode():
            for w0 in range(0, len(normalized), window):
                ids = self.tokenizer(normalized[w0 : w0 + window], truncation=True, max_length=self.max_length)["input_ids"]
                order = np.argsort([len(x) for x in ids], kind="stable")
                for b0 in range(0, len(order), self.batch_size):
                    rows = order[b0 : b0 + self.batch_size]
                    logits = self.model(**self._collate([ids[i] for i in rows])).logits
                    out[w0 + rows] = logits.float().cpu().numpy()
                    next(bar, None)
        for _ in bar:  # close the bar
            pass
        return out

    # --- persistence ---------------------------------------------------------------------------
    def save_pretrained(self, path: str | Path) -> None:
        """Write weights (safetensors), tokenizer, and ``netral_config.json`` to ``path``.

        >>> clf.save_pretrained("models/my-indobert")                                # doctest: +SKIP
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self._sync_label_config()
        kwargs: dict[str, Any] = {}
        if "safe_serialization" in inspect.signature(self.model.save_pretrained).parameters:
            kwargs["safe_serialization"] = True  # transformers 4.x; 5.x writes only safetensors
        with _hf_progress_bars():
            self.model.save_pretrained(path, **kwargs)
            self.tokenizer.save_pretrained(path)
        self.metadata["max_length"] = self.max_length
        self._write_meta(path)

    # --- helpers -------------------------------------------------------------------------------
    def _sync_label_config(self) -> None:
        """Keep ``config.id2label`` equal to our labels so the saved folder also works with plain
        ``transformers`` tools (``pipeline``, the hub widget)."""
        cfg = self.model.config
        cfg.id2label = dict(enumerate(self.labels))
        cfg.label2id = {lab: i for i, lab in enumerate(self.labels)}

    def __repr__(self) -> str:
        name = getattr(self.model.config, "_name_or_path", "") or type(self.model).__name__
        return f"{type(self).__name__}({name!r}, labels={self.labels}, max_length={self.max_length}, device={self.device!r})"


# --- module helpers ----------------------------------------------------------------------------
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


def _load_encoder(source: str, *, labels: Sequence[str] | None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, list[str], bool]:
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
            model = AutoModelForSequenceClassification.from_pretrained(source, **kwargs)
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


def _add_placeholder_tokens(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> list[str]:
    """Make each normaliser placeholder that the tokenizer would split (``[CALON]`` ->
    ``[``, ``calon``, ``]``) a single token, its embedding starting as the mean of its pieces."""
    import torch
    from tokenizers import AddedToken

    new = {t: tokenizer(t, add_special_tokens=False)["input_ids"] for t in PLACEHOLDER_TOKENS}
    new = {t: ids for t, ids in new.items() if len(ids) > 1}
    if not new:
        return []
    # normalized=False: matched on the text as written, before an uncased tokenizer lowercases it
    tokenizer.add_tokens([AddedToken(t, normalized=False, single_word=False) for t in new])
    old_rows = int(model.get_input_embeddings().weight.shape[0])  # type: ignore[index]
    resize_kwargs = {"mean_resizing": False} if "mean_resizing" in inspect.signature(model.resize_token_embeddings).parameters else {}
    model.resize_token_embeddings(len(tokenizer), **resize_kwargs)  # new rows are set below
    weight: torch.Tensor = model.get_input_embeddings().weight  # type: ignore[assignment]
    with torch.no_grad():
        for t, ids in new.items():
            tid = tokenizer.convert_tokens_to_ids([t])[0]  # type: ignore[index]
            if tid >= old_rows:
                weight[tid] = weight[torch.tensor(ids)].mean(dim=0)
    return list(new)
