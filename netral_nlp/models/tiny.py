"""A tiny, randomly initialised BERT built offline from corpus posts.

It exercises the real fine-tuning path (tests, benchmarks, notebooks) where no pretrained encoder
can be downloaded. Its accuracy says nothing about IndoBERT or any pretrained model.

>>> from netral_nlp.models.tiny import build_tiny_bert
>>> folder = build_tiny_bert(Path("runs/tiny-bert"))                        # doctest: +SKIP
>>> train("corpus", TrainingArguments(model=str(folder), epochs=2))          # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["build_tiny_bert"]


def build_tiny_bert(folder: Path, *, n_texts: int = 2000, vocab_size: int = 2000, seed: int = 0) -> Path:
    """Save a local encoder folder: a WordPiece tokenizer trained on ``n_texts`` corpus train posts
    (normalised with the ``transformer`` preset and Pilpres 2019 masking) and a random 2-layer,
    64-wide ``BertForSequenceClassification`` with 3 labels. Returns ``folder``."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast  # type: ignore[attr-defined]

    from netral_nlp.data import load_corpus
    from netral_nlp.text.normalize import Normalizer

    posts = load_corpus("train", as_pandas=True)["text"].sample(n=n_texts, random_state=seed).tolist()
    texts = Normalizer("transformer", election="pilpres-2019").batch(posts)
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    )
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    hf_tok = BertTokenizerFast(tokenizer_object=tok, do_lower_case=True, model_max_length=256)
    torch.manual_seed(seed)
    config = BertConfig(  # type: ignore[call-arg]
        vocab_size=tok.get_vocab_size(),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=256,
        num_labels=3,
        pad_token_id=tok.token_to_id("[PAD]"),
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    hf_tok.save_pretrained(folder)
    return folder
