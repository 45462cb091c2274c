"""Staffing the seats: the call forecast, the seats it needs, availability and the rota.

Pure cores (``erlang``, ``forecast``, ``accuracy``, ``rota``, ``outlook``) with time
passed in; ``solver`` needs the optional ``staffing`` extra (OR-tools); ``store`` and
``api`` are the shell.
"""
