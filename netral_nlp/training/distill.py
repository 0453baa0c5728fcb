"""Distil the fast static-embedding model from a fine-tuned transformer.

1. The teacher (a :class:`~netral_nlp.models.transformer.TransformerClassifier`) gives its
   calibrated probabilities on many posts: unlabelled ones (``posts2024`` without the corpus's
   dev and test posts) and the corpus train split.
2. Each vocabulary piece gets the teacher encoder's output for that piece alone (the model2vec
   recipe), reduced by PCA: the student's starting embeddings.
3. Piece embeddings, hashed piece-pair embeddings and a one-hidden-layer head are trained to
   reproduce the teacher's probabilities (soft cross-entropy), plus the gold labels where there
   are some; the embeddings are sparse, so an epoch over 200k posts takes about a minute.
4. The temperature is calibrated on the dev split, like every model of the library.

>>> from netral_nlp.training.distill import DistillArguments, distill_static
>>> fast = distill_static(teacher, unlabelled, train=(tx, ty), dev=(dx, dy))     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from netral_nlp.models.static import StaticClassifier, pair_ids
from netral_nlp.utils import progress

if TYPE_CHECKING:
    from netral_nlp.models.transformer import TransformerClassifier

__all__ = ["DistillArguments", "distill_static", "piece_embeddings"]

logger = logging.getLogger("netral_nlp")


@dataclasses.dataclass
class DistillArguments:
    """Settings of the distillation (the defaults built the shipped fast model).

    Attributes:
        dim: width of the static embeddings (PCA of the teacher's 384).
        hidden: width of the head's hidden layer.
        pair_buckets: hashed piece-pair embeddings (0: pieces only).
        epochs, batch_size, learning_rate, embedding_learning_rate: training.
        gold_weight: weight of the gold-label loss on labelled posts (the teacher's soft labels
            have weight 1 everywhere).
        campaign_precision: the dev campaign precision of the optional precision operating
            point (``use_operating_point("precision")``); None: no such point.
        seed: seed of every random choice.
    """

    dim: int = 256
    hidden: int = 256
    pair_buckets: int = 32768
    epochs: int = 6
    batch_size: int = 256
    learning_rate: float = 2e-3
    embedding_learning_rate: float = 2e-2
    gold_weight: float = 0.5
    campaign_precision: float | None = 0.9
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def piece_embeddings(teacher: TransformerClassifier, *, batch_size: int = 512, show_progress: bool | None = None) -> np.ndarray:
    """``(vocabulary, hidden)``: the teacher encoder's last hidden state at each piece, run as
    ``<s> piece </s>`` (the model2vec way of turning a transformer into static embeddings)."""
    import torch

    tok = teacher.tokenizer
    n = len(tok)
    bos = tok.cls_token_id if tok.cls_token_id is not None else tok.bos_token_id
    eos = tok.sep_token_id if tok.sep_token_id is not None else tok.eos_token_id
    encoder = teacher.model.base_model
    out = np.zeros((n, teacher.model.config.hidden_size), dtype=np.float32)
    encoder.eval()
    with torch.inference_mode():
        for s in progress(range(0, n, batch_size), desc="piece embeddings", unit="batches", show=show_progress):
            ids = torch.arange(s, min(s + batch_size, n))
            batch = torch.stack([torch.full_like(ids, bos), ids, torch.full_like(ids, eos)], dim=1)
            hidden = encoder(input_ids=batch.to(teacher.device), attention_mask=torch.ones_like(batch).to(teacher.device)).last_hidden_state
            out[s : s + len(ids)] = hidden[:, 1].float().cpu().numpy()
    return out


def _pca(x: np.ndarray, dim: int) -> np.ndarray:
    centred = x - x.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:dim].T
    return (reduced / (np.linalg.norm(reduced, axis=1, keepdims=True).mean() + 1e-8)).astype(np.float32)


def distill_static(
    teacher: TransformerClassifier,
    unlabelled: Sequence[str],
    *,
    train: tuple[Sequence[str], Sequence[str]],
    dev: tuple[Sequence[str], Sequence[str]],
    args: DistillArguments | None = None,
    teacher_proba: np.ndarray | None = None,
    show_progress: bool | None = None,
) -> StaticClassifier:
    """Train a :class:`StaticClassifier` to reproduce ``teacher`` on ``unlabelled`` and ``train``
    posts (``teacher_proba``: the teacher's probabilities on ``[*unlabelled, *train texts]``, if
    already computed); calibrate it on ``dev``."""
    import torch

    args = args or DistillArguments()
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    labels = teacher.labels
    texts = [*unlabelled, *train[0]]
    gold = np.full(len(texts), -1, dtype=np.int64)
    gold[len(unlabelled) :] = [labels.index(y) for y in train[1]]
    if teacher_proba is None:
        teacher_proba = teacher.predict_proba(texts, show_progress=show_progress)
    if teacher_proba.shape != (len(texts), len(labels)):
        raise ValueError(f"teacher_proba has shape {teacher_proba.shape}, expected {(len(texts), len(labels))}")

    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(teacher.tokenizer.backend_tokenizer.to_str())
    init = _pca(piece_embeddings(teacher, show_progress=show_progress), args.dim)
    student = StaticClassifier(
        tokenizer,
        init,
        np.zeros((args.pair_buckets, args.dim), dtype=np.float32),
        np.zeros((args.dim, args.hidden), dtype=np.float32),
        np.zeros(args.hidden, dtype=np.float32),
        np.zeros((args.hidden, len(labels)), dtype=np.float32),
        np.zeros(len(labels), dtype=np.float32),
        labels=labels,
        normalizer=teacher.normalizer,
    )
    normalized = [teacher.normalizer(t) for t in progress(texts, desc="normalize", unit="posts", show=show_progress)]
    flat, offsets = student.piece_ids(normalized)
    lengths = np.diff(np.append(offsets, len(flat)))

    emb = torch.nn.EmbeddingBag(len(init), args.dim, mode="mean", sparse=True)
    emb.weight.data.copy_(torch.from_numpy(init))
    pairs = torch.nn.EmbeddingBag(max(args.pair_buckets, 1), args.dim, mode="mean", sparse=True)
    torch.nn.init.zeros_(pairs.weight)
    first, second = torch.nn.Linear(args.dim, args.hidden), torch.nn.Linear(args.hidden, len(labels))
    head = torch.nn.Sequential(first, torch.nn.ReLU(), second)
    sparse_opt = torch.optim.SparseAdam([*emb.parameters(), *pairs.parameters()], lr=args.embedding_learning_rate)
    dense_opt = torch.optim.AdamW(head.parameters(), lr=args.learning_rate, weight_decay=0.01)
    soft = torch.from_numpy(np.asarray(teacher_proba, dtype=np.float32))
    gold_t = torch.from_numpy(gold)

    def batch_inputs(idx: np.ndarray) -> tuple[torch.Tensor, ...]:
        seg_lengths = lengths[idx]
        ids = np.concatenate([flat[offsets[i] : offsets[i] + lengths[i]] for i in idx]) if seg_lengths.sum() else np.zeros(0, np.int64)
        offs = np.concatenate([[0], np.cumsum(seg_lengths)[:-1]]).astype(np.int64)
        pflat, poffs = pair_ids(ids, offs, max(args.pair_buckets, 1))
        return torch.from_numpy(ids), torch.from_numpy(offs), torch.from_numpy(pflat), torch.from_numpy(poffs)

    steps_per_epoch = math.ceil(len(texts) / args.batch_size)
    history = []
    for epoch in range(1, args.epochs + 1):
        # linear decay of both learning rates over the run
        order = rng.permutation(len(texts))
        total = 0.0
        for step, s in enumerate(progress(range(0, len(texts), args.batch_size), desc=f"distil {epoch}/{args.epochs}", show=show_progress)):
            frac = 1.0 - ((epoch - 1) * steps_per_epoch + step) / (args.epochs * steps_per_epoch)
            for opt, base in ((sparse_opt, args.embedding_learning_rate), (dense_opt, args.learning_rate)):
                for g in opt.param_groups:
                    g["lr"] = base * frac
            idx = order[s : s + args.batch_size]
            ids, offs, pflat, poffs = batch_inputs(idx)
            x = emb(ids, offs)
            if args.pair_buckets:
                x = x + pairs(pflat, poffs)
            logp = torch.log_softmax(head(x), dim=1)
            loss = -(soft[idx] * logp).sum(dim=1).mean()
            g_idx = gold_t[idx]
            has_gold = g_idx >= 0
            if has_gold.any() and args.gold_weight > 0:
                loss = loss + args.gold_weight * torch.nn.functional.nll_loss(logp[has_gold], g_idx[has_gold])
            sparse_opt.zero_grad()
            dense_opt.zero_grad()
            loss.backward()
            sparse_opt.step()
            dense_opt.step()
            total += float(loss.detach()) * len(idx)
        history.append(total / len(texts))
        logger.info("distillation epoch %d: loss %.4f", epoch, history[-1])

    student.embeddings = emb.weight.detach().numpy().copy()
    student.pair_embeddings = pairs.weight.detach().numpy().copy() if args.pair_buckets else np.zeros((0, args.dim), np.float32)
    student.w1 = first.weight.detach().numpy().T.copy()
    student.b1 = first.bias.detach().numpy().copy()
    student.w2 = second.weight.detach().numpy().T.copy()
    student.b2 = second.bias.detach().numpy().copy()
    student.metadata["calibration"] = student.calibrate(list(dev[0]), list(dev[1]), campaign_precision=args.campaign_precision)
    student.metadata["distillation"] = {
        "teacher": teacher.metadata.get("name") or teacher.metadata.get("base_model"),
        "posts": len(texts),
        "unlabelled_posts": len(unlabelled),
        "arguments": args.to_dict(),
        "loss_per_epoch": history,
    }
    return student
