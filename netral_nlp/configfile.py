"""Reading the small YAML/JSON files users hand the library (elections, rules, training
arguments) so that no file can run code, blow up memory or be read in a surprising way.

Files are parsed with PyYAML's safe loader (no Python objects are built) and, on top of it:

- a size limit (:data:`MAX_CONFIG_BYTES`): a config is a few kilobytes;
- no anchors or aliases (``&a`` / ``*a``): they let a 1.5 KB file expand to gigabytes ("billion
  laughs"), and no config of the library needs them;
- no duplicated keys: YAML would keep the last one silently (``weight: 1.0`` then ``weight: 0.0``);
- a nesting limit (:data:`MAX_CONFIG_DEPTH`), so that ``[[[[...]]]]`` is an error, not a crash.

Errors name the file and the line, and values in messages are shortened (:func:`short_repr`),
never printed whole.

>>> load_config_text("id: x\\nname: y\\n", source="e.yaml", fail=ValueError)
{'id': 'x', 'name': 'y'}
>>> load_config_text("a: 1\\na: 2\\n", source="e.yaml", fail=ValueError)
Traceback (most recent call last):
ValueError: e.yaml:2: key 'a' appears twice (first on line 1); YAML would keep only the last one
"""

from __future__ import annotations

import dataclasses
import functools
import reprlib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import yaml

__all__ = ["MAX_CONFIG_BYTES", "MAX_CONFIG_DEPTH", "check_fields", "load_config_file", "load_config_text", "short_repr"]

#: Largest config file read, in bytes (the shipped ones are under 8 KB; a Pilkada with every
#: party and alias stays far below).
MAX_CONFIG_BYTES = 1024 * 1024
#: Deepest nesting of mappings and lists (the shipped files nest 4 levels).
MAX_CONFIG_DEPTH = 16

_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxdict = 4
_SHORT.maxlevel = 2

Fail = Callable[[str], Exception]


def short_repr(value: Any) -> str:
    """A value as error messages show it: at most a few items and 60 characters of a string.

    >>> short_repr("ab" * 1000)
    "'abababababababababababababa...abababababababababababababab'"
    >>> short_repr(list(range(1000)))
    '[0, 1, 2, 3, ...]'
    """
    return _SHORT.repr(value)


class _Refused(yaml.YAMLError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases or duplicated keys, and with a nesting limit."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, f"an alias (*{event.anchor}) is not allowed: write the value out")
        if getattr(event, "anchor", None) is not None:
            raise _Refused(
                line,
                f"an anchor (&{event.anchor}) is not allowed: write each value out (yaml.safe_dump writes anchors for "
                "objects used twice; dump with a Dumper whose ignore_aliases returns True)",
            )
        self._depth += 1
        try:
            if self._depth > MAX_CONFIG_DEPTH:
                raise _Refused(line, f"nested more than {MAX_CONFIG_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key (a list): the safe loader refuses it below
                continue
            line = key_node.start_mark.line + 1
            if first is not None:
                raise _Refused(line, f"key {short_repr(key)} appears twice (first on line {first}); YAML would keep only the last one")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_config_text(text: str, *, source: str, fail: Fail) -> Any:
    """Parse the text of a config; problems raise ``fail(message)`` with ``source`` and the line."""
    if len(text) > MAX_CONFIG_BYTES:
        raise fail(f"{source}: {len(text)} characters, more than the {MAX_CONFIG_BYTES} a config file may have")
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise fail(f"{source}:{exc.line}: {exc.message}") from None
    except yaml.YAMLError as exc:
        raise fail(f"{source}: not valid YAML/JSON: {exc}") from None
    except ValueError as exc:  # a date YAML reads as one but is no day ("2024-11-31")
        raise fail(f"{source}: not valid YAML/JSON: {exc}") from None
    except RecursionError:
        raise fail(f"{source}: nested too deeply") from None
    finally:
        loader.dispose()


def load_config_file(path: str | Path, *, fail: Fail, missing: Fail | None = None) -> Any:
    """Read and parse a config file (UTF-8, at most :data:`MAX_CONFIG_BYTES`).

    ``missing(message)`` is raised when there is no such file (default: ``fail``).
    """
    path = Path(path)
    if not path.is_file():
        raise (missing or fail)(f"{path}: config file not found" if not path.exists() else f"{path}: not a file")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise fail(f"{path}: {size} bytes, more than the {MAX_CONFIG_BYTES} a config file may have")
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(f"{path}:{line}: bytes that are not UTF-8 (at byte {exc.start}); save the file as UTF-8") from None
    return load_config_text(text, source=str(path), fail=fail)


@functools.cache
def _field_model(cls: type) -> type[pydantic.BaseModel]:
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {f.name: (hints[f.name], None) for f in dataclasses.fields(cls)}
    config = pydantic.ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)
    return pydantic.create_model(f"{cls.__name__}Fields", __config__=config, **fields)


def check_fields(cls: type, data: Any, *, source: str, fail: Fail) -> dict[str, Any]:
    """Check a mapping read from a config against the fields of the dataclass ``cls``: known
    names, and values of exactly the annotated types (``"3"`` is not 3, ``true`` is not 1, NaN is
    no number). Returns ``data``; the first problem raises ``fail(message)`` naming the field.

    >>> @dataclasses.dataclass
    ... class Args:
    ...     epochs: float = 3.0
    >>> check_fields(Args, {"epochs": "many"}, source="args.yaml", fail=ValueError)
    Traceback (most recent call last):
    ValueError: args.yaml: field 'epochs': Input should be a valid number, got 'many'
    """
    if not isinstance(data, dict):
        raise fail(f"{source}: expected a mapping of name -> value, got {type(data).__name__}")
    try:
        _field_model(cls).model_validate(data)
    except pydantic.ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(x) for x in err["loc"])
        if err["type"] == "extra_forbidden":
            raise fail(f"{source}: unknown field {field!r}; known: {sorted(f.name for f in dataclasses.fields(cls))}") from None
        raise fail(f"{source}: field {field!r}: {err['msg']}, got {short_repr(err.get('input'))}") from None
    return data
