"""Code a JSON Lines file of notes: one ``{"id", "text", "setting"?, "date"?, "age"?, "sex"?}``
per line in, one result per line out, in order. Every line is answered: a line that is not a
JSON object, or whose note is invalid, gets ``{"id", "error": {"type", "message"}}``.

>>> import io
>>> out = io.StringIO()
>>> code_lines(io.BytesIO(b'{"id": "a", "text": "Assessment: HTN"}\\nnot json\\n'), out)
(2, 1)
>>> out.getvalue().splitlines()[1]
'{"id": null, "line": 2, "error": {"type": "InvalidInput", "message": "line 2 is not a JSON object"}}'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from icdkit.errors import IcdkitError, InvalidInput
from icdkit.kb import KnowledgeBase
from icdkit.notes.coder import code_note

_FIELDS = ("setting", "date", "age", "sex")


def code_record(row: Any, line: int, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """The result record for one parsed line (an error record when it cannot be coded)."""
    rid = row.get("id") if isinstance(row, dict) else None
    try:
        if not isinstance(row, dict):
            raise InvalidInput(f"line {line} is not a JSON object")
        text = row.get("text")
        if not isinstance(text, str):
            raise InvalidInput(f"line {line}: 'text' must be the note as a string")
        kw = {k: row[k] for k in _FIELDS if row.get(k) is not None}
        result = code_note(text, kb=kb, **kw)
    except IcdkitError as exc:
        return {"id": rid, "line": line, "error": {"type": type(exc).__name__, "message": str(exc)}}
    return {"id": rid, **result.to_json()}


def code_lines(stream: IO[bytes], out: IO[str], *, kb: KnowledgeBase | None = None,
               progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Code every line of *stream* into *out*; return (lines answered, error records)."""
    n = errors = 0
    for raw in stream:
        if progress is not None:
            progress(len(raw))
        if not raw.strip():
            continue
        n += 1
        try:
            row = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            row = None
        record = code_record(row, n, kb)
        errors += "error" in record
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return n, errors
