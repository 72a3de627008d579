"""Special functions (filled in below)."""
from __future__ import annotations

from .base import Table

TABLE = Table()
register = TABLE.register
