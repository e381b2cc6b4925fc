"""Note coding (the scribe): a clinical note in, the codes a coder would assign out.

Layers: :mod:`sections` and :mod:`sentences` read the note; :mod:`context` decides each
mention's assertion (ConText triggers, validated data); :mod:`mentions` finds diagnoses through
the search layer; :mod:`setting` applies the Official Guidelines' setting rules;
:mod:`specificity` combines and completes codes; :mod:`gaps` says what the note lacks.
"""

from __future__ import annotations

__all__: list[str] = []
