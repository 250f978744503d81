from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "likewatch.cli"
    label = "likewatch_cli"
    verbose_name = "likewatch command line"
