from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("events", "0007_detector_state_unjudged_archives")]

    operations = [
        migrations.AddField(
            model_name="effectestimate",
            name="stale",
            field=models.BooleanField(default=False),
        ),
    ]
