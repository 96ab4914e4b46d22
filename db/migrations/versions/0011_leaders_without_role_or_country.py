"""A leader with neither role nor country is listed by name alone, not "Name ()".

``summits.leaders`` (migration 0007, as the 0003 view did) wrote each leader as
``name || coalesce(' (' || concat_ws(', ', role, country) || ')', '')``; ``concat_ws``
of two NULLs is '' and not NULL, so the parentheses stayed, empty. The trigger function
that keeps the list takes the fixed expression, and the stored lists are recomputed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

import importlib.util
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIXED = ("array_agg(c.name || coalesce(' (' || nullif(concat_ws(', ', c.role, c.country), '') "
         "|| ')', '') ORDER BY c.articles DESC, c.name)")


def _m0007() -> ModuleType:
    """Migration 0007, for its list definitions and trigger function."""
    (path,) = Path(__file__).parent.glob("0007_*.py")
    spec = importlib.util.spec_from_file_location("accords_migration_0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keep_leaders(aggregate: str | None) -> None:
    m0007 = _m0007()
    (leaders,) = [k for k in m0007.KEPT if k.parent == "summits" and k.column == "leaders"]
    kept = replace(leaders, aggregate=aggregate) if aggregate else leaders
    op.execute(m0007._function(kept).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    op.execute(f"UPDATE public.summits t SET leaders = l.list FROM ({kept.lists()}) l "
               f"WHERE t.id = l.id AND t.leaders IS DISTINCT FROM l.list")


def upgrade() -> None:
    _keep_leaders(FIXED)


def downgrade() -> None:
    _keep_leaders(None)
