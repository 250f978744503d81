"""Raw answers: from one zlib row per distinct body plus a link per record (with two 64-byte
SHA-256s) to recent rows packed into per-platform zstd blocks (see likewatch.evidence.raw).
Every kept answer becomes the recent answer of the record it is linked to; the poller then
packs them. The links of pruned bodies had nothing left to point to and go."""

import zlib

import django.db.models.deletion
from django.db import migrations, models


def move_answers(apps, schema_editor):
    RawAnswer = apps.get_model("evidence", "RawAnswer")
    RawLink = apps.get_model("evidence", "RawLink")
    RecentAnswer = apps.get_model("evidence", "RecentAnswer")
    bodies = {}
    batch = []
    links = RawLink.objects.select_related("page").order_by("pk")
    for link in links.iterator(chunk_size=2000):
        if link.sha256 not in bodies:
            row = RawAnswer.objects.filter(sha256=link.sha256).values_list("body", flat=True)
            data = row.first()
            bodies.clear()  # a batch answer's links follow each other: keep one body at hand
            bodies[link.sha256] = None if data is None else zlib.decompress(bytes(data))
        body = bodies[link.sha256]
        if body is None:
            continue
        batch.append(
            RecentAnswer(
                page_id=link.page_id,
                platform=link.page.platform,
                seq=link.seq,
                kind=link.kind,
                at=link.at,
                body=body,
            )
        )
        if len(batch) >= 2000:
            RecentAnswer.objects.bulk_create(batch)
            batch = []
    RecentAnswer.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0003_tile_times_log_cursor"),
        ("tracking", "0006_compact_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="RawBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("platform", models.CharField(max_length=32)),
                ("start", models.DateTimeField(help_text="The first answer's time.")),
                ("end", models.DateTimeField(db_index=True, help_text="The last answer's time.")),
                ("answers", models.PositiveIntegerField()),
                ("data", models.BinaryField()),
            ],
        ),
        migrations.CreateModel(
            name="RecentAnswer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("platform", models.CharField(max_length=32)),
                ("seq", models.PositiveBigIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[("observation", "observation"), ("failure", "failed fetch")],
                        max_length=16,
                    ),
                ),
                ("at", models.DateTimeField()),
                ("body", models.BinaryField()),
            ],
        ),
        migrations.AddIndex(
            model_name="rawblock",
            index=models.Index(fields=["platform", "start"], name="evidence_ra_platfor_2977c1_idx"),
        ),
        migrations.AddField(
            model_name="recentanswer",
            name="page",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="recent_answers",
                to="tracking.page",
            ),
        ),
        migrations.AddIndex(
            model_name="recentanswer",
            index=models.Index(fields=["at"], name="evidence_re_at_3eba6c_idx"),
        ),
        migrations.AddIndex(
            model_name="recentanswer",
            index=models.Index(fields=["platform", "at"], name="evidence_re_platfor_866dbc_idx"),
        ),
        migrations.AddConstraint(
            model_name="recentanswer",
            constraint=models.UniqueConstraint(fields=("page", "seq"), name="unique_recent_answer"),
        ),
        migrations.RunPython(move_answers, migrations.RunPython.noop),
        migrations.DeleteModel(name="RawLink"),
        migrations.DeleteModel(name="RawAnswer"),
    ]
