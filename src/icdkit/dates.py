"""Dates of service: the one parser every command and the API use, and the fiscal-year calendar.

ICD-10-CM releases follow the U.S. federal fiscal year: FY2021 took effect 2020-10-01 and ran to
2021-09-30, sometimes with a mid-year update (1 April, once 1 January) that adds or deletes codes.

>>> parse_date("2021-06-01"), fiscal_year(parse_date("2021-06-01"))
(datetime.date(2021, 6, 1), 2021)
>>> fiscal_year_bounds(2021)
('2020-10-01', '2021-09-30')
>>> parse_date("2021-02-30")
Traceback (most recent call last):
icdkit.errors.InvalidInput: impossible date '2021-02-30': February 2021 has 28 days
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from icdkit.errors import InvalidInput

#: The day ICD-10-CM replaced ICD-9-CM for U.S. diagnosis coding.
ICD10CM_START = "2015-10-01"

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: dt.date | str | None) -> dt.date | None:
    """A date, or ISO ``YYYY-MM-DD`` text, as a date; raise InvalidInput naming the problem.

    Only the extended ISO form is accepted: ``20260401`` and week dates (``2026-W14-3``), which
    :meth:`datetime.date.fromisoformat` would take, are refused, as is any time part. A
    well-formed date that no calendar holds (``2021-02-30``) is called impossible.
    """
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not _ISO.fullmatch(text):
        raise InvalidInput(f"malformed date {value!r}: expected YYYY-MM-DD, e.g. 2026-04-01 "
                           "(not 20260401, a week date or a time)")
    year, month, day = (int(p) for p in text.split("-"))
    if not 1 <= month <= 12:
        raise InvalidInput(f"impossible date {text!r}: there is no month {month}")
    if year < 1:
        raise InvalidInput(f"impossible date {text!r}: there is no year 0")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise InvalidInput(f"impossible date {text!r}: {calendar.month_name[month]} {year} "
                           f"has {days} days")
    return dt.date(year, month, day)


def fiscal_year(day: dt.date) -> int:
    """The fiscal year (and so the ICD-10-CM release) a date of service falls in."""
    return day.year + 1 if day.month >= 10 else day.year


def fiscal_year_bounds(year: int) -> tuple[str, str]:
    """First and last day of fiscal year *year* (ISO)."""
    return f"{year - 1}-10-01", f"{year}-09-30"
