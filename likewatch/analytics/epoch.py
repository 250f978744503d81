"""Seconds since the Unix epoch, computed by the database.

Turning hundreds of thousands of timestamps into Python datetimes would cost more than
everything else a chart does, so the database hands over plain numbers. The same SQL serves
the ORM (`Epoch`) and hand-written statements (`epoch_sql`), so both give the very same floats.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import FloatField, Func

# Django stores UTC text on SQLite, "YYYY-MM-DD HH:MM:SS[.ffffff]": whole seconds from strftime,
# plus the fraction as written. strftime only gets the whole seconds: it rounds a fraction to the
# millisecond, which turns 59.9999 into the next minute (and julianday's float would blur it).
TEMPLATES = {
    "sqlite": "(CAST(strftime('%%s', substr({0}, 1, 19)) AS REAL) + CAST(substr({0}, 20) AS REAL))",
    "postgresql": "EXTRACT(EPOCH FROM {0})",
}


def epoch_sql(expression: str) -> str:
    """SQL for the epoch seconds of the SQL `expression` (a timestamp), on this database.

    The result is for a statement run with parameters (its % signs are doubled); SQLite's
    version repeats `expression`, so it should be a column, not a subquery.
    """
    return TEMPLATES[connection.vendor].format(expression)


class Epoch(Func):
    """Seconds since the epoch of a datetime expression, as a float."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self._as_vendor(compiler, connection)

    def as_postgresql(self, compiler, connection, **extra):
        return self._as_vendor(compiler, connection)

    def _as_vendor(self, compiler, connection):
        # Func templates are %-formatted once more: double the signs again.
        template = TEMPLATES[connection.vendor].replace("%", "%%").format("%(expressions)s")
        return self.as_sql(compiler, connection, template=template)
