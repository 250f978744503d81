from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Seconds a poller waits before looking again for an effect estimate to refresh, after it
# found none due.
EFFECT_REST = 60.0


class EventsConfig(AppConfig):
    name = "likewatch.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from likewatch.events import live
        from likewatch.tracking import chores, consumers

        consumers.register(live.NAME, live.consume, order=80, every=live.EVERY)
        # A campaign's effect estimate (a model fit of about a second when its pre-campaign
        # history changed, milliseconds otherwise), refreshed when a poller has time to spare.
        # Looking for one that is due is a query joining campaigns and their pages: with
        # none due, the next look waits a minute (an estimate is refreshed every 15 minutes;
        # a campaign's first waits at most that minute more).
        chores.register(
            "effect estimate",
            _refresh_one_effect,
            when=chores.SPARE_TIME,
            load=_load_effects,
            rest=EFFECT_REST,
        )


def _load_effects() -> None:
    # Imported by the pollers that estimate effects, not by every process (scipy and
    # statsmodels take most of a CPU-second to import).
    from likewatch.events import effects  # noqa: F401


def _refresh_one_effect() -> bool:
    from likewatch.events import effects

    return effects.refresh_one()
