"""JSON text of findings, byte for byte ``json.dumps(finding.to_dict())``: ASCII, with the
curly quotes and dashes of notes and messages escaped (``\\u201c``), as ``json.dumps`` does by
default. Pure-ASCII text is joined and written byte for byte; mixing it with wider characters
would widen every ASCII piece of a finding (measured: ~8 % of the instructions of a hot batch row).

Batch checks write ~20 findings per encounter; ``json.dumps`` of a dict is most of their cost.
Here the constant parts are formatted once, the source of a note (shared by every code the
note governs) is rendered once per Source value, and only message and codes are escaped.

>>> from icdkit.rules.findings import Finding, Source
>>> f = Finding("hcc", "info", ("E11.9",), "E11.9 maps to “HCC 38”", Source("table", "t", table="x"))
>>> import json; finding_json(f) == json.dumps(f.to_dict())
True
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _esc  # the escaping json.dumps applies to str

from icdkit.memo import Memo
from icdkit.rules.findings import Finding, Source

#: a batch result line's text around its id and findings: before the id, after it when the row
#: has no error-level finding, the same when it has one, and after the findings
HEAD = ('{"id": ', ', "ok": true, "findings": [', ', "ok": false, "findings": [', "]}\n")

SOURCE_LIMIT = 50_000  # distinct sources kept rendered (notes, tables, conventions)

_sources: dict[Source, str] = Memo("rules.rendered_sources", 8 << 20)


def source_json(src: Source) -> str:
    got = _sources.get(src)
    if got is None:
        got = json.dumps(src.to_dict())
        if len(_sources) >= SOURCE_LIMIT:
            _sources.clear()
        _sources[src] = got
    return got


def _list(items: tuple[str, ...]) -> str:
    return f"[{', '.join(map(_esc, items))}]"


def finding_json(f: Finding) -> str:
    sug = _list(f.suggestions) if f.suggestions else "[]"
    return (f'{{"rule": {_esc(f.rule)}, "severity": {_esc(f.severity)}, "codes": {_list(f.codes)}, '
            f'"message": {_esc(f.message)}, "source": {source_json(f.source)}, "suggestions": {sug}}}')
