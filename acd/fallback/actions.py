"""The AMI actions of the fallback: the heartbeat, the seat mirror, reading the records.

``Setvar`` without a ``Channel`` sets a global variable (write class ``call``); the
``DB*`` actions are in the ``system`` class. Both are already granted in manager.conf.
"""

from __future__ import annotations

from acd.fallback.records import FAMILY, SEATS_FAMILY

HEARTBEAT = "ACD_HEARTBEAT"

# What a seat is for the fallback queue: a member ringing, a paused member, or none.
SEAT_VALUES = {
    "available": "available",
    "ringing": "available",
    "on_call": "available",
    "wrap_up": "available",
    "unreachable": "available",  # app_queue sees the phone's own state
    "paused": "paused",
}


def heartbeat(epoch_seconds: float) -> dict[str, str]:
    return {"Action": "Setvar", "Variable": HEARTBEAT, "Value": str(int(epoch_seconds))}


def read_heartbeat() -> dict[str, str]:
    return {"Action": "Getvar", "Variable": HEARTBEAT}


def seat_value(state: str) -> str | None:
    """The AstDB value for a seat in this state; None: not logged in (no entry)."""
    return SEAT_VALUES.get(state)


def put_seat(seat: str, value: str) -> dict[str, str]:
    return {"Action": "DBPut", "Family": SEATS_FAMILY, "Key": seat, "Val": value}


def del_seat(seat: str) -> dict[str, str]:
    return {"Action": "DBDel", "Family": SEATS_FAMILY, "Key": seat}


def list_family(family: str) -> dict[str, str]:
    return {"Action": "DBGetTree", "Family": family}


def list_records() -> dict[str, str]:
    return list_family(FAMILY)


def delete_record(call_id: str) -> dict[str, str]:
    return {"Action": "DBDelTree", "Family": FAMILY, "Key": call_id}
