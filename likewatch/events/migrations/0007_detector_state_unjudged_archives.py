from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("events", "0006_effect_fit")]

    operations = [
        migrations.AddField(
            model_name="detectorstate",
            name="unjudged_archives",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
