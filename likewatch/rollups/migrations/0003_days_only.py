"""Hourly rollups are no longer kept: charts draw buckets shorter than half a day from the
history's segments, and a row per page and hour cost more than the history itself."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("rollups", "Rollup").objects.filter(grain="hour").delete()


class Migration(migrations.Migration):
    dependencies = [("rollups", "0002_extremes_moments")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
