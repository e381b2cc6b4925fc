"""Note coding (the scribe): a clinical note in, the codes a coder would assign out.

Layers: :mod:`~icdkit.notes.sections` and :mod:`~icdkit.notes.sentences` read the note;
:mod:`~icdkit.notes.context` decides each mention's assertion (ConText triggers, validated
data); :mod:`~icdkit.notes.mentions` finds diagnoses through the search layer;
:mod:`~icdkit.notes.setting` applies the Official Guidelines' setting rules;
:mod:`~icdkit.notes.specificity` refines, combines and sequences; :mod:`~icdkit.notes.gaps`
says what the note lacks; :mod:`~icdkit.notes.coder` runs them and the validator.

Patient text is never logged, cached or stored by this package.
"""

from __future__ import annotations

from icdkit.notes.coder import code_note
from icdkit.notes.result import Choice, CodingResult, Evidence, Gap, NotCoded, SuggestedCode

__all__ = ["Choice", "CodingResult", "Evidence", "Gap", "NotCoded", "SuggestedCode", "code_note"]
