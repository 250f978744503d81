from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0003's data changes: PostgreSQL refuses to alter a table with pending
    # trigger events in the same transaction.
    dependencies = [("tracking", "0003_one_metric_per_page")]

    operations = [
        migrations.AddConstraint(
            model_name="campaignpage",
            constraint=models.UniqueConstraint(
                fields=("campaign", "account"), name="one_metric_per_account_in_campaign"
            ),
        ),
    ]
