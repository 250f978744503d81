from django.utils import timezone

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import moment, number, table
from likewatch.organisers.credentials import source_config
from likewatch.sources import registry
from likewatch.tracking.models import Page


class Command(LikewatchCommand):
    help = "Every tracked page: last value, last success, last error, next fetch."

    def handle(self, *args, **options):
        for line in credential_warnings():
            self.stdout.write(line)
        now = timezone.now()
        rows = []
        for page in Page.objects.all():
            latest = page.observations.order_by("-seq").first()
            value = (
                "-"
                if latest is None
                else ("hidden" if latest.value is None else number(latest.value))
            )
            health = page.get_health_display()
            if page.health == "ok" and page.is_stale(now):
                health = "stale"
            rows.append(
                [
                    f"#{page.pk}",
                    page.platform,
                    page.label[:30],
                    page.metric,
                    health,
                    value,
                    moment(page.last_success_at),
                    (page.last_error or "-")[:50] if page.health == "failing" else "-",
                    "paused" if page.paused else moment(page.next_fetch_at),
                ]
            )
        if not rows:
            self.stdout.write("No pages tracked yet: likewatch add URL")
            return
        self.stdout.write(
            table(
                rows,
                [
                    "id",
                    "platform",
                    "name",
                    "metric",
                    "health",
                    "last value",
                    "last success",
                    "last error",
                    "next fetch",
                ],
            )
        )


def credential_warnings() -> list[str]:
    """One line per platform with tracked pages whose source lacks credentials.

    Each source declares what it needs (`Source.credentials`) and says what to set, so a
    platform without a token is reported here instead of failing silently at every fetch.
    """
    lines = []
    used = set(Page.objects.values_list("platform", flat=True).distinct())
    for platform in registry.platforms():
        if platform not in used:
            continue
        config = source_config(platform)  # a token entered in the interface counts too
        problem = registry.source_class(platform).credential_problem(config)
        if problem:
            lines.append(f"warning: {problem}")
    return lines
