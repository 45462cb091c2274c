"""Crisis escalation: risk rules that hand a case to the police (110) or local teams,
with a named follow-up owner and deadlines nobody can miss silently.

Functional core (pure, time passed in): ``assessment`` (the summary read as a
counsellor's checklist → dimensions, evidence, suggested level; patterns in
``data/risk_patterns.yaml``), ``lexicon`` (the older keyword list, for stored rule
sets that still name it), ``conditions`` and ``ruleset`` (typed rules → verdict and
plan), ``decision`` (facts → assessment, fired rules and what to do now),
``escalation`` (state machine and deadlines), ``signing``, ``notices``,
``report.summarise``.
Shell: ``intake`` (load the facts, decide, apply in one transaction), ``outbox`` (signed
webhooks with retries), ``deadlines`` (re-notification, overdue follow-ups),
``commands`` (acknowledge / reached / follow-ups / close), ``service`` (the bus
subscriber and workers), ``api`` (/api/crisis/...), ``suggestions`` (the live
assessment for the desk, and the agent's accept / dismiss). The warm police conference is
placed by ``acd.conference``.
"""
