"""API shapes of accounts and sign-in."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from callcenter.app.accounts.models import User
from callcenter.kernel.auth import Principal, Role
from seats.skills import Skill

Login = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class MeOut(BaseModel):
    login: str
    name: str
    role: Role
    site_id: int | None
    agent: str | None
    default_seat: str | None = None
    permissions: list[str]

    @classmethod
    def of(cls, principal: Principal, default_seat: str | None) -> MeOut:
        return cls(
            login=principal.user,
            name=principal.name or principal.user,
            role=principal.role,
            site_id=principal.site_id,
            agent=principal.agent_id,
            default_seat=default_seat,
            permissions=sorted(p.value for p in principal.permissions),
        )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    login: str
    display_name: str
    role: Role
    site_id: int | None
    skills: list[Skill]
    default_seat: str | None
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            login=user.login,
            display_name=user.display_name,
            role=Role(user.role),
            site_id=user.site_id,
            skills=[Skill(part) for part in user.skills.split(",") if part],
            default_seat=user.default_seat,
            disabled=user.disabled,
            created_at=user.created_at,
        )


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = Login
    password: str = Field(min_length=1, max_length=256)
    role: Role
    display_name: str = Field(default="", max_length=128)
    site_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    skills: list[Skill] = Field(default_factory=list, max_length=8)
    default_seat: str | None = Field(default=None, pattern=r"^\d{3,6}$")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=128)
    site_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    skills: list[Skill] | None = Field(default=None, min_length=1, max_length=8)
    default_seat: str | None = Field(default=None, pattern=r"^(\d{3,6})?$")
    disabled: bool | None = None


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256)
