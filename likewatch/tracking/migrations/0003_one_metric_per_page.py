"""One metric per platform page in a campaign.

Campaigns that followed two series of one platform page (a Facebook page's likes and its
followers) added them up, so one person who unliked and unfollowed counted twice. This keeps
every page and its whole history, and every campaign, but takes the second series out of such
campaigns: the platform's main audience figure stays in the total (followers on Facebook, then
subscribers, members, likes), and what was taken out is printed.
"""

from django.db import migrations, models

# The main audience figure first (issue 15; /work/shared/platforms.md: Facebook's followers
# are the main number, likes are legacy). Frozen here: a migration must not follow later code.
PREFERENCE = ("followers", "subscribers", "members", "likes")


def _rank(metric: str) -> int:
    return PREFERENCE.index(metric) if metric in PREFERENCE else len(PREFERENCE)


def one_metric_per_account(apps, schema_editor):
    CampaignPage = apps.get_model("tracking", "CampaignPage")
    entries = list(CampaignPage.objects.select_related("page", "campaign").order_by("id"))
    groups: dict[tuple[int, str], list] = {}
    for entry in entries:
        entry.account = f"{entry.page.platform}:{entry.page.platform_id}"
        groups.setdefault((entry.campaign_id, entry.account), []).append(entry)
    removed = []
    for group in groups.values():
        group.sort(key=lambda e: (_rank(e.page.metric), e.position, e.id))
        for extra in group[1:]:
            removed.append(
                f"  campaign {extra.campaign.slug!r}: no longer adds the {extra.page.metric} of "
                f"{extra.page.name or extra.page.handle or extra.page.platform_id} "
                f"({extra.account}); it keeps its {group[0].page.metric}"
            )
            extra.delete()
    kept = [e for group in groups.values() for e in group[:1]]
    CampaignPage.objects.bulk_update(kept, ["account"], batch_size=500)
    if removed:
        print(
            "\nOne metric per page: campaigns counted two metrics of one page, so one person "
            "could count twice. Pages and their histories are kept; these series left the "
            "campaigns' totals:\n" + "\n".join(removed)
        )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0002_consumers")]

    operations = [
        migrations.AddField(
            model_name="campaignpage",
            name="account",
            field=models.CharField(default="", editable=False, max_length=300),
            preserve_default=False,
        ),
        migrations.RunPython(one_metric_per_account, migrations.RunPython.noop),
    ]
