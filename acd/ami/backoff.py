"""Reconnect delays: exponential with jitter and a cap (panoramisk retries every 2 s forever)."""

from __future__ import annotations

import random


class Backoff:
    """Delay n is drawn from [d/2, d] with d = min(cap, initial * 2**n).

    Half the delay is fixed so successive attempts never come closer together
    (a log reader sees the gaps grow); the random half spreads many ACD
    processes reconnecting after the same Asterisk restart.
    """

    def __init__(self, initial: float, cap: float, rng: random.Random | None = None) -> None:
        self.initial = initial
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.initial * 2.0**self.failures)
        self.failures += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0
