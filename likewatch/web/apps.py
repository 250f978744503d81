from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "likewatch.web"
    verbose_name = _("Public site")

    def ready(self) -> None:
        from likewatch.site import check_site_url

        checks.register(check_site_url, checks.Tags.compatibility)
