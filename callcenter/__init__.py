"""The hotline's house, on two floors.

``callcenter.kernel`` (ground floor): what every package may import and nothing
domain-specific: settings, the hotline's clock, the event bus, the database
engine and sessions, the durable journal, phone-number masking, logs, live
state, auth primitives, FastAPI dependencies and the typed ``Runtime``. It
never imports a domain package.

``callcenter.app`` (top floor): the composition root that builds the running
system out of the domain packages (``acd``, ``seats``, ``workorders``,
``crisis``): the app factory, CLI, demo, service wiring, recorder, health,
metrics and the browser pages. Nothing below imports it.

``tests/test_architecture.py`` keeps it so.
"""
