"""How facts are put into rows: by time bucket, or by the work order's region or category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal

from workorders.models import WorkOrder
from workorders.stats.core import UNCATEGORISED, UNKNOWN_REGION, Bucket, Grouping, bucket_of


@dataclass(frozen=True)
class RowKeys:
    """How facts are put into rows: by time bucket, or by the order's region or category."""

    buckets: Sequence[Bucket]
    grouping: Grouping

    def sql(self, moment: Any) -> ColumnElement[Any]:
        if self.grouping is Grouping.REGION:
            return func.coalesce(WorkOrder.city, UNKNOWN_REGION)
        if self.grouping is Grouping.CATEGORY:
            return func.coalesce(WorkOrder.category, UNCATEGORISED)
        if len(self.buckets) == 1:
            return literal(self.buckets[0].key)
        return case(*[(moment < b.end, b.key) for b in self.buckets], else_=literal(None))

    def of(self, moment: Any, city: str | None, category: str | None) -> str | None:
        if self.grouping is Grouping.REGION:
            return city or UNKNOWN_REGION
        if self.grouping is Grouping.CATEGORY:
            return category or UNCATEGORISED
        return bucket_of(moment, self.buckets)
