"""icdkit — an offline engine for ICD-10-CM diagnosis coding.

>>> from icdkit import KnowledgeBase, describe_code
>>> kb = KnowledgeBase.open()            # newest bundled release, built on first use
>>> kb.get("m5403").title
'Panniculitis affecting regions of neck and back, cervicothoracic region'
>>> describe_code(kb, "M54.03")["parent"]    # the lookup record (`icdkit lookup --json`)
'M54.0'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "BuildError",
    "Code",
    "DamagedStore",
    "IcdkitError",
    "IncompatibleStore",
    "InvalidInput",
    "KnowledgeBase",
    "MalformedCode",
    "Note",
    "Ref",
    "UnknownCode",
    "UnknownRelease",
    "UnknownTerm",
    "UnwritableStore",
    "__version__",
    "describe_code",
]

if TYPE_CHECKING:  # pragma: no cover
    from icdkit.errors import (
        BuildError,
        DamagedStore,
        IcdkitError,
        IncompatibleStore,
        InvalidInput,
        MalformedCode,
        UnknownCode,
        UnknownRelease,
        UnknownTerm,
        UnwritableStore,
    )
    from icdkit.lookup import describe_code
    from icdkit.models import Code, Note
    from icdkit.refs import Ref
    from icdkit.workbench import KnowledgeBase

_LAZY = {
    "KnowledgeBase": "icdkit.workbench",
    "Code": "icdkit.models",
    "Note": "icdkit.models",
    "Ref": "icdkit.refs",
    "describe_code": "icdkit.lookup",
    **{n: "icdkit.errors" for n in ("BuildError", "DamagedStore", "IcdkitError", "IncompatibleStore",
                                    "InvalidInput", "MalformedCode", "UnknownCode",
                                    "UnknownRelease", "UnknownTerm", "UnwritableStore")},
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import icdkit`` stays instant."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'icdkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names (``__all__``), though most are imported only on first use."""
    return sorted(__all__)
