"""Exceptions raised by icdkit.

Every error a user can cause is an :class:`IcdkitError`, so adapters catch one type and
turn it into a clear message (CLI: stderr + exit 2; HTTP: a 4xx with one JSON shape)::

    IcdkitError
    ├── InvalidInput           malformed input (bad code syntax, bad date, bad option)
    │   └── MalformedCode      text that cannot be an ICD-10-CM code at all
    ├── UnknownCode            well-formed, but not in the release (carries suggestions)
    ├── UnknownTerm            a term, substance or site the Index or a Table lacks (suggestions)
    ├── UnknownRelease         no bundled or built release of that name
    └── BuildError             source files missing or unreadable while building
        ├── IncompatibleStore  a knowledge base built by an incompatible icdkit version
        ├── DamagedStore       a knowledge base that differs from its build checksum
        └── UnwritableStore    the store directory cannot hold a new knowledge base
"""

from __future__ import annotations


class IcdkitError(Exception):
    """Base class of every error icdkit raises on purpose."""

    code = "error"


class InvalidInput(IcdkitError):
    """Input that is malformed (a date, an option value, a request)."""

    code = "invalid-input"


class MalformedCode(InvalidInput):
    """Text that cannot be an ICD-10-CM code (wrong characters or length)."""

    code = "malformed-code"


class UnknownCode(IcdkitError):
    """A well-formed code that the release does not hold."""

    code = "unknown-code"

    def __init__(self, message: str, *, code: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.requested = code
        self.suggestions = suggestions


class UnknownTerm(IcdkitError):
    """A term, substance or site that the Index or the Tables do not hold."""

    code = "unknown-term"

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class UnknownRelease(IcdkitError):
    """No bundled or previously built release by that name."""

    code = "unknown-release"


class BuildError(IcdkitError):
    """The release files could not be found or read while building."""

    code = "build-error"


class IncompatibleStore(BuildError):
    """A knowledge base file written by an incompatible icdkit version."""

    code = "incompatible-store"


class DamagedStore(BuildError):
    """A knowledge base whose content differs from the checksum recorded at its build."""

    code = "damaged-store"


class UnwritableStore(BuildError):
    """The store directory is missing, read-only or not a directory, and a build is needed."""

    code = "unwritable-store"
