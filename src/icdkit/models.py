"""The objects a :class:`~icdkit.kb.KnowledgeBase` hands out: frozen, cheap, comparable."""

from __future__ import annotations

from dataclasses import dataclass, field

from icdkit.refs import Ref

#: Note kinds in the order a coder reads them, with the JSON key each is shown under.
NOTE_KEYS = {
    "includes": "includes",
    "inclusion_term": "inclusion_terms",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "code_first": "code_first",
    "use_additional": "use_additional",
    "code_also": "code_also",
    "note": "notes",
    "seventh_note": "seventh_character_note",
}


@dataclass(frozen=True, slots=True)
class Code:
    """A chapter, block, category, subcategory or code of one release.

    ``code`` is the display form (``M54.03``, ``M50-M54`` for a block, ``13`` for a chapter);
    ``key`` the dotless form used inside the knowledge base (a one-category block such as
    ``B20`` is keyed ``B20-B20`` so it stays distinct from its category). ``block`` is the
    block as officially shown. ``parent`` is the parent as the JSON shows it (``M54.0``;
    ``M50-M54`` or ``B20`` for a block, ``13`` for a chapter) and ``parent_key`` its key
    inside the knowledge base (``M540``, ``B20-B20``), for walking the hierarchy.

    ``kb.get("M54.03")`` has ``parent`` ``'M54.0'`` and ``parent_key`` ``'M540'``.
    """

    key: str
    code: str
    kind: str  # chapter | block | category | subcategory | code
    title: str
    billable: bool
    parent: str | None  # the parent's display form, as in the JSON ('M54.0')
    chapter: str
    block: str | None
    depth: int
    release: str
    short_title: str | None = None
    seventh_owner: str | None = None  # key of the node whose 7th characters apply
    parent_key: str | None = None  # the parent's key ('M540', 'B20-B20')

    @property
    def is_header(self) -> bool:
        """True for a category or subcategory that is not itself reportable."""
        return self.kind in ("category", "subcategory", "code") and not self.billable


@dataclass(frozen=True, slots=True)
class Note:
    """An instructional note, kept with the node it stands on (``source``)."""

    kind: str
    text: str
    source: str  # display code of the node the note stands on
    source_kind: str  # chapter | block | category | subcategory | code
    refs: tuple[Ref, ...] = field(default=())

    @property
    def key(self) -> str:
        """The JSON key this note is listed under (``inclusion_terms`` for inclusion_term)."""
        return NOTE_KEYS[self.kind]


@dataclass(frozen=True, slots=True)
class Period:
    """A period during which a code was valid, with the MCE edit flags then in force."""

    start: str
    end: str
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """A release icdkit can open: bundled with the package, or built by the user."""

    release: str  # 'FY2026'
    label: str
    bundled: bool
    built: bool
    path: str
