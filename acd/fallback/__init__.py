"""The fail-safe fallback: when the ACD is gone, Asterisk's own queue takes the callers.

The ACD keeps a heartbeat in Asterisk and mirrors seat logins into AstDB; the
dialplan reads both (asterisk-conf/README.md). Each call the fallback takes is
written to AstDB by the dialplan and imported here once the ACD is back.
"""
