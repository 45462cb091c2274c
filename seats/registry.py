"""The agent directory: who may log in, and with which skills."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from seats.agents import Agent
from seats.models import AgentRecord
from seats.skills import Skill


def to_agent(record: AgentRecord) -> Agent:
    skills = frozenset(Skill(part) for part in record.skills.split(",") if part)
    return Agent(agent_id=record.agent_id, name=record.name, skills=skills)


async def find_agent(session: AsyncSession, agent_id: str) -> Agent | None:
    record = await session.get(AgentRecord, agent_id)
    if record is None or not record.active:
        return None
    return to_agent(record)


async def list_agents(session: AsyncSession) -> list[Agent]:
    rows = await session.scalars(select(AgentRecord).order_by(AgentRecord.agent_id))
    return [to_agent(row) for row in rows]


async def save_agent(
    session: AsyncSession, agent_id: str, name: str, skills: Iterable[Skill]
) -> Agent:
    record = await session.get(AgentRecord, agent_id)
    text = ",".join(sorted(skill.value for skill in skills))
    if record is None:
        record = AgentRecord(agent_id=agent_id, name=name, skills=text, active=True)
        session.add(record)
    else:
        record.name, record.skills, record.active = name, text, True
    return to_agent(record)
