"""Every code the library uses is registered in ``netral_nlp.errors.CODES`` with one meaning, and
no two error classes share a code (``HubUnreachableError`` once shared E201 with "unknown
input format")."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import netral_nlp
from netral_nlp import errors
from netral_nlp.elections import ElectionConfigError
from netral_nlp.errors import CODES, NetralError
from netral_nlp.models.transformer import HubUnreachableError

PACKAGE = Path(netral_nlp.__file__).parent
CODE = re.compile(r"""["'\[](E\d{3})["'\]]""")


def _codes_in_source() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, set()).add(str(path.relative_to(PACKAGE)))
    return found


def test_every_code_in_the_source_is_registered():
    unregistered = {code: files for code, files in _codes_in_source().items() if code not in CODES}
    assert not unregistered


def test_every_registered_code_is_used():
    used = set(_codes_in_source()) | {"E000", "E100"} | {cls.code for cls in _error_classes()}
    assert set(CODES) - used == set()


def _error_classes() -> list[type[NetralError]]:
    classes = {errors.NetralError, ElectionConfigError, HubUnreachableError}
    for module in (errors,):
        classes |= {c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, NetralError)}
    return sorted(classes, key=lambda c: c.__name__)


def test_error_classes_have_distinct_codes():
    own = {cls: cls.__dict__["code"] for cls in _error_classes() if "code" in cls.__dict__}
    assert len(set(own.values())) == len(own), own
    assert HubUnreachableError.code == "E406" and CODES["E201"].startswith("predict: unknown")


def test_the_docs_list_the_codes_they_use():
    docs = (PACKAGE.parent / "docs" / "batch.md").read_text(encoding="utf-8") + (PACKAGE.parent / "docs" / "scoring.md").read_text(
        encoding="utf-8"
    )
    for code in re.findall(r"^\| (E\d{3}) \|", docs, flags=re.M):
        assert code in CODES


def test_docs_errors_md_is_generated_from_the_registry():
    doc = PACKAGE.parent / "docs" / "errors.md"
    assert doc.read_text(encoding="utf-8") == errors.codes_markdown(), "docs/errors.md is stale: run `python scripts/errors_doc.py`"
    listed = re.findall(r"^\| (E\d{3}) \| (.*) \|$", doc.read_text(encoding="utf-8"), flags=re.M)
    assert [code for code, _ in listed] == list(CODES) and all(meaning for _, meaning in listed)


def test_each_code_has_one_meaning_on_one_line():
    meanings = list(CODES.values())
    assert len(set(meanings)) == len(meanings)
    assert all(m and "\n" not in m for m in meanings)
    assert all(code[:2] in errors.RANGES for code in CODES)
