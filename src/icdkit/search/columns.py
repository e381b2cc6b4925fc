"""The columns of the Table of Drugs and Chemicals and of the Neoplasm Table (columns 2-7).

The short names are what ``icdkit drug --intent`` and ``icdkit neoplasm --behavior`` accept;
the headings are the tables' own.
"""

from __future__ import annotations

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
