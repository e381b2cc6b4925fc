"""Make each code as specific as the note allows, combine what the Index combines, sequence.

* :func:`refine` — down a header to the child the note's words name, or from an
  'unspecified' code to the sibling they name (side, site, acuity, type, stage); a code that
  needs a 7th character gets the one the note names (initial / subsequent / sequela), else
  A, active treatment (Guidelines I.C.19.a; a fracture not said to be open is closed, I.C.19.c.1);
* :func:`combine` — where the Index prints a ``with`` subterm, two conditions the note links are
  one combination code (diabetes with CKD → E11.22; hypertension with heart failure → I11.0;
  with CKD → I12.-; Guidelines I.A.15, I.C.4.a, I.C.9.a); the other condition stays when the
  combination says *Use additional code* for it, else it is included;
* :func:`sequence` — assessment first, in the note's order, then *Code first* notes obeyed
  (Guidelines I.A.13, I.B.7);
* :func:`drop_excludes1` — of two codes an Excludes1 note forbids together, the less specific
  (a symptom, an 'unspecified' code) goes, as a coder would.

>>> from icdkit import KnowledgeBase
>>> refine(KnowledgeBase.open(), "M25.569", ["left", "knee", "pain"])[0]
'M25.562'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from icdkit.notes.crossref import cross_combined
from icdkit.notes.mentions import Finder, Mention, _try
from icdkit.notes.result import NotCoded
from icdkit.notes.setting import Candidate
from icdkit.refs import Ref
from icdkit.search.engine import Match
from icdkit.search.tables import next_step
from icdkit.vocabulary import STOP, fold_title, stem
from icdkit.vocabulary import query_words as words

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase
    from icdkit.models import Code

# words a note uses for a title's words ('smoker' names 'cigarettes'; 'lt' names 'left')
IMPLIES = {"smoker": ("cigarettes",), "smokes": ("cigarettes",), "smoking": ("cigarettes",),
           "ppd": ("cigarettes",), "pack": ("cigarettes",), "cigarette": ("cigarettes",),
           "lt": ("left",), "rt": ("right",), "bilat": ("bilateral",), "both": ("bilateral",),
           "uncontrolled": ("hyperglycemia",), "nondisplaced": ("nondisplaced",),
           "exacerbation": ("exacerbation",), "flare": ("exacerbation",),
           # anatomical adjectives name the bone or organ a title names by its noun
           "femoral": ("femur",), "humeral": ("humerus",), "tibial": ("tibia",), "fibular": ("fibula",),
           "radial": ("radius",), "ulnar": ("ulna",), "vertebral": ("vertebra",), "pelvic": ("pelvis",),
           "clavicular": ("clavicle",), "scapular": ("scapula",), "sacral": ("sacrum",),
           "renal": ("kidney",), "hepatic": ("liver",), "gastric": ("stomach",), "pulmonary": ("lung",),
           "cardiac": ("heart",), "colonic": ("colon", "large", "intestine"), "rectal": ("rectum",),
           # parts of the bowel name the intestine the titles name ('sigmoid diverticulitis' → K57.3-)
           "colon": ("large", "intestine"), "sigmoid": ("colon", "large", "intestine"),
           "cecum": ("colon", "large", "intestine"), "cecal": ("colon", "large", "intestine"),
           "ileum": ("small", "intestine"), "ileal": ("small", "intestine"),
           "jejunum": ("small", "intestine"), "jejunal": ("small", "intestine"),
           "duodenum": ("small", "intestine"), "duodenal": ("small", "intestine"),
           "febrile": ("fever",), "afebrile": ("afebrile",)}
_WEAK = frozenset({"unspecified", "other", "specified", "nos", "nec", "site", "part"})
_SEVENTH_WORDS = {"A": ("initial", "acute", "emergency", "ed", "er", "active"),
                  "D": ("subsequent", "follow", "healing", "routine", "recheck", "cast"),
                  "S": ("sequela", "sequelae", "late", "residual")}


def _stems(ws: Iterable[str]) -> set[str]:
    out = set()
    for w in ws:
        if w in STOP:
            continue
        out.add(stem(w))
        out.update(stem(x) for x in IMPLIES.get(w, ()))
        if len(w) > 5 and w.endswith("ic"):  # the adjective names the noun: 'hypoxic' → 'hypoxia'
            out.add(stem(w[:-2] + "ia"))
    return out


def _fit(title: str, have: set[str]) -> float:
    """Words of *title* the note says, less the words it adds that the note does not say."""
    ts = {stem(w) for w in words(title) if w not in STOP}
    return len(ts & have) - 0.5 * len(ts - have - {stem(w) for w in _WEAK})


def refine(kb: KnowledgeBase, code: str, ws: Iterable[str], unit: str = "", *,
           denied: Iterable[str] = (), origin: str | None = None) -> tuple[str, str | None]:
    """The most specific code the words support from *code*, and the guideline rule that chose
    it when a guideline did (a 7th character, the dominant side; None otherwise).

    *denied* are words the note negates ('without fluctuations', 'not recurrent'): a title
    saying *with* one of them gives way to its sibling. *origin* is the code the Index path or
    title itself named when *code* came from the search: the levels the search chose below it
    by default are checked against the note's words (a type the note does not say gives way
    to the 'unspecified' sibling)."""
    have = _stems(ws)
    c = kb.find(code)
    if c is None:
        return code, None
    c = _unsaid(kb, c, have, origin)
    c = _swap(kb, c, have)
    no = {stem(w) for w in denied if w not in STOP}
    c = _not_with(kb, c, have, no)
    parent = kb.ancestors(c.code)[0] if c.kind == "code" and kb.ancestors(c.code) else None
    if parent is not None and "unspecified" in words(parent.title) and parent.kind != "category":
        better = _swap(kb, parent, have)  # 'Nicotine dependence, unspecified' → '…, cigarettes'
        if better is not parent:
            kids_ = kb.children(better.code)
            place = [k.code for k in kb.children(parent.code)].index(c.code) \
                if c.code in [k.code for k in kb.children(parent.code)] else 0
            if kids_:
                last = c.code[-1] if _encounter(kb, c.code) else None  # keep the 7th character
                c = max(kids_, key=lambda k: (k.code[-1] == last, _fit(k.title, have),
                                              -abs(kids_.index(k) - place)))
                c = _not_with(kb, c, have, no)  # '… with bleeding' where the note says 'no bleeding'
    while not c.billable:
        _, seventh = next_step(kb, c.code)
        if seventh:
            code7, meaning = _seventh(kb, c, have | _stems(words(unit)))
            cite = "I.C.19.a" if "A" in kb.seventh_characters(c.code) else "Tabular"
            return code7, f"{cite} 7th character: {meaning}" if meaning else None
        options = [k for k in kb.children(c.code)]
        if not options:
            break
        c = max(options, key=lambda k: (_fit(k.title, have), "unspecified" in words(k.title),
                                        -options.index(k)))
    sided = _dominance(kb, c, set(words(unit)) | set(ws))
    rule = None
    if sided is not c:
        c, rule = sided, "I.C.6.a dominant side not documented: right is dominant, left non-dominant"
    chars = kb.seventh_characters(c.code) if len(c.code.replace(".", "")) == 7 else {}
    if chars:
        # the search completes a 7th character by default (the initial encounter; the first
        # listed): the note may say another ('routine healing' → D: I.C.19.a; 'bilateral' → 3)
        head = kb.ancestors(c.code)[0]
        said = have | _stems(words(unit))
        again, meaning = _seventh(kb, head, said)
        switch = c.code[-1] in "ADS" if "A" in chars else \
            _fit(chars.get(again[-1], ""), said) > _fit(chars.get(c.code[-1], ""), said)
        if again != c.code and switch:
            cite = "I.C.19.a" if "A" in chars else "Tabular"
            return again, f"{cite} 7th character: {meaning}" if meaning else rule
    return c.code, rule


def _dominance(kb: KnowledgeBase, c: Code, said: set[str]) -> Code:
    """Hemiplegia, monoplegia and their sequelae by side when the note does not say which side
    is dominant: the right side is the dominant one, the left the non-dominant one (Guidelines
    I.C.6.a; an ambidextrous patient: dominant)."""
    t = c.title.lower()
    if "dominant" not in t or said & {"dominant", "nondominant", "non-dominant", "handed", "ambidextrous"}:
        return c
    want = "left non-dominant" if "left" in t else "right dominant" if "right" in t else None
    if want is None or want in t:
        return c
    return next((s for s in kb.siblings(c.code) if len(s.code) == len(c.code) and want in s.title.lower()), c)


def _encounter(kb: KnowledgeBase, code: str) -> bool:
    """Is *code* completed by an encounter 7th character (A / D / S…)?"""
    return len(code.replace(".", "")) == 7 and "A" in kb.seventh_characters(code)


def _core(title: str) -> set[str]:
    """Stems of a title before its 'unspecified …' tail ('Pneumonia, unspecified organism')."""
    return _title_stems(re.split(r",\s*unspecified\b", title, maxsplit=1)[0])


def _title_stems(title: str) -> set[str]:
    return {stem(w) for w in words(title) if w not in STOP and not w.isdigit()}


def _said(kb: KnowledgeBase, c: Code, added: set[str], have: set[str]) -> bool:
    """Does the note say what level *c* adds to its parent (a word of it, or all the words of
    one of its inclusion terms)?"""
    if added & have:
        return True
    for n in kb.notes(c.code, kinds=["inclusion_term"]):
        ts = _title_stems(n.text) - {stem(w) for w in _WEAK}
        if ts and ts <= have:
            return True
    return False


def _unsaid(kb: KnowledgeBase, c: Code, have: set[str], origin: str | None) -> Code:
    """A level the search chose by default that adds a word the note does not say (a fracture's
    type 'transverse', 'recurrent' sinusitis) gives way to its 'unspecified' sibling, the rest of
    the code kept: S72.322A → S72.302A (Guidelines I.B.2: code what is documented)."""
    start = len(origin.replace(".", "")) if origin else 3
    levels = [a for a in reversed(kb.ancestors(c.code)) if a.kind in ("subcategory", "code")] + [c]
    code = c.code
    for level in levels:
        key = level.code.replace(".", "")
        if len(key) <= start or len(key) == 7 or not code.startswith(level.code):
            continue
        parent = kb.ancestors(level.code)[0]
        added = _title_stems(level.title) - _title_stems(parent.title) - {stem(w) for w in _WEAK}
        if not added or _said(kb, level, added, have):
            continue
        # the 'unspecified' sibling, else the one saying nothing more happened: '…, with unspecified
        # nicotine-induced disorders' names a disorder the note does not say → '…, uncomplicated'
        sibs = [s for s in kb.children(parent.code)
                if s.code != level.code and len(s.code) == len(level.code)]
        sibs = [s for s in sibs if "unspecified" in words(s.title)] + \
            [s for s in sibs if _PLAIN & set(words(s.title))]
        for sib in sibs:
            if _title_stems(sib.title) - _title_stems(parent.title) - _PLAIN_STEMS - have:
                continue
            other = kb.find(sib.code + code[len(level.code):])
            if other is not None:
                code = other.code
            break
    return (kb.find(code) or c) if code != c.code else c


_PLAIN = frozenset({"uncomplicated", "without"})  # titles of the sibling where nothing more is said
_PLAIN_STEMS = {stem(w) for w in (*_WEAK, "uncomplicated", "complication", "complications")}


def _not_with(kb: KnowledgeBase, c: Code, have: set[str], denied: set[str]) -> Code:
    """A title saying 'with X' where the note says 'without X' (or 'no X') gives way to the
    sibling that does not say it: G20.A2 '… with fluctuations' → G20.A1 for 'without fluctuations'."""
    if not denied:
        return c
    withs = {stem(w) for p in _with_parts(c.title) for w in words(p) if w not in STOP}
    if not withs & denied:
        return c
    sibs = [s for s in kb.siblings(c.code) if len(s.code) == len(c.code)]
    ok = [s for s in sibs if not {stem(w) for p in _with_parts(s.title) for w in words(p)
                                  if w not in STOP} & denied]
    return max(ok, key=lambda s: _fit(s.title, have - denied), default=c)


_WITH_TITLE = re.compile(r"(?<!out)\bwith ([^,(]+)")
_WITHOUT_CUT = re.compile(r"\bwithout\b.*")


def _with_parts(title: str) -> list[str]:
    """What *title* says its condition is with, each phrase cut where a 'without' begins:
    '… with perforation and abscess without bleeding' → ['perforation and abscess ']."""
    return [_WITHOUT_CUT.sub("", p) for p in _WITH_TITLE.findall(title.lower())]


def _gain(title: str, than: str, have: set[str]) -> float:
    """How much better *title* fits the note's words than *than*: the words it adds that the
    note says, less those it adds that the note does not say."""
    ts = {stem(w) for w in words(title) if w not in STOP}
    tc = {stem(w) for w in words(than) if w not in STOP}
    added = ts - tc - {stem(w) for w in _WEAK}
    return len(added & have) - len(added - have) - 0.5 * len((tc - ts) & have)


def _swap(kb: KnowledgeBase, c: Code, have: set[str]) -> Code:
    """An 'unspecified' or 'other' code's sibling the note's words name better, else the code
    itself (I21.19 '… other coronary artery of inferior wall' → I21.11 for 'RCA occlusion')."""
    ws = words(c.title)
    if "unspecified" not in ws and "other" not in ws:
        return c
    withs = _with_stems(c.title)
    sibs = [s for s in kb.siblings(c.code) if len(s.code) == len(c.code)
            and _with_stems(s.title) - withs <= have]  # a 'with …' the note does not say: not chosen
    up = kb.ancestors(c.code)
    shared = _title_stems(up[0].title) if up else set()  # what every sibling says
    best = max(sibs, key=lambda s: _gain(s.title, c.title, have - shared), default=None)
    if best is not None and _gain(best.title, c.title, have - shared) > 0:
        return best
    if "unspecified" not in ws:
        return c
    # 'unspecified whether with hypoxia or hypercapnia': the sibling whose own words (those
    # not common to every sibling) the note says
    core = _core(c.title)
    weak = {stem(w) for w in _WEAK}
    named = [(len(own & have), s) for s in sibs
             if (own := _core(s.title) - core - weak) and own <= have]
    if named:
        return max(named, key=lambda x: x[0])[1]
    return c


def _with_stems(title: str) -> set[str]:
    """Stems of what *title* says a condition is 'with' ('… with perforation and abscess')."""
    return {stem(w) for p in _with_parts(title) for w in words(p)
            if w not in STOP and w not in ("and", "or")} - {stem(w) for w in _WEAK}


def _seventh(kb: KnowledgeBase, c: Code, have: set[str]) -> tuple[str, str | None]:
    chars = kb.seventh_characters(c.code)
    kids = {k.code[-1]: k for k in kb.children(c.code)}
    choice = "A"
    for ch, cues in _SEVENTH_WORDS.items():
        if ch in kids and any(stem(w) in have for w in cues):
            choice = ch
            if ch != "A":
                break
    if choice == "D" and "P" in kids and stem("malunion") in have:
        choice = "P"
    if "open" in have and choice == "A" and "B" in kids:
        choice = "B"
    if choice not in kids:
        # not an encounter: the character whose meaning the note says ('bilateral' → 3 for
        # retinopathy, 'mild stage' → 1 for glaucoma), else the 'unspecified' one
        def fit(ch: str) -> tuple[float, bool]:
            meaning = chars.get(ch, "")
            return _fit(meaning, have), "unspecified" in words(meaning)
        choice = max(kids, key=fit)
    k = kids[choice]
    return k.code, chars.get(k.code[-1])


def in_refs(code: str, refs: Iterable[Ref]) -> bool:
    key = code.replace(".", "")
    return any(r.lo <= key <= r.hi for r in refs)


def note_refs(kb: KnowledgeBase, code: str, kind: str) -> list[Ref]:
    return [r for n in kb.effective_notes(code, kinds=[kind]) for r in n.refs]


_NUMERIC = re.compile(r"\d")
_COMMON = {stem(w) for w in ("other", "specified", "unspecified", "disease", "disorder", "chronic", "acute",
                             "stage", "type", "left", "right", "complication", "without")}


def _with_words(f: Finder, m: Mention) -> set[str]:
    """Stems of the terms the Index prints under a ``with`` subterm of the mention's main term
    (empty when it prints none): the conditions it may combine with. A path that ends in a
    cross-reference ('Benign › prostatic hyperplasia → see Hyperplasia, prostate') adds the
    subterms of the main term it points to."""
    if m.result.matched.via != "index":
        return set()
    path = m.result.matched.path
    mains = [path.split(" › ")[0]]
    if " → see " in path:
        mains.append(path.split(" → see ")[1].split(",")[0].strip())
    return set().union(*(_main_with_words(f, main) for main in mains))


def _main_with_words(f: Finder, main: str) -> set[str]:
    got = f.with_cache.get(main)
    if got is None:
        con = f.kb.connection()
        key = fold_title(main)
        row = con.execute("SELECT id FROM index_terms WHERE book='index' AND parent IS NULL AND key=?",
                          (key,)).fetchone() or \
            con.execute("SELECT id FROM index_terms WHERE book='index' AND parent IS NULL AND key LIKE ? "
                        "ORDER BY length(key) LIMIT 1", (key + ",%",)).fetchone()
        got = set()
        if row is not None:
            stack = [row[0]]
            while stack:  # the main term's subtree, by parent links
                at = stack.pop()
                rows = con.execute("SELECT id, title FROM index_terms WHERE parent=?", (at,)).fetchall()
                for tid, title in rows:
                    if at == row[0]:  # the main term's own subterms: 'Sepsis, Escherichia coli'
                        got |= {stem(w) for w in words(title) if w not in STOP}
                    if title == "with":
                        got |= {stem(w) for (t,) in con.execute(
                            "SELECT title FROM index_terms WHERE parent=?", (tid,)) for w in words(t)
                            if w not in STOP}
                    else:
                        stack.append(tid)
        f.with_cache[main] = got
    return got


def combine(f: Finder, cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """Join conditions the Index combines into its combination code (see module docstring)."""
    dropped: list[NotCoded] = []
    present = [c for c in cands if c.assertion in ("present", "uncertain")]
    gone: set[int] = set()
    used: set[int] = set()  # joined into a combination that asks for its own code too (E16.A1)
    made: set[int] = set()  # made a combination here
    added: list[Candidate] = []
    # the conditions one statement links first ('Type 1 DM with hypoglycemia.' then 'Diabetic
    # polyneuropathy.' each joins its own line's), then those of the note's other statements
    for same, a in [(s, a) for s in (True, False) for a in present]:
        # a code a rule gave (chapter 15, a status Z code) is not the Index entry its words found
        combos = _with_words(f, a.mention) if id(a) not in gone and id(a) not in used \
            and a.code[:3] == a.mention.code[:3] \
            and not a.code.startswith("Z") else set()  # refined within its category: still its entry
        if not combos:
            continue
        for b in present:
            if b is a or id(b) in gone or b.code[:3] == a.code[:3] or b.code.startswith("Z") \
                    or (same and b.mention.unit.start != a.mention.unit.start):
                continue
            named = {stem(w) for w in b.mention.words} | {stem(w) for w in words(b.title)}
            if not named & combos - _COMMON:
                continue
            joined = _joined(f, a.mention, b.mention) or _crossed(f, a.mention, b.mention)
            if joined is None or joined.code in (a.code, b.code):
                continue
            if " › with › " in a.mention.result.matched.path and a.code == a.mention.code \
                    and not _supersedes(joined.result.title, a.title):
                # a is itself a combination the note says ('COPD with acute exacerbation', J44.1):
                # it stays, and the new one is coded beside it (J44.0 for the lower respiratory
                # infection; Guidelines I.A.15: as many combination codes as the note supports)
                a = Candidate(a.code, a.title, a.mention, a.assertion, a.why, list(a.rules))
                added.append(a)
            a.code, a.title = joined.code, joined.result.title
            a.why = f"{joined.result.matched.path} (combination: '{a.mention.text}' with '{b.mention.text}')"
            a.rules.append("I.A.15 'with': combination code the Index prescribes")
            a.extra.append(b.mention)
            a.mention = joined
            made.add(id(a))
            if in_refs(b.code, note_refs(f.kb, a.code, "use_additional")):
                used.add(id(b))
            elif (id(b) in made or " › with › " in b.mention.result.matched.path) \
                    and not _supersedes(a.title, b.title):
                pass  # b is a combination of its own ('… with hypoglycemia'): a second one beside it
            else:
                gone.add(id(b))
                dropped.append(NotCoded(b.mention.text, b.mention.start, b.mention.end,
                                        f"included in the combination code {a.code}", b.code))
    return [c for c in cands if id(c) not in gone] + added, dropped


def _supersedes(other: str, title: str) -> bool:
    """Does the combination titled *other* say all that *title* says it is 'with' (I11.0
    '… with heart failure' → I13.0 '… with heart failure and …'), or what it is 'without'
    ('… without heart failure')? Then it replaces that code rather than joining it."""
    has = _title_stems(_WITHOUT_TAIL.sub("", other))
    withs = [{stem(w) for w in words(p) if w not in STOP} for p in _WITH_TITLE.findall(title.lower())]
    if withs and all(w <= has for w in withs):
        return True
    return any({stem(w) for w in words(p) if w not in STOP} <= has for p in _WITHOUT_TITLE.findall(title))


_WITHOUT_TITLE = re.compile(r"\bwithout ([^,(]+)")
_WITHOUT_TAIL = re.compile(r"\bwithout [^,(]+")


def additional(f: Finder, cands: list[Candidate]) -> list[Candidate]:
    """A combination code found in one phrase ('hypertension with heart failure' → I11.0) whose
    *Use additional code* note asks for the other condition (I50.-): that condition's code too."""
    have = {c.code for c in cands}
    out: list[Candidate] = []
    for c in cands:
        m = c.mention
        if "with" not in m.words or c.assertion not in ("present", "uncertain"):
            continue
        refs = note_refs(f.kb, c.code, "use_additional")
        if not refs:
            continue
        tail = list(m.words[m.words.index("with") + 1:])
        tail = tail[:tail.index("with")] if "with" in tail else tail
        toks = [(m.start, m.end, w) for w in tail]
        got = _try(f, toks, m.unit, m.section, m.rank, []) if toks else None
        if got is None or got.code in have or not in_refs(got.code, refs):
            continue
        if got.code[:3] in {h[:3] for h in have}:
            continue
        have.add(got.code)
        out.append(Candidate(got.code, got.result.title, got, c.assertion,
                             f"{got.result.matched.path} (use additional code at {c.code})",
                             [f"I.A.13 use additional code (note at {c.code})"],
                             billable=got.result.billable))
    return cands + out


def with_symptoms(kb: KnowledgeBase, cands: list[Candidate]) -> list[Candidate]:
    """A code saying 'without' symptoms whose sibling's *Use additional code* note names a
    symptom documented with it becomes that sibling: 'BPH with nocturia' is N40.1 (… with lower
    urinary tract symptoms; use additional code for nocturia R35.1), not N40.0."""
    for c in cands:
        if "without" not in words(c.title) or c.code.startswith("R"):
            continue
        beside = [o for o in cands if o is not c and o.code.startswith("R")
                  and o.mention.unit.start == c.mention.unit.start]
        if not beside:
            continue
        for sib in kb.siblings(c.code):
            refs = note_refs(kb, sib.code, "use_additional")
            named = next((o for o in beside if in_refs(o.code, refs)), None)
            if sib.billable and named is not None:
                c.rules.append(f"I.A.13 {sib.code}'s use additional code note names {named.code} "
                               f"('{named.mention.text}'), documented with it")
                c.code, c.title = sib.code, sib.title
                break
    return cands


def _joined(f: Finder, a: Mention, b: Mention) -> Mention | None:
    """The mention 'A with B' makes, when one Index path accounts for both."""
    bw = [w for w in b.words if not _NUMERIC.search(w) and w not in ("stage", "type", "grade")]
    head = [w for p in b.result.matched.path.split(" › ")[:2] for w in words(p.split(",")[0])] \
        if b.result.matched.via == "index" else []
    for tail in (list(b.words), bw, head):
        if not tail:
            continue
        toks = [(a.start, a.end, w) for w in a.words] + [(a.start, a.end, "with")] + \
               [(b.start, b.end, w) for w in tail]
        m = _try(f, toks, a.unit, a.section, a.rank, [])
        if m is not None and _adds_unsaid(f, m, a, b):
            continue  # 'infection' with 'sepsis' is not 'Infection › Salmonella › with › sepsis'
        if m is not None and ("with" in words(m.result.matched.path) + words(m.result.title)
                              or _own_subterm(m, a, b)):
            return Mention(a.start, a.end, a.text, m.result, a.section, a.rank, a.unit,
                           tuple(w for _, _, w in toks), a.assertion, a.cues)
    return None


def _crossed(f: Finder, a: Mention, b: Mention) -> Mention | None:
    """'A with B' where the Index combines them through a cross-reference the search does not
    rank (:mod:`icdkit.notes.crossref`)."""
    if a.result.matched.via != "index":
        return None
    named = {stem(w) for w in b.words if w not in STOP} - _GENERIC_SUB - _COMMON
    other = named | _core(b.result.title)
    said = {stem(w) for x in (a, b) for w in words(x.unit.text) if w not in STOP}
    got = cross_combined(f.kb.connection(), a.result.matched.path, other, said, named)
    if got is None:
        return None
    code = f.kb.find(got[0])
    if code is None or code.code in (a.code, b.code):
        return None
    result = replace(a.result, code=code.code, title=code.title, billable=code.billable,
                     matched=Match("index", got[1]))
    return Mention(a.start, a.end, a.text, result, a.section, a.rank, a.unit, (*a.words, "with", *b.words),
                   a.assertion, a.cues)


def _adds_unsaid(f: Finder, m: Mention, a: Mention, b: Mention) -> bool:
    """Does the joined path name a subterm word neither condition says — by its words, its
    code's title or an abbreviation's expansion (an organism, a site the note never wrote)?"""
    path = m.result.matched.path.split(" → ")[0].split(" › ")
    if m.result.matched.via != "index" or len(path) < 2:
        return False
    said = {stem(w) for x in (a, b) for w in x.words} | _title_stems(a.result.title) \
        | _title_stems(b.result.title) \
        | {stem(w) for x in (a, b) for p in x.result.matched.path.split(" › ") for w in words(p)}
    said |= {stem(v) for x in (a, b) for vs in f.synonyms.variants(list(x.words))[1:] for v in vs}
    added = {stem(w) for p in path[1:] for w in words(p) if w not in STOP} - _GENERIC_SUB - said
    return bool(added)


_GENERIC_SUB = {stem(w) for w in ("with", "due", "to", "other", "specified", "unspecified", "nec", "nos",
                                  "and", "in", "of", "by", "acute", "chronic", "without", "type", "stage",
                                  "disease", "disorder")}


def _own_subterm(m: Mention, a: Mention, b: Mention) -> bool:
    """Is *m*'s path a subterm of *a*'s main term that names *b* ('Sepsis › Escherichia coli'
    for sepsis and E. coli): the Index combines them without printing 'with'."""
    if m.result.matched.via != "index" or a.result.matched.via != "index" or " → " in m.result.matched.path:
        return False  # a cross-reference leads elsewhere: the other term's own code says more
    parts = m.result.matched.path.split(" › ")
    if len(parts) < 2 or parts[0] != a.result.matched.path.split(" › ")[0]:
        return False
    sub = {stem(w) for p in parts[1:] for w in words(p) if w not in STOP}
    return bool(sub & ({stem(w) for w in b.words if w not in STOP} | _title_stems(b.result.title)) - _COMMON)


def sequence(kb: KnowledgeBase, cands: list[Candidate]) -> list[Candidate]:
    """Assessment first in the note's order (history and family codes last), then each code a
    *Code first* note names is moved before the code carrying the note."""
    order = sorted(cands, key=lambda c: (c.assertion in ("family", "historical"), c.mention.rank,
                                         c.mention.start))
    for _ in range(len(order)):
        moved = False
        for i, c in enumerate(order):
            refs = note_refs(kb, c.code, "code_first")
            # a Code first note's example names its category: 'sepsis NOS (A41.9)' → A41.51
            cats = {r.lo[:3] for r in refs if len(r.lo) > 3 and r.lo[:3] == r.hi[:3]}
            for j in range(i + 1, len(order)):
                if refs and (in_refs(order[j].code, refs) or order[j].code[:3] in cats):
                    order.insert(i, order.pop(j))
                    order[i].rules.append(f"I.A.13 code first (note at {c.code})")
                    moved = True
                    break
            if moved:
                break
        if not moved:
            break
    return order


def drop_excludes1(kb: KnowledgeBase, cands: list[Candidate], findings: list[dict[str, object]]
                   ) -> tuple[list[Candidate], list[NotCoded]]:
    """Resolve Excludes1 conflicts: the symptom, the 'unspecified' or the less specific code goes."""
    dropped: list[NotCoded] = []
    by_code = {c.code: c for c in cands}
    for fd in findings:
        pair = [str(x) for x in fd.get("codes", [])]  # type: ignore[attr-defined]
        if fd.get("rule") != "excludes1" or len(pair) != 2 or not all(p in by_code for p in pair):
            continue
        a, b = (by_code[p] for p in pair)
        loser = min((a, b), key=lambda c: (not c.code.startswith("R"), "unspecified" not in words(c.title),
                                           len(c.code), -c.mention.start))
        winner = b if loser is a else a
        del by_code[loser.code]
        dropped.append(NotCoded(loser.mention.text, loser.mention.start, loser.mention.end,
                                f"excluded beside {winner.code} ({fd.get('message')}): the less specific "
                                "code is left out", loser.code))
    return [c for c in cands if by_code.get(c.code) is c], dropped
