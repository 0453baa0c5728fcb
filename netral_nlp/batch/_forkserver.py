"""Imported by the forkserver process of :class:`~netral_nlp.batch.workers.PoolPredictor` when it
starts (it is in the forkserver's preload list): the forkserver dies with the main process that
started it, and its workers die with it (see ``die_with_parent``)."""

from __future__ import annotations

import sys

from netral_nlp.batch.workers import die_with_parent

# The forkserver runs as ``python -c 'from multiprocessing.forkserver import main; main(...)'``;
# anywhere else (an import by a tool) this module does nothing.
if sys.argv == ["-c"] and "multiprocessing.forkserver" in sys.modules:
    die_with_parent()
