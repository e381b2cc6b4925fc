"""An encounter as the rules take it: its input validated and normalised (``encounter``), and
resolved on its date of service (``Rules.prepare``): what the evaluator (columnar.py) and
``check()`` (check.py) both start from.

>>> enc = encounter("I10, E11.9", age="67", sex="f", date="2025-11-03", setting="Inpatient")
>>> enc.codes, enc.age, enc.sex, enc.setting
(('I10', 'E11.9'), 67, 'F', 'inpatient')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icdkit.errors import InvalidInput
from icdkit.kb import KnowledgeBase, parse_date
from icdkit.rules.context import Context, build_context
from icdkit.rules.findings import Encounter
from icdkit.rules.rule_cache import RuleCache

SETTINGS = ("inpatient", "outpatient")
MAX_CODES = 100  # a claim carries at most 25 diagnoses; more is a malformed request


def encounter(codes: Sequence[str] | str, *, age: int | str | None = None, sex: str | None = None,
              date: dt.date | str | None = None, setting: str | None = None) -> Encounter:
    """Validate and normalise an encounter's input; raise InvalidInput naming the problem."""
    return Encounter(encounter_codes(codes), *patient(age, sex, date, setting))


def encounter_codes(codes: Sequence[str] | str) -> tuple[str, ...]:
    """An encounter's codes as given (a list, or text separated by spaces, commas, ``;`` or
    ``|``), stripped; InvalidInput when there are none or too many."""
    if isinstance(codes, str):
        codes = codes.replace(",", " ").replace(";", " ").replace("|", " ").split()
    texts = [(c if type(c) is str else str(c)).strip() for c in codes]
    got = tuple(texts) if "" not in texts else tuple(c for c in texts if c)
    if not got:
        raise InvalidInput("no codes given: list the encounter's diagnosis codes, principal first")
    if len(got) > MAX_CODES:
        raise InvalidInput(f"too many codes ({len(got)}): at most {MAX_CODES} per encounter")
    return got


def patient(age: int | str | None, sex: str | None, date: dt.date | str | None, setting: str | None
            ) -> tuple[int | None, str | None, dt.date | None, str | None]:
    """An encounter's age, sex, date of service and setting, validated and normalised."""
    if type(age) is int:  # the common case, as JSON gives it
        pass
    elif age is not None and str(age).strip() != "":
        try:
            age = int(str(age).strip())
        except ValueError:
            raise InvalidInput(f"malformed age {age!r}: expected whole years, e.g. 42") from None
    else:
        age = None
    if age is not None and not 0 <= age <= 124:
        raise InvalidInput(f"age {age} is out of range 0-124")
    if sex in ("F", "M"):
        pass
    elif sex is not None and str(sex).strip() != "":
        sex = str(sex).strip().upper()[:1]
        if sex not in ("F", "M"):
            raise InvalidInput("malformed sex: expected F or M")
    else:
        sex = None
    if setting in SETTINGS:
        pass
    elif setting is not None and str(setting).strip() != "":
        setting = str(setting).strip().lower()
        if setting not in SETTINGS:
            raise InvalidInput(f"malformed setting {setting!r}: expected inpatient or outpatient")
    else:
        setting = None
    day = parse_date(date) if date not in (None, "") else None
    return age, sex, day, setting


class Rules:
    """The rules' view of one knowledge base: its memo of per-code facts (RuleCache), and
    encounters resolved on their date of service."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.cache = RuleCache(kb)

    def prepare(self, enc: Encounter) -> Context:
        """The encounter's codes resolved on its date of service (InvalidInput for a date
        beyond the validity table)."""
        day = self.cache.day(enc.date) if enc.date is not None else self.kb.effective
        return build_context(self.kb, enc, day, self.cache.spelling, self.cache.spellings)
