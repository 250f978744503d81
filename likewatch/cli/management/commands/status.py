from django.conf import settings
from django.utils import timezone

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import moment, number, table
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
    """One line per platform that has tracked pages but no credentials configured."""
    lines = []
    used = set(Page.objects.values_list("platform", flat=True).distinct())
    for platform in registry.platforms():
        config = settings.LIKEWATCH_SOURCES.get(platform, {})
        if platform in used and "token" in config and not config["token"]:
            variable = f"{platform.upper()}_TOKEN"
            lines.append(
                f"warning: {platform} has no credentials: set {variable}; its pages cannot be read."
            )
    return lines
