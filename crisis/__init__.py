"""Crisis escalation: risk rules that hand a case to the police (110) or local teams,
with a named follow-up owner and deadlines nobody can miss silently.

Functional core (pure, time passed in): ``lexicon`` (keywords with negation),
``conditions`` and ``ruleset`` (typed rules → verdict and plan), ``escalation``
(state machine and deadlines), ``signing``, ``notices``, ``report.summarise``.
Shell: ``intake`` (evaluate and open or upgrade an escalation), ``outbox`` (signed
webhooks with retries), ``deadlines`` (re-notification, overdue follow-ups),
``commands`` (acknowledge / reached / follow-ups / close), ``service`` (the bus
subscriber and workers), ``api`` (/api/crisis/...). The warm police conference is
placed by ``acd.conference``.
"""
