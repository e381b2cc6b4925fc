"""Check one encounter's diagnosis codes against every rule; each finding cites its source.

>>> from icdkit import KnowledgeBase
>>> report = Checker(KnowledgeBase.open()).check(["M54.2", "M50.20"])
>>> report.ok, [f.rule for f in report.findings if f.severity == "error"]
(False, ['excludes1'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icdkit.errors import InvalidInput
from icdkit.kb import KnowledgeBase, parse_date
from icdkit.rules.cache import RuleCache
from icdkit.rules.codeset import check_codes
from icdkit.rules.context import Context, build_context
from icdkit.rules.emit import FindingSink, Sink
from icdkit.rules.excludes import check_excludes
from icdkit.rules.findings import Encounter, Report
from icdkit.rules.info import check_info
from icdkit.rules.mce import check_mce
from icdkit.rules.sequencing import check_sequencing

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


class Checker:
    """Checks encounters against one knowledge base, memoising per-code work across calls."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.cache = RuleCache(kb)

    def check(self, codes: Sequence[str] | str, *, age: int | str | None = None, sex: str | None = None,
              date: dt.date | str | None = None, setting: str | None = None) -> Report:
        return self.check_encounter(encounter(codes, age=age, sex=sex, date=date, setting=setting))

    def check_encounter(self, enc: Encounter) -> Report:
        sink = FindingSink()
        day = self.run(enc, sink)
        return Report(sink.findings(), self.kb.release, day,
                      "given" if enc.date is not None else "default", self.kb.label)

    def run(self, enc: Encounter, out: Sink) -> str:
        """Put the encounter's findings in *out* (it orders them by severity); return the date
        of service they were checked on."""
        ctx = self.prepare(enc)
        self.apply(ctx, out)
        return ctx.day

    def prepare(self, enc: Encounter) -> Context:
        """The encounter's codes resolved on its date of service (InvalidInput for a date
        beyond the validity table)."""
        day = self.cache.day(enc.date) if enc.date is not None else self.kb.effective
        return build_context(self.kb, enc, day, self.cache.spelling, self.cache.spellings)

    def apply(self, ctx: Context, out: Sink) -> None:
        """Put the findings of every rule for a prepared encounter in *out*."""
        cache = self.cache
        check_codes(ctx, cache, out)
        check_excludes(ctx, cache, out)
        check_sequencing(ctx, cache, out)
        check_mce(ctx, cache, out)
        check_info(ctx, cache, out)


def check(codes: Sequence[str] | str, *, age: int | str | None = None, sex: str | None = None,
          date: dt.date | str | None = None, setting: str | None = None,
          kb: KnowledgeBase | None = None) -> Report:
    """Check one encounter (principal / first-listed code first) on the newest release by default."""
    return Checker(kb or KnowledgeBase.open()).check(codes, age=age, sex=sex, date=date, setting=setting)
