from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_each_store_answers(db_engine: AsyncEngine) -> None:
    async with db_engine.connect() as conn:
        assert (await conn.execute(text("select 1"))).scalar() == 1
