"""Assertion by ConText triggers (validated data): each category, scope, terminators, pseudo-triggers."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from icdkit.notes.context import assertion, bundled_rules, load_rules
from icdkit.notes.sections import RuleDataError


def judge(sentence: str, target: str) -> tuple[str, str | None]:
    i = sentence.index(target)
    a = assertion(bundled_rules(), sentence, i, i + len(target))
    return a.category, a.trigger


@pytest.mark.parametrize(("sentence", "target", "expected"), [
    ("Denies chest pain but reports cough.", "chest pain", ("negated", "Denies")),
    ("Denies chest pain but reports cough.", "cough", ("present", None)),
    ("No fever, chills, night sweats or weight loss.", "weight loss", ("negated", "No")),
    ("Pneumonia was ruled out.", "Pneumonia", ("negated", "was ruled out")),
    ("Rule out pneumonia.", "pneumonia", ("uncertain", "Rule out")),
    ("Likely viral pneumonia.", "pneumonia", ("uncertain", "Likely")),
    ("Mild CHF vs pneumonia.", "CHF", ("uncertain", "vs")),
    ("History of colon cancer.", "colon cancer", ("historical", "History of")),
    ("Mother had breast cancer.", "breast cancer", ("family", "Mother")),
    ("Mother reports fever.", "fever", ("present", None)),
    ("Return if fever.", "fever", ("hypothetical", "Return if")),
    ("No change in his heart failure.", "heart failure", ("present", None)),
    ("No family history of colon cancer.", "colon cancer", ("negated", "No family history of")),
    # the relative who brings the patient is no experiencer (a ConText pseudo-trigger)
    ("Brought to the ED by his daughter with confusion and constipation.", "constipation", ("present", None)),
    ("Here with mom for 2 days of fever.", "fever", ("present", None)),
    ("Her mother had hypertension.", "hypertension", ("family", "mother")),
    # 'hx' without 'of' ('hx DVT off anticoagulation'); 'family hx' is the family's, not the patient's
    ("Hx DVT off anticoagulation.", "DVT", ("historical", "Hx")),
    ("Skin checks given personal hx BCC and family hx melanoma.", "melanoma", ("family", "family hx")),
    ("Skin checks given personal hx BCC and family hx melanoma.", "BCC", ("historical", "personal hx")),
])
def test_assertions(sentence: str, target: str, expected: tuple[str, str | None]) -> None:
    assert judge(sentence, target) == expected


def test_window_limits_scope() -> None:
    far = "No " + " ".join(["word"] * 20) + " pneumonia."
    assert judge(far, "pneumonia") == ("present", None)


def test_offsets_are_into_the_note() -> None:
    a = assertion(bundled_rules(), "Denies fever.", 7, 12, offset=100)
    assert (a.start, a.end) == (100, 106)


def _data() -> dict[str, object]:
    text = resources.files("icdkit.data").joinpath("context_rules.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


def test_bundled_rules_cite_their_sources() -> None:
    cites = " ".join(_data()["source"]["citations"])  # type: ignore[index]
    assert "Chapman" in cites and "Harkema" in cites


@pytest.mark.parametrize("change", ["unknown_key", "no_category", "bad_category", "bad_direction",
                                    "both", "bad_pattern", "top_key"])
def test_rules_are_validated(change: str) -> None:
    data = copy.deepcopy(_data())
    rule = data["rules"][0]  # type: ignore[index]
    if change == "unknown_key":
        rule["scope"] = 3
    elif change == "no_category":
        del rule["category"]
    elif change == "bad_category":
        rule["category"] = "maybe"
    elif change == "bad_direction":
        rule["direction"] = "sideways"
    elif change == "both":
        rule["pattern"] = "x"
    elif change == "bad_pattern":
        del rule["literal"]
        rule["pattern"] = "(unclosed"
    else:
        data["extra"] = 1
    with pytest.raises(RuleDataError):
        load_rules(data)
