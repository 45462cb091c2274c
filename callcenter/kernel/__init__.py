"""The ground floor every package builds on; it imports no domain package.

settings (``CALLCENTER_`` environment), clock (the hotline's time), bus (domain
events), db (engine, sessions, declarative base), journal (durable local log),
phone (normalising and masking numbers), logs, live (snapshots and fan-out,
Redis or in-process), auth (who is asking), deps (FastAPI dependencies),
runtime (the shared parts and the typed slots domain services are handed in by),
lifecycle, errors, migrations, snapshots.
"""
