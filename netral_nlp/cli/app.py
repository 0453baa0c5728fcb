"""The ``netral-nlp`` Typer application.

Each command lives in its own module (``netral_nlp/cli/<command>.py``) with a ``register(app)``
function; this file only wires them together, so that ``netral-nlp --help`` stays fast.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from netral_nlp import __version__

app = typer.Typer(
    name="netral-nlp",
    help=(
        "Find political campaign content in Indonesian social-media posts and flag civil servants "
        "(ASN) whose activity likely breaks the neutrality rules.\n\n"
        "Start with `netral-nlp predict posts.jsonl -o out.jsonl` to classify a file of posts with the "
        "shipped model, or `netral-nlp normalize` to see what the text cleaner does."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: flags show as flags (--force, not --force <bool>) and the text is the
    # same on every terminal; typer and click are bounded in pyproject.toml for the same reason.
    rich_markup_mode=None,
)

#: Command modules, in the order `--help` lists them.
COMMANDS = ("predict", "score", "normalize", "train", "evaluate")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"netral-nlp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress and details to stderr."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


for _name in COMMANDS:
    try:
        _module = importlib.import_module(f"netral_nlp.cli.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"netral_nlp.cli.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    """Entry point of the console script; errors of the user's input exit 2 with one clear line.

    The commands turn what they can foresee into coded errors where it happens (file, line, field);
    a full disk met anywhere else is still one coded line (``E220``), not a traceback.
    """
    from netral_nlp.errors import NetralError
    from netral_nlp.tables.files import NO_SPACE_ERRNOS, output_error

    try:
        app()
    except NetralError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        if exc.errno not in NO_SPACE_ERRNOS:
            raise
        typer.echo(f"error: {output_error(exc, exc.filename or 'an output')}", err=True)
        sys.exit(2)
