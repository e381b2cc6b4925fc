"""What a query asks beyond its words: what it negates, what it wants "with", its numbers.

ICD-9-CM style descriptions say "cystic fibrosis without mention of meconium ileus" and "acute
gastritis with hemorrhage"; a title that prints a negated word (E84.11 *Meconium ileus* in cystic
fibrosis) must count against itself, and a title that says "without" what the query wants
(K29.00 acute gastritis *without bleeding*) too.

>>> negations(words("cystic fibrosis without mention of meconium ileus"))
(['meconium', 'ileus'], [])
>>> negations(words("acute gastritis with hemorrhage"))
([], ['hemorrhage'])
>>> polarity(words("Acute gastritis without bleeding"), {"bleed"})
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from icdkit.vocabulary import STOP, stem, words

_NEGATORS = frozenset({"without", "not", "no"})
_ENDS = frozenset({"with", "and", "but", "or", "due", "in", "without", "not", "no"})
_FILLER = frozenset({"mention", "mentioned", "stated", "documented", "evidence", "sign", "signs"})
_SPAN = 3  # content words a "without" / "with" governs
NEGATED = 0.5  # score taken from a code whose title prints what the query negates
CONTRARY = 0.2  # ... or says "without" what the query wants "with"
AGREES = 0.1  # given to a title saying "without" what the query negates


@dataclass(slots=True)
class Ask:
    """One query's parsed wants, shared by the ranking steps."""

    stems: set[str]  # every stem of the query and its variants
    typed: set[str]  # the words as typed (for the literal bonus)
    numbers: list[float] = field(default_factory=list)
    negated: set[str] = field(default_factory=set)  # stems the query says are absent
    wanted: set[str] = field(default_factory=set)  # stems the query wants "with"
    unknown: list[str] = field(default_factory=list)  # words no document prints, even misspelt


def negations(ws: list[str]) -> tuple[list[str], list[str]]:
    """(words after without / not / no, words after with), a few content words each."""
    negated: list[str] = []
    wanted: list[str] = []
    target: list[str] | None = None
    taken = 0
    for w in ws:
        if w in _NEGATORS:
            target, taken = negated, 0
        elif w == "with":
            target, taken = wanted, 0
        elif target is not None and (w in _ENDS or taken >= _SPAN):
            target = None
        elif target is not None and w not in STOP and w not in _FILLER:
            target.append(w)
            taken += 1
    return negated, wanted


def polarity(title_words: list[str], targets: set[str]) -> tuple[bool, bool]:
    """(prints one of *targets* plainly, prints one after without / not / no) for a title."""
    plain = negative = False
    for i, w in enumerate(title_words):
        if stem(w) not in targets:
            continue
        if any(x in _NEGATORS for x in title_words[max(0, i - _SPAN):i]):
            negative = True
        else:
            plain = True
    return plain, negative


def adjustment(title: str, ask: Ask) -> float:
    """The with / without / not correction of a code's score for its title."""
    if not ask.negated and not ask.wanted:
        return 0.0
    ws = words(title)
    delta = 0.0
    if ask.negated:
        plain, negative = polarity(ws, ask.negated)
        delta -= NEGATED if plain else 0.0
        delta += AGREES if negative else 0.0
    if ask.wanted:
        plain, negative = polarity(ws, ask.wanted)
        delta -= CONTRARY if negative and not plain else 0.0
    return delta
