"""Read CMS risk-adjustment mappings: ICD-10-CM → HCC per model and payment year.

``ra_dx_to_cc_<year>.csv`` rows are ``diagnosis_code,cc,model_name``; labels come from
``ra_labels_<year>.csv`` (``cc,label,model_domain,model_version,model_fullname``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator


def read_dx_to_cc(lines: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """Yield (code key, cc, model name)."""
    for row in csv.DictReader(lines):
        yield row["diagnosis_code"].strip(), row["cc"].strip(), row["model_name"].strip()


def read_labels(lines: Iterable[str]) -> Iterator[tuple[str, str, str, str]]:
    """Yield (model domain, model version, cc, label), e.g. ('CMS-HCC', 'V28', 'HCC38', …)."""
    for row in csv.DictReader(lines):
        yield (row["model_domain"].strip(), row["model_version"].strip(), row["cc"].strip(),
               row["label"].strip())
