"""Batch inference over files of scraped posts: streaming, resumable, on several cores, and on
Ray Data when one machine is not enough.

>>> from netral_nlp.batch import predict_file
>>> summary = predict_file("posts.jsonl.gz", "predictions.jsonl", workers=2)   # doctest: +SKIP
>>> print(summary)                                                             # doctest: +SKIP
read 1000000 rows: 999412 written -> predictions.jsonl, 588 in errors -> predictions.errors.jsonl ...

The command line is ``netral-nlp predict``; see ``docs/batch.md`` for formats, error codes,
resuming and the Ray adapter.
"""

from __future__ import annotations

from netral_nlp.batch.checkpoint import Checkpoint, checkpoint_path
from netral_nlp.batch.engines import RAY_INSTALL, predict_dataframe, predict_dataset
from netral_nlp.batch.pipeline import DEFAULT_BATCH_SIZE, BatchSummary, default_errors_path, predict_file
from netral_nlp.batch.readers import INPUT_FORMATS, Row, RowError, check_row, open_reader
from netral_nlp.batch.workers import DEFAULT_CACHE_SIZE, Scorer
from netral_nlp.batch.writers import OUTPUT_FORMATS, output_columns

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CACHE_SIZE",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "RAY_INSTALL",
    "BatchSummary",
    "Checkpoint",
    "Row",
    "RowError",
    "Scorer",
    "check_row",
    "checkpoint_path",
    "default_errors_path",
    "open_reader",
    "output_columns",
    "predict_dataframe",
    "predict_dataset",
    "predict_file",
]
