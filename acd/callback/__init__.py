"""Automated callback of missed calls through the dedicated callback seat (来电遇忙漏接专席)."""
