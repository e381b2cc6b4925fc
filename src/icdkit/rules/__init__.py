"""Code-set validation: one module per family of rules, each yielding cited Findings.

``codeset`` (invalid-code, non-billable, seventh-character, duplicate) · ``excludes``
(excludes1, excludes2) · ``sequencing`` (code-first, use-additional, code-also) · ``mce``
(age, sex, manifestation-principal, unacceptable-principal, questionable-admission,
external-cause-principal, unspecified) · ``info`` (cc-mcc, hcc). Each family module says what
its rules find, as finding templates; one evaluator (``columnar``) applies them all, to one
encounter (``check``) or to a batch's chunks.
"""
