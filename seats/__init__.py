"""Seats, agents and their skills, the seat state machine and surge capacity.

state (the only place seat states change), agents and skills (who may take
which call), surge (8 normal seats, up to 20), registry and models (the agent
directory), history (seat state changes on record), control (the port through
which the seats API asks the running ACD), api. Depends only on the kernel.
"""
