"""Each span keeps the date its last answer was produced (was: only the page, its newest).

The page's one date was its newest answer's, which belongs to the page's newest span when that
is the record its last fetch wrote: it moves there. Older spans have no date (none was kept).
Reversing it moves the newest span's date back to the page.
"""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def to_spans(apps, schema_editor):
    Page = apps.get_model("tracking", "Page")
    Observation = apps.get_model("tracking", "Observation")
    dated = Page.objects.filter(pk=OuterRef("page_id"), last_success_at=OuterRef("last_seen"))
    Observation.objects.filter(
        seq=F("page__last_seq"), page__answer_produced_at__isnull=False
    ).update(answer_produced_at=Subquery(dated.values("answer_produced_at")[:1]))


def to_pages(apps, schema_editor):
    Page = apps.get_model("tracking", "Page")
    Observation = apps.get_model("tracking", "Observation")
    head = Observation.objects.filter(page_id=OuterRef("pk"), seq=OuterRef("last_seq"))
    Page.objects.update(answer_produced_at=Subquery(head.values("answer_produced_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [("tracking", "0007_page_answer_produced_at")]

    operations = [
        migrations.AddField(
            model_name="observation",
            name="answer_produced_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(to_spans, to_pages),
        migrations.RemoveField(model_name="page", name="answer_produced_at"),
    ]
