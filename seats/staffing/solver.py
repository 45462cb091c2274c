"""Builds the rota with OR-tools CP-SAT, an optional extra: ``pip install -e '.[staffing]'``.

One boolean per (counsellor, shift) they can work; the hard rules
(``rota.HardRule``) are constraints. Two goals, in order (lexicographic, each
its own solve): first the fewest open seat half-hours against the forecast, then,
keeping that, the fewest night shifts for the counsellor with the most (nights
spread). A shift never gets more counsellors than its busiest half-hour needs
(at least one, for the crisis rule): volunteers' hours are not spent on idle seats.

The bound each goal is measured against is the better of CP-SAT's own and the
linear relaxation's (GLOP). CP-SAT's LP keeps only part of this model and proves
almost nothing, while the full relaxation is tight: the constraints are close to
a flow's. The search stops as soon as a rota is within the asked gap of the bound.

When no rota meets the hard rules, the model is solved again with each rule behind
an assumption literal; CP-SAT's infeasible core names the rules (and for crisis
cover, the shifts) that cannot all be met together.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from seats.staffing.rota import (
    SHIFT_HOURS,
    Assignment,
    Breach,
    HardRule,
    RotaProblem,
    Shift,
    ShiftKind,
    uncoverable,
)

ENABLE_HINT = "pip install -e '.[staffing]'"


class SolverMissing(RuntimeError):
    """OR-tools is not installed: the rota needs the ``staffing`` extra."""

    def __init__(self) -> None:
        super().__init__(f"the rota solver (OR-tools) is not installed: {ENABLE_HINT}")


def solver_installed() -> bool:
    return importlib.util.find_spec("ortools") is not None


@dataclass(frozen=True)
class Goal:
    """One objective's result: the value reached and the proven lower bound."""

    value: int
    bound: int

    @property
    def gap(self) -> float:
        """How far above the bound, as a share of the value (0 when proven best)."""
        return 0.0 if self.value <= 0 else max(0.0, (self.value - self.bound) / self.value)


@dataclass(frozen=True)
class Solved:
    assignment: Assignment
    open_half_hours: Goal
    most_nights: Goal
    seconds: float


@dataclass(frozen=True)
class Infeasible:
    breaches: list[Breach]  # the rules (and shifts) that cannot all be met
    together_with: list[HardRule]  # the other rules that make them impossible

    @property
    def message(self) -> str:
        parts = [b.message for b in self.breaches]
        if self.together_with:
            parts.append("given: " + ", ".join(rule.text for rule in self.together_with))
        return "; ".join(parts)


def solve_rota(
    problem: RotaProblem,
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    relative_gap: float = 0.05,
    seed: int = 0,
) -> Solved | Infeasible:
    """The best rota found within the limits, or which hard rules cannot be met."""
    impossible = uncoverable(problem)
    if impossible:
        return Infeasible(impossible, [])
    cp_model = _cp_model()
    started = time.perf_counter()
    model = _RotaModel(cp_model, problem, with_assumptions=False)
    model.model.minimize(model.open_half_hours)
    first = _Search(cp_model, model, time_limit, workers, relative_gap, seed)
    if first.status == cp_model.INFEASIBLE:
        return _explain(cp_model, problem, time_limit)
    if first.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise TimeoutError(f"no rota found within {time_limit:.0f} s; try a shorter period")
    coverage = first.goal()
    model.keep(first)  # the second goal may not give back any covered half-hour
    model.model.add(model.open_half_hours <= coverage.value)
    model.model.clear_objective()
    model.model.minimize(model.most_nights)
    remaining = max(1.0, time_limit - (time.perf_counter() - started))
    second = _Search(cp_model, model, remaining, workers, relative_gap, seed)
    final = second if second.status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else first
    nights = second.goal() if final is second else Goal(first.value(model.most_nights), 0)
    return Solved(final.assignment(), coverage, nights, time.perf_counter() - started)


def _cp_model() -> Any:
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:
        raise SolverMissing() from exc
    return cp_model


class _Search:
    """One CP-SAT solve of the model's current objective, stopped near the LP bound."""

    def __init__(
        self, cp_model: Any, model: _RotaModel, limit: float, workers: int, gap: float, seed: int
    ) -> None:
        self.model = model
        relaxed = _lp_bound(model.model.proto)
        # Every objective here is a sum of integers: its bound rounds up.
        self.lp_bound = None if relaxed is None else math.ceil(relaxed - 1e-6)
        self.solver = solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = limit
        solver.parameters.num_search_workers = workers
        solver.parameters.relative_gap_limit = gap
        solver.parameters.random_seed = seed
        self.status = solver.solve(model.model, _stop_near(cp_model, self.lp_bound, gap))

    def goal(self) -> Goal:
        value = round(self.solver.objective_value)
        bound = math.ceil(self.solver.best_objective_bound - 1e-6)
        if self.lp_bound is not None:
            bound = max(bound, self.lp_bound)
        return Goal(value, min(bound, value))

    def value(self, expression: Any) -> int:
        return int(self.solver.value(expression))

    def assignment(self) -> Assignment:
        return self.model.assignment(self.solver)


def _lp_bound(proto: Any) -> float | None:
    """The linear relaxation's optimum (GLOP): a lower bound on the objective.

    Every constraint of the plain model is linear, so the relaxation is exact up to
    integrality.
    """
    from ortools.linear_solver import pywraplp

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:  # pragma: no cover - GLOP ships with every OR-tools wheel
        return None
    columns = [lp.NumVar(*_hull(v.domain), "") for v in proto.variables]
    for constraint in proto.constraints:
        if not constraint.has_linear() or len(constraint.enforcement_literal):
            continue
        linear = constraint.linear
        row = lp.RowConstraint(*_hull(linear.domain), "")
        for ref, coefficient in zip(linear.vars, linear.coeffs, strict=True):
            row.SetCoefficient(columns[ref], float(coefficient))
    objective = lp.Objective()
    for ref, coefficient in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        objective.SetCoefficient(columns[ref], float(coefficient))
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    scale = proto.objective.scaling_factor or 1.0
    return float((objective.Value() + proto.objective.offset) * scale)


def _hull(domain: Any) -> tuple[float, float]:
    """A CP-SAT domain's lowest and highest value, its ±2⁶³ (an open side) as ±infinity.

    (The proto's repeated fields take no negative index, hence ``len``.)
    """
    ends = (domain[0], domain[len(domain) - 1])
    low, high = (math.copysign(math.inf, v) if abs(v) >= 2**62 else float(v) for v in ends)
    return low, high


def _stop_near(cp_model: Any, bound: int | None, relative_gap: float) -> Any:
    """A callback that ends the search once a solution is within ``relative_gap`` of ``bound``."""

    class StopNearBound(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]
        def on_solution_callback(self) -> None:
            value = self.objective_value
            if bound is not None and value - bound <= relative_gap * value + 1e-6:
                self.stop_search()

    return StopNearBound()


def _explain(cp_model: Any, problem: RotaProblem, time_limit: float) -> Infeasible:
    model = _RotaModel(cp_model, problem, with_assumptions=True)
    model.model.add_assumptions(list(model.rule_literals))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_search_workers = 1  # the infeasible core comes from one worker
    if solver.solve(model.model) != cp_model.INFEASIBLE:  # pragma: no cover
        return Infeasible([Breach(HardRule.CRISIS_COVER, "the hard rules cannot all be met")], [])
    core = set(solver.sufficient_assumptions_for_infeasibility())
    named = [key for literal, key in model.rule_literals.items() if literal.index in core]
    crisis = [
        Breach(HardRule.CRISIS_COVER, f"no crisis-qualified counsellor can take {shift}", shift)
        for rule, shift in named
        if rule is HardRule.CRISIS_COVER
    ]
    others = sorted({rule for rule, _ in named} - {HardRule.CRISIS_COVER})
    if not crisis:
        return Infeasible([Breach(others[0], f"{others[0].text} cannot be met")], others[1:])
    return Infeasible(crisis, others)


class _RotaModel:
    """The CP-SAT model of one rota problem."""

    def __init__(self, cp_model: Any, problem: RotaProblem, *, with_assumptions: bool) -> None:
        self.problem = problem
        self.model = model = cp_model.CpModel()
        self.rule_literals: dict[Any, tuple[HardRule, Shift | None]] = {}
        self._by_rule: dict[tuple[HardRule, Shift | None], Any] = {}
        self._assumptions = with_assumptions
        self.works: dict[tuple[str, Shift], Any] = {
            (c.agent_id, s): model.new_bool_var(f"{c.agent_id}@{s}")
            for c in problem.counsellors
            for s in problem.shifts
            if c.can_work(s)
        }
        crisis = {c.agent_id for c in problem.counsellors if c.crisis}
        open_terms = []
        for shift in problem.shifts:
            staff = sum(v for (_, s), v in self.works.items() if s == shift)
            model.add(staff <= max(1, problem.peak(shift)))
            self._rule(HardRule.SEATS, None, staff <= problem.max_seats)
            crisis_on = sum(v for (a, s), v in self.works.items() if s == shift and a in crisis)
            self._rule(HardRule.CRISIS_COVER, shift, crisis_on >= 1)
            for need, count in _levels(problem.need.get(shift, ())):
                short = model.new_int_var(0, need, f"short{need}@{shift}")
                model.add(short >= need - staff)
                open_terms.append(count * short)
        self.open_half_hours = sum(open_terms)
        self.most_nights = model.new_int_var(0, len(problem.shifts), "most_nights")
        for counsellor in problem.counsellors:
            mine = {s: v for (a, s), v in self.works.items() if a == counsellor.agent_id}
            nights = sum(v for s, v in mine.items() if s.kind is ShiftKind.NIGHT)
            model.add(self.most_nights >= nights)
            self._personal(counsellor.max_hours_week, counsellor.max_nights_week, mine)

    def _personal(self, max_hours: int, max_nights: int, mine: dict[Shift, Any]) -> None:
        week_of = self.problem.week_of
        for week in {week_of(s) for s in mine}:
            in_week = {s: v for s, v in mine.items() if week_of(s) == week}
            nights = [v for s, v in in_week.items() if s.kind is ShiftKind.NIGHT]
            self._rule(
                HardRule.WEEKLY_HOURS, None, SHIFT_HOURS * sum(in_week.values()) <= max_hours
            )
            self._rule(HardRule.WEEKLY_NIGHTS, None, sum(nights) <= max_nights)
        for day in {s.day for s in mine}:
            same_day = sum(v for s, v in mine.items() if s.day == day)
            self._rule(HardRule.ONE_SHIFT_A_DAY, None, same_day <= 1)
        by_position = {s.position: v for s, v in mine.items()}
        for position, works in by_position.items():
            following = by_position.get(position + 1)
            if following is not None:
                self._rule(HardRule.REST, None, works + following <= 1)

    def _rule(self, rule: HardRule, shift: Shift | None, constraint: Any) -> None:
        if isinstance(constraint, bool):  # an empty sum compared with a number
            if constraint:
                return
            constraint = self.model.new_constant(0) >= 1
        added = self.model.add(constraint)
        if not self._assumptions:
            return
        key = (rule, shift if rule is HardRule.CRISIS_COVER else None)
        literal = self._by_rule.get(key)
        if literal is None:
            literal = self.model.new_bool_var(f"rule {rule.value} {shift or ''}")
            self._by_rule[key] = literal
            self.rule_literals[literal] = key
        added.only_enforce_if(literal)

    def keep(self, search: _Search) -> None:
        """Start the next goal's search from the last solution."""
        self.model.clear_hints()
        for works in self.works.values():
            self.model.add_hint(works, search.solver.boolean_value(works))

    def assignment(self, solver: Any) -> Assignment:
        chosen: dict[Shift, set[str]] = {s: set() for s in self.problem.shifts}
        for (agent, shift), works in self.works.items():
            if solver.boolean_value(works):
                chosen[shift].add(agent)
        return {shift: frozenset(names) for shift, names in chosen.items()}


def _levels(needs: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    """Distinct positive needs of a shift's half-hours with how often each occurs."""
    counts: dict[int, int] = {}
    for need in needs:
        if need > 0:
            counts[need] = counts.get(need, 0) + 1
    yield from sorted(counts.items())
