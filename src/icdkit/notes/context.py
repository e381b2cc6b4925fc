"""Assertion of a mention (present, negated, uncertain, historical, family, hypothetical) by
ConText triggers kept as validated data (``data/context_rules.json``).

The algorithm is NegEx's and ConText's (Chapman et al. 2001; Harkema et al. 2009): a trigger
governs the words after it (``forward``), before it (``backward``) or both, up to a
termination term (``but``, ``presents with``…), the sentence's end or a window of words;
pseudo-triggers (``no change``, ``history of present illness``) match and govern nothing.
When several categories govern a mention, the one that changes coding most wins: negated,
family, hypothetical, uncertain, historical.

>>> rules = bundled_rules()
>>> a = assertion(rules, "Denies chest pain but reports cough.", 7, 17)
>>> a.category, a.trigger
('negated', 'Denies')
>>> assertion(rules, "Denies chest pain but reports cough.", 30, 35).category
'present'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from icdkit.notes.sections import RuleDataError

CATEGORIES = ("negated", "uncertain", "historical", "family", "hypothetical", "pseudo")
DIRECTIONS = ("forward", "backward", "bidirectional")
PRIORITY = ("negated", "family", "hypothetical", "uncertain", "historical")
_RULE_KEYS = {"category", "direction"}
_TOP_KEYS = {"source", "window", "terminators", "rules"}
_WORD = re.compile(r"\w+")
_PHRASE_ONLY = frozenset({"without"})  # a title-like qualifier: its scope ends at a comma
_BREAK = re.compile(r";|\s[-–—]\s|:\s")  # a dash or semicolon between trigger and mention ends its scope


@dataclass(frozen=True, slots=True)
class Rule:
    text: str  # the literal, or the pattern
    category: str
    direction: str
    pattern: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    rules: tuple[Rule, ...]
    terminators: tuple[str, ...]
    window: int  # words a trigger governs at most
    regex: re.Pattern[str]  # every trigger, longest first
    stop: re.Pattern[str]  # every termination term
    by_literal: dict[str, tuple[Rule, ...]]
    patterns: tuple[tuple[re.Pattern[str], Rule], ...]


@dataclass(frozen=True, slots=True)
class Assertion:
    category: str  # present | negated | uncertain | historical | family | hypothetical
    trigger: str | None = None  # the trigger as written in the note, or 'section: …'
    start: int | None = None  # the trigger's offsets in the note
    end: int | None = None


PRESENT = Assertion("present")


def _edge(s: str, left: bool) -> str:
    ch = s[0] if left else s[-1]
    return r"\b" if ch.isalnum() else ""


def load_rules(data: object) -> Rules:
    """Validate ConText rule data: unknown keys, missing fields and bad values are errors."""
    if not isinstance(data, dict) or set(data) != _TOP_KEYS:
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise RuleDataError(f"context rules: expected keys {sorted(_TOP_KEYS)}, got {got}")
    window, terms, rows = data["window"], data["terminators"], data["rules"]
    if not isinstance(window, int) or window < 1:
        raise RuleDataError("context rules: 'window' must be a positive whole number of words")
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise RuleDataError("context rules: 'terminators' must be a list of non-empty strings")
    if not isinstance(rows, list) or not rows:
        raise RuleDataError("context rules: 'rules' must be a non-empty list")
    rules: list[Rule] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise RuleDataError(f"context rule #{i}: expected an object")
        kind = [k for k in ("literal", "pattern") if k in row]
        extra = set(row) - _RULE_KEYS - {"literal", "pattern"}
        if len(kind) != 1 or extra or not set(row) >= _RULE_KEYS:
            raise RuleDataError(f"context rule #{i}: needs 'category', 'direction' and one of 'literal' "
                                f"or 'pattern'; got {sorted(row)}")
        text = row[kind[0]]
        if not isinstance(text, str) or not text.strip():
            raise RuleDataError(f"context rule #{i}: empty {kind[0]}")
        if row["category"] not in CATEGORIES:
            raise RuleDataError(f"context rule #{i} ({text!r}): category must be one of {CATEGORIES}")
        if row["direction"] not in DIRECTIONS:
            raise RuleDataError(f"context rule #{i} ({text!r}): direction must be one of {DIRECTIONS}")
        if kind[0] == "pattern":
            try:
                re.compile(text)
            except re.error as exc:
                raise RuleDataError(f"context rule #{i}: bad pattern {text!r}: {exc}") from None
        rules.append(Rule(text.lower(), row["category"], row["direction"], kind[0] == "pattern"))
    regex = re.compile(_trie({r.text for r in rules if not r.pattern}), re.IGNORECASE)
    stop = re.compile("|".join(rf"\b{re.escape(t.lower())}\b" for t in sorted(terms, key=len, reverse=True)),
                      re.IGNORECASE)
    by_literal: dict[str, list[Rule]] = {}
    for r in rules:
        if not r.pattern:
            by_literal.setdefault(r.text, []).append(r)
    patterns = tuple((re.compile(r.text, re.IGNORECASE), r) for r in rules if r.pattern)
    return Rules(tuple(rules), tuple(terms), window, regex, stop,
                 {k: tuple(v) for k, v in by_literal.items()}, patterns)


def _trie(literals: set[str]) -> str:
    """One pattern for every literal, a word boundary at an edge that is a letter or digit,
    written as a trie ('no' and 'no evidence' share 'no'): at each place in a sentence the
    longest literal that matches there is the match — as with every literal listed longest
    first — but the regex engine follows one branch per character instead of trying every
    literal in turn (measured: a sentence in ~1/20 of the time).

    >>> rx = re.compile(_trie({"no", "no evidence", "h/o"}), re.IGNORECASE)
    >>> [m.group() for m in rx.finditer("No evidence of pneumonia; no fever; H/O asthma; nose")]
    ['No evidence', 'no', 'H/O']
    """
    root: dict[str, Any] = {}
    for text in literals:
        node = root
        for ch in text:
            node = node.setdefault(ch, {})
        node[""] = {}  # a literal ends here

    def branches(node: dict[str, Any], last: str) -> str:
        parts = [re.escape(ch) + branches(kid, ch) for ch, kid in sorted(node.items()) if ch]
        if "" in node:  # after the longer literals: the longest is taken
            parts.append(_edge(last, False))
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return "(?:" + "|".join(_edge(ch, True) + re.escape(ch) + branches(kid, ch)
                            for ch, kid in sorted(root.items())) + ")"


@cache
def bundled_rules() -> Rules:
    """The bundled ConText rules (read and validated once)."""
    text = resources.files("icdkit.data").joinpath("context_rules.json").read_text(encoding="utf-8")
    return load_rules(json.loads(text))


@dataclass(frozen=True, slots=True)
class Trigger:
    start: int
    end: int
    text: str
    rules: tuple[Rule, ...]


def triggers(rules: Rules, text: str) -> list[Trigger]:
    """The triggers in *text* (a sentence), leftmost-longest, not overlapping."""
    found = [Trigger(m.start(), m.end(), m.group(), rules.by_literal[m.group().lower()])
             for m in rules.regex.finditer(text)]
    for pat, rule in rules.patterns:
        for m in pat.finditer(text):
            if not any(t.start < m.end() and m.start() < t.end for t in found):
                found.append(Trigger(m.start(), m.end(), m.group(), (rule,)))
    return sorted(found, key=lambda t: t.start)


def _words(s: str) -> int:
    return len(_WORD.findall(s))


def assertion(rules: Rules, sentence: str, start: int, end: int, *, offset: int = 0,
              found: list[Trigger] | None = None) -> Assertion:
    """The assertion of ``sentence[start:end]``; offsets in the result add *offset* (the
    sentence's place in the note). *found* reuses the sentence's :func:`triggers`."""
    hits: dict[str, Trigger] = {}
    for t in found if found is not None else triggers(rules, sentence):
        if t.start < end and start < t.end:  # the trigger is inside the mention ('no' in 'nose')
            continue
        for r in t.rules:
            if r.category == "pseudo":
                break
            if t.end <= start and r.direction in ("forward", "bidirectional"):
                gap = sentence[t.end:start]
            elif t.start >= end and r.direction in ("backward", "bidirectional"):
                gap = sentence[end:t.start]
            else:
                continue
            if _words(gap) > rules.window or rules.stop.search(gap) or _BREAK.search(gap):
                continue
            if t.text.lower() in _PHRASE_ONLY and "," in gap:
                continue  # 'DKA without coma, type 1 diabetes': 'without' governs its own phrase
            best = hits.get(r.category)
            if best is None or abs(t.start - start) < abs(best.start - start):
                hits[r.category] = t
    for cat in PRIORITY:
        if cat in hits:
            t = hits[cat]
            return Assertion(cat, t.text, offset + t.start, offset + t.end)
    return PRESENT


_CLAUSE_END = re.compile(r"[,;:.()\[\]]|\s[-–—]\s|\band\b|\bor\b")
_LIST = re.compile(r"(?:\s*,\s*[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})*\s*,?\s*\b(?:or|nor)\s+[a-z][\w-]*"
                   r"(?:\s+[a-z][\w-]*){0,2}(?=\s*[,;:.()\[\]]|\s*$)", re.IGNORECASE)


def denied_spans(rules: Rules, sentence: str, found: list[Trigger] | None = None) -> list[tuple[int, int]]:
    """Spans of *sentence* a forward negation trigger governs, each to the end of its phrase
    (the next comma, bracket, dash, 'and' / 'or', terminator or the window): the words a
    refinement must not read as said. 'Acute sinusitis - not recurrent' → the span of 'recurrent'.

    >>> s = "Parkinson disease without dyskinesia, without fluctuations."
    >>> [s[a:b] for a, b in denied_spans(bundled_rules(), s)]
    [' dyskinesia', ' fluctuations']
    >>> s = "Diverticulitis (no perforation, abscess or bleeding)."
    >>> [s[a:b] for a, b in denied_spans(bundled_rules(), s)]
    [' perforation, abscess or bleeding']
    >>> s = "Dementia, no behavioral or psychotic disturbance."
    >>> [s[a:b] for a, b in denied_spans(bundled_rules(), s)]
    [' behavioral or psychotic disturbance']
    """
    out: list[tuple[int, int]] = []
    for t in found if found is not None else triggers(rules, sentence):
        if not any(r.category == "negated" and r.direction in ("forward", "bidirectional") for r in t.rules):
            continue
        rest = sentence[t.end:]
        cut = [m.start() for m in (_CLAUSE_END.search(rest), rules.stop.search(rest)) if m is not None]
        end = min(cut, default=len(rest))
        listed = _LIST.match(rest, end)  # 'no perforation, abscess or bleeding': the list's items too
        if listed is not None and not rules.stop.search(listed.group()):
            end = listed.end()
        ws = list(_WORD.finditer(rest[:end]))
        if len(ws) > rules.window:
            end = ws[rules.window - 1].end()
        if rest[:end].strip():
            out.append((t.end, t.end + end))
    return out
