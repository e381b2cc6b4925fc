"""Split a clinical note into its sections by their titles (validated data, ``section_titles.json``).

A title starts a line and ends with a colon (``Assessment/Plan: 1. ...``) or stands alone on its
line (``ASSESSMENT AND PLAN``). Text before the first title is the note's ``preamble``. Offsets
are character offsets into the original text, so evidence can be highlighted in place.

>>> [(s.name, s.title) for s in split_sections("CC: cough\\nA/P: acute bronchitis")]
[('chief_complaint', 'CC'), ('assessment_plan', 'A/P')]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from icdkit.errors import IcdkitError

PREAMBLE = "preamble"
_KEYS = {"name", "rank", "titles"}


class RuleDataError(IcdkitError):
    """A bundled rule file (section titles, ConText triggers) is malformed."""


@dataclass(frozen=True, slots=True)
class SectionKind:
    name: str
    rank: int  # 1 = assessment/plan … 4 = review of systems, exam, data
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    name: str  # assessment_plan, hpi, past_history, family_history, ros, …
    title: str  # as written in the note
    rank: int
    start: int  # where the section's body starts (after the title)
    end: int


def load_kinds(data: object) -> tuple[SectionKind, ...]:
    """Validate section-title data: unknown keys, missing fields and duplicates are errors."""
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list) or "source" not in data:
        raise RuleDataError("section titles: expected {'source': ..., 'sections': [...]}")
    kinds: list[SectionKind] = []
    seen: set[str] = set()
    for i, row in enumerate(data["sections"]):
        if not isinstance(row, dict) or set(row) != _KEYS:
            got = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise RuleDataError(f"section titles #{i}: expected keys {sorted(_KEYS)}, got {got}")
        name, rank, titles = row["name"], row["rank"], row["titles"]
        if not isinstance(name, str) or not isinstance(rank, int) or not 1 <= rank <= 4 \
                or not isinstance(titles, list) or not titles \
                or not all(isinstance(t, str) and t.strip() for t in titles):
            raise RuleDataError(f"section titles #{i} ({name!r}): name, rank 1-4, titles non-empty")
        for t in titles:
            if t.lower() in seen:
                raise RuleDataError(f"section title {t!r} is listed twice")
            seen.add(t.lower())
        kinds.append(SectionKind(name, rank, tuple(t.lower() for t in titles)))
    return tuple(kinds)


@cache
def bundled_kinds() -> tuple[SectionKind, ...]:
    """The bundled section titles (read and validated once)."""
    text = resources.files("icdkit.data").joinpath("section_titles.json").read_text(encoding="utf-8")
    return load_kinds(json.loads(text))


@cache
def _pattern() -> tuple[re.Pattern[str], dict[str, SectionKind]]:
    by_title = {t: k for k in bundled_kinds() for t in k.titles}
    alts = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in sorted(by_title, key=len, reverse=True))
    # a title at a line start: followed by ':' (body may follow), or alone on its line
    pat = re.compile(rf"^[ \t]*(?:#+[ \t]*)?(?P<title>{alts})[ \t]*(?::|-(?=[ \t])|[ \t]*$)",
                     re.IGNORECASE | re.MULTILINE)
    return pat, by_title


def split_sections(text: str) -> list[Section]:
    """The note's sections in order; text before the first title is the ``preamble`` (rank 2)."""
    pat, by_title = _pattern()
    heads = []
    for m in pat.finditer(text):
        kind = by_title[re.sub(r"\s+", " ", m.group("title").lower())]
        heads.append((m.start("title"), m.end(), kind, m.group("title")))
    out: list[Section] = []
    first = heads[0][0] if heads else len(text)
    if text[:first].strip():
        out.append(Section(PREAMBLE, "", 2, 0, first))
    for i, (_, body, kind, title) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        out.append(Section(kind.name, title, kind.rank, body, end))
    return out
