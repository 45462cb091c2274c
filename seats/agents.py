"""Agents and their skills: who may take which kind of call."""

from __future__ import annotations

from dataclasses import dataclass

from seats.skills import Skill


@dataclass(frozen=True)
class Agent:
    """A counsellor logged in (or about to log in) at a seat."""

    agent_id: str
    name: str
    skills: frozenset[Skill] = frozenset()

    @property
    def crisis_qualified(self) -> bool:
        return Skill.CRISIS in self.skills


def serves(agent: Agent, skill: Skill) -> bool:
    """Whether the agent may take a call the IVR tagged with ``skill``.

    General (or unrecognised) calls may go to any agent; the others need the skill.
    """
    return skill is Skill.GENERAL or skill in agent.skills
