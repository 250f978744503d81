# The rolling detector state moves from JSON to Detector.packed() bytes. A state is rebuilt
# from the page's history when it is empty, so the old JSON is simply dropped.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_effect_estimate"),
    ]

    operations = [
        migrations.RemoveField(model_name="detectorstate", name="state"),
        migrations.AddField(
            model_name="detectorstate",
            name="state",
            field=models.BinaryField(default=b""),
        ),
    ]
