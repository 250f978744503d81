"""Move every page's sealed history from rows into compressed segments.

Each page is compacted in its own transaction, with the code the poller uses
(`segments.compact`), so an interrupted migration resumes where it stopped: the pages done
keep their segments, the others still have their rows. Reversing it unpacks the segments
back into rows.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from likewatch.tracking import segments

    segments.compact(keep=0, apps=apps)


def backwards(apps, schema_editor):
    from likewatch.tracking import segments

    segments.expand(apps=apps)


class Migration(migrations.Migration):
    atomic = False

    # After the transparency log recorded the old chain (its backfill reads the rows).
    dependencies = [("tracking", "0005_segments"), ("evidence", "0003_tile_times_log_cursor")]

    operations = [migrations.RunPython(forwards, backwards)]
