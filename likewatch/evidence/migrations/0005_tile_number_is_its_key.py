"""A tile's number becomes its primary key, and only `last_at` keeps an index.

On SQLite an INTEGER PRIMARY KEY is the row id: the tile loses its `id` column and the index
on its number. Changing a table's primary key in place is not portable, so the tiles are
copied into a new table, which then takes the old one's name. Nothing else refers to them.
"""

from django.db import migrations, models

COLUMNS = '"index", "count", "hash", "refs", "first_at", "last_at"'
COPY = "INSERT INTO {into} ({columns}) SELECT {columns} FROM {source}"


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0004_packed_raw"),
    ]

    operations = [
        migrations.CreateModel(
            name="LogTileNumbered",
            fields=[
                ("index", models.BigAutoField(primary_key=True, serialize=False)),
                ("count", models.PositiveSmallIntegerField(default=0)),
                ("hash", models.BinaryField(blank=True, max_length=32, null=True)),
                ("refs", models.BinaryField(default=b"")),
                ("first_at", models.DateTimeField()),
                ("last_at", models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.RunSQL(
            COPY.format(
                into="evidence_logtilenumbered", columns=COLUMNS, source="evidence_logtile"
            ),
            COPY.format(
                into="evidence_logtile", columns=COLUMNS, source="evidence_logtilenumbered"
            ),
        ),
        migrations.DeleteModel(name="LogTile"),
        migrations.RenameModel(old_name="LogTileNumbered", new_name="LogTile"),
    ]
