"""``async with`` for anything that has ``start`` and ``stop``."""

from __future__ import annotations

from typing import Self


class StartStop:
    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
