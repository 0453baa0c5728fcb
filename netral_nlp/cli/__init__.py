"""The ``netral-nlp`` command line: one module per command, each a thin wrapper over a function."""
