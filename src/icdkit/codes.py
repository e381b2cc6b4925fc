"""Normalising ICD-10-CM code text.

An ICD-10-CM code is 3 to 7 characters: a letter, a digit or letter (FY2026 added ``QA0``),
a digit or letter, then after the dot up to four more characters. Codes shorter than six
characters that take a 7th character are padded with the placeholder ``X``
(``S13.4`` + ``A`` → ``S13.4XXA``).

Internally a code is held as its *key*: upper case, no dot (``M5403``). Users may type
``m5403``, ``M54.03``, `` m54.03 `` or ``S72001A``; :func:`key` accepts them all.

>>> key(" m54.03 ")
'M5403'
>>> dotted("S72001A")
'S72.001A'
"""

from __future__ import annotations

import re

from icdkit.errors import MalformedCode

_KEY_RE = re.compile(r"[A-Z][0-9A-Z][0-9A-Z](?:[0-9A-Z]{1,4})?")
_ALLOWED = re.compile(r"[0-9A-Za-z.]+")


def key(text: str) -> str:
    """Return the dotless upper-case key of a code typed by a user.

    Raises :class:`MalformedCode` naming what is wrong when *text* cannot be a code.
    """
    raw = text.strip()
    if not raw:
        raise MalformedCode("empty code: give a code such as M54.03")
    if not _ALLOWED.fullmatch(raw):
        bad = sorted({c for c in raw if not (c.isalnum() or c == ".")})
        raise MalformedCode(f"malformed code {raw!r}: unexpected character(s) {' '.join(bad)!r}")
    if raw.count(".") > 1:
        raise MalformedCode(f"malformed code {raw!r}: more than one dot")
    if "." in raw and raw.index(".") != 3:
        raise MalformedCode(f"malformed code {raw!r}: the dot belongs after the 3rd character")
    k = raw.replace(".", "").upper()
    if not k[0].isalpha():
        raise MalformedCode(f"malformed code {raw!r}: a code starts with a letter (A-Z)")
    if len(k) < 3:
        raise MalformedCode(f"malformed code {raw!r}: a code has at least 3 characters")
    if len(k) > 7:
        raise MalformedCode(f"malformed code {raw!r}: a code has at most 7 characters")
    if not _KEY_RE.fullmatch(k):
        raise MalformedCode(f"malformed code {raw!r}: the 2nd and 3rd characters must be letters or digits")
    return k


def dotted(k: str) -> str:
    """Return the display form of a key: a dot after the third character when longer."""
    return k if len(k) <= 3 or not k[0].isalpha() or "-" in k else f"{k[:3]}.{k[3:]}"


def with_placeholder(k: str, seventh: str) -> str:
    """Extend key *k* to six characters with ``X`` and append the 7th character."""
    return k.ljust(6, "X") + seventh


def without_dash(printed: str) -> str:
    """A code as the Index and Tables print it, without the '-' that asks for more characters.

    >>> without_dash("S52.5-"), without_dash("C34.1-"), without_dash("T39.1X1")
    ('S52.5', 'C34.1', 'T39.1X1')
    """
    return printed.rstrip("-").rstrip(".")


def is_code_key(k: str) -> bool:
    """True when *k* has the shape of a code key (not a block range or chapter number)."""
    return bool(_KEY_RE.fullmatch(k))
