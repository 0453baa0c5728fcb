"""Write docs/errors.md from the error registry (netral_nlp.errors.CODES).

Run after adding or changing a code: ``python scripts/errors_doc.py``; the test suite fails while
docs/errors.md differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from netral_nlp.errors import codes_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"

if __name__ == "__main__":
    DOC.write_text(codes_markdown(), encoding="utf-8")
    print(f"wrote {DOC}")
