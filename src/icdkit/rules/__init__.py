"""Code-set validation: one module per family of rules, each saying what its rules find, with
the source it stands on (which note, at which code, which release).

``codeset`` (invalid-code, non-billable, seventh-character, duplicate, not-in-release) ·
``excludes`` (excludes1, excludes2) · ``sequencing`` (code-first, use-additional, code-also) ·
``mce`` (age, sex, sex-not-checked, manifestation-principal, unacceptable-principal,
questionable-admission, external-cause-principal, unspecified) · ``info`` (cc-mcc, hcc). The
rules are data first: ``catalogue`` validates one record per rule id (``data/rules.json``:
family, severity by setting, source kind, what it reads) and generates the README's rule table.
Each family module gives its findings as templates (``finding_templates``); the rule tables
(``rule_tables``) compile them per code period, cell of a note's screen and instruction when a
release is built, and one evaluator (``columnar``) reads those tables for one encounter
(``check``) or a batch's chunks (``results``), with C kernels or the same in numpy
(``kernels``).

Adding a rule of a code on its own (what a code says in one validity period, whatever else the
claim holds: the common kind) = its catalogue record + its module's function + a test:

1. ``data/rules.json``: ``{"id": "ends-soon", "family": "codeset", "severity": "info",
   "source_kinds": ["table"], "reads": "validity table", "summary": "..."}`` (then
   ``python -m icdkit.rules.catalogue`` prints the README's table from it);
2. in its family's module, a function registered for it (``code_rules.code_rule``), e.g. in
   codeset.py::

       @code_rule("ends-soon", order=1)
       def ends_soon_templates(cache: RuleCache, key: str, period: Period) -> tuple[Template, ...]:
           if period.end >= json.loads(cache.kb.meta["validity_horizon"])[1]:
               return ()  # valid to the validity table's last day
           return (Template(Finding("ends-soon", severity("ends-soon"), (FIRST,),
                   f"{FIRST} is valid until {period.end}", Source("table", "validity table"))),)

3. its example in tests/test_rules.py ``EXAMPLES`` (an encounter of real codes that meets it),
   which the test over every catalogue id holds to its finding, plus a test of its own.

The rule tables compile the function for every code period at build and the evaluator emits
it for each code valid on the date: neither names the rule. A rule that reads more of the
claim (another code, the patient) belongs to the family's per-encounter logic (``conflicts``,
``instructed``, the Excludes of a pair) and is wired into the evaluator where its family is.
"""
