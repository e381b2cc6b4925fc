"""The vocabulary build and search share: how words are folded, split and stemmed (the same
rules at build and at query time), the columns of the Drug and Neoplasm Tables, and the
sources a search document comes from. A neutral module: it imports nothing of icdkit but
the neutral :mod:`icdkit.memo`, so ``build/`` and ``search/`` both stand on it without
importing each other. Its memos (words, stems, folded titles) are bounded by bytes: a server
feeds them made-up words without end.

>>> words("Pain, neck NEC")
['pain', 'neck', 'nec']
>>> [stem(w) for w in words("Fractured femurs")]
['fractur', 'femur']
>>> content(words("Malignant neoplasm of upper lobe, left bronchus or lung"))
['malignant', 'neoplasm', 'upper', 'lobe', 'left', 'bronchus', 'lung']
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from icdkit.memo import bounded, flat

# Words that carry no meaning for finding a code.
STOP = frozenset({
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
    "with", "due", "nec", "nos", "than", "its", "is", "are", "was", "be", "been", "being", "this",
    "that", "these", "those"
})
# Words a title may hold that a searcher rarely types; a document is not penalised for them.
FREE = frozenset({
    "unspecified", "site", "sites", "part", "parts", "not", "otherwise", "condition", "conditions",
    "disease", "diseases", "disorder", "disorders", "mellitus"
})
_SPLIT = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents or apostrophes (``Ménière's`` -> ``meniere``)."""
    if not text.isascii():  # ASCII text has no accents: NFKD leaves it as it is
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower()
    return _APOSTROPHE.sub("", text) if "'" in text else text


_APOSTROPHE = re.compile(r"'s\b|'")


def words(text: str) -> list[str]:
    """The alphanumeric words of *text*, folded, in order."""
    return list(_words(text))


def query_words(text: str) -> list[str]:
    """:func:`words` without the memo: for text that may be a patient's (a search query, a
    clinical note), which must not be kept in a cache."""
    return _SPLIT.findall(fold(text))


@bounded("vocabulary.words", 32 << 20, flat)  # ~45k titles and paths
def _words(text: str) -> tuple[str, ...]:
    return tuple(_SPLIT.findall(fold(text)))


def content(ws: list[str]) -> list[str]:
    """*ws* without stop words."""
    return [w for w in ws if w not in STOP]


@bounded("vocabulary.stems", 8 << 20)
def stem(word: str) -> str:
    """Snowball (Porter 2) English stem (PyStemmer, in C); numbers and short words unchanged."""
    if len(word) <= 3 or not word.isalpha():
        return word
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # type: ignore[import-not-found]

    return Stemmer.Stemmer("english")


@bounded("vocabulary.folded_titles", 8 << 20)
def fold_title(text: str) -> str:
    """Lower case, accents and parenthesised modifiers dropped, spaces collapsed.

    >>> fold_title("Legg-Calvé-Perthes disease")
    'legg-calve-perthes disease'
    >>> fold_title("goiter (diffuse)")
    'goiter'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"\s*\((?!s\)|es\))[^)]*\)", "", text)
    return " ".join(text.lower().split())


# -- phrases -------------------------------------------------------------------------------
MAX_PHRASE = 10  # stems: a longer key names no phrase a note would write whole
_MAX_CHOICES = 16  # keys kept for one document's ``or`` groups


def phrase_key(stems: Iterable[str]) -> str:
    """The order-free key of a phrase: its distinct stems, sorted (word order is free, as in
    the search: 'acute bronchitis' and 'Bronchitis, acute' are one phrase).

    >>> phrase_key([stem(w) for w in content(words("Fracture of the femur"))])
    'femur fractur'
    """
    return " ".join(sorted(set(stems)))


def phrase_keys(req: set[str], groups: list[set[str]]) -> list[str]:
    """The keys naming a document whose required stems are *req*, of which each ``or`` group
    needs one ('upper lobe, bronchus or lung': one key with bronchus, one with lung).

    >>> phrase_keys({"lobe", "upper", "bronchus", "lung"}, [{"bronchus", "lung"}])
    ['bronchus lobe upper', 'lobe lung upper']
    """
    grouped = set().union(*groups) if groups else set()
    fixed = req - grouped
    keys: list[str] = []
    for choice in itertools.islice(itertools.product(*(sorted(g) for g in groups if g)), _MAX_CHOICES):
        stems = fixed | set(choice)
        if 0 < len(stems) <= MAX_PHRASE:
            keys.append(phrase_key(stems))
    return keys


# -- word forms -----------------------------------------------------------------------------
_CONDITION_ENDINGS = ("itis", "osis", "iasis", "ism", "oma", "emia", "pathy", "algia", "ectomy",
                      "otomy", "plasty", "uria", "ia")


def same_word(head: list[str], ws: list[str]) -> bool:
    """True when *ws* is another form of the term's first word ('femoral' of 'femur').

    >>> same_word(["femur"], ["femoral"]), same_word(["fracture"], ["pathological"])
    (True, False)
    """
    if len(ws) != 1 or not head:
        return False
    a, b = head[0], ws[0]
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return common >= 3 and common * 2 >= min(len(a), len(b))


def word_forms(titles: list[str]) -> dict[str, list[str]]:
    """Stem -> the stems of its other forms, from Index titles that print both (``femur,
    femoral``; ``abdomen, abdominal``), both ways. A form naming a condition rather than the
    same thing (``appendix, appendicitis``; ``artery, arteritis``) is left out.

    >>> word_forms(["Femur, femoral", "Appendix, appendicitis"])
    {'femor': ['femur'], 'femur': ['femor']}
    """
    pairs: set[tuple[str, str]] = set()
    for title in titles:
        parts = title.split(",")
        head = words(parts[0])
        if len(head) != 1:
            continue
        for part in parts[1:]:
            ws = words(part)
            if not same_word(head, ws) or any(w.endswith(_CONDITION_ENDINGS) for w in (head[0], ws[0])):
                continue
            a, b = stem(head[0]), stem(ws[0])
            if a != b:
                pairs |= {(a, b), (b, a)}
    out: dict[str, list[str]] = {}
    for a, b in sorted(pairs):
        out.setdefault(a, []).append(b)
    return out


# -- the Tables' columns ---------------------------------------------------------------------
# The columns of the Table of Drugs and Chemicals and of the Neoplasm Table (columns 2-7). The
# short names are what ``icdkit drug --intent`` and ``icdkit neoplasm --behavior`` accept; the
# headings are the tables' own.
TABLE_COLUMNS = {
    "drug": ("accidental", "self-harm", "assault", "undetermined", "adverse", "underdosing"),
    "neoplasm": ("malignant", "secondary", "in-situ", "benign", "uncertain", "unspecified"),
}
TABLE_HEADINGS = {
    "drug": ("Poisoning, accidental (unintentional)", "Poisoning, intentional self-harm",
             "Poisoning, assault", "Poisoning, undetermined", "Adverse effect", "Underdosing"),
    "neoplasm": ("Malignant primary", "Malignant secondary", "Ca in situ", "Benign",
                 "Uncertain behavior", "Unspecified behavior"),
}

#: Where a search document comes from (stored as its index in this tuple).
VIAS = ("index", "eindex", "drug", "neoplasm", "title", "inclusion")
