"""What every command shares: the one place where a user's error becomes one line and exit 2.

A command raises the library's coded errors (:class:`~netral_nlp.errors.NetralError`) where it
finds a problem; :func:`register_command` wraps it so that such an error, or a full disk met
anywhere, is printed as ``error: [Exxx] ...`` on stderr with exit status 2, never a traceback.
Usage mistakes (an unknown option, a missing argument) are the option parser's, also exit 2.

>>> register_command(app, "predict", PREDICT_HELP, predict_command)      # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import typer

__all__ = ["USER_ERROR_EXIT", "EncodingOption", "ModelOption", "register_command", "user_error_exit"]

#: Exit status of a run stopped by an error in the user's input, config, model or environment.
USER_ERROR_EXIT = 2

#: ``--model``, as every command that classifies takes it.
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="NAME|FOLDER",
        help="A shipped model (default, linear, ...) or a saved model folder; default: the shipped default.",
    ),
]
#: ``--encoding``, as every command that reads users' text files takes it (see docs/files.md).
EncodingOption = Annotated[
    str, typer.Option("--encoding", metavar="ENCODING", help="Encoding of text inputs (utf-8, cp1252, latin-1...); default: UTF-8.")
]


def user_error_exit(exc: BaseException) -> NoReturn:
    """Print ``exc`` as one coded line and exit 2, when it is a user's error; re-raise it otherwise."""
    from netral_nlp.errors import NetralError
    from netral_nlp.tables.files import NO_SPACE_ERRNOS, output_error

    if isinstance(exc, NetralError):
        message = str(exc)
    elif isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS:
        message = str(output_error(exc, exc.filename or "an output"))
    else:
        raise exc
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USER_ERROR_EXIT)


def register_command(app: typer.Typer, name: str, help: str, command: Callable[..., Any]) -> None:
    """Add ``command`` to ``app`` as ``name``, with its user errors turned into one coded line."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except Exception as exc:
            user_error_exit(exc)

    app.command(name, help=help)(run)
