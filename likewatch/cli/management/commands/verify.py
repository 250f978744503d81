from pathlib import Path

from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence.bundle import BundleError
from likewatch.evidence.verify import verify_bundle, verify_database


class Command(LikewatchCommand):
    help = "Check an evidence bundle offline (or the database) and name every broken record."

    def add_arguments(self, parser):
        parser.add_argument("bundle", nargs="?", help="a bundle folder, .zip or .tar.gz")
        parser.add_argument(
            "--database", action="store_true", help="check the live database instead"
        )
        parser.add_argument(
            "--key", help="the site's public key (PEM), fetched separately, to check against"
        )

    def execute(self, *args, **options):
        # A bundle is checked offline: no database needed, not even a configured one.
        self.needs_database = bool(options.get("database"))
        return super().execute(*args, **options)

    def handle(self, *args, **options):
        if options["database"] == bool(options["bundle"]):
            raise CommandError("Give a bundle to check, or --database (not both).")
        if options["database"]:
            report = verify_database()
            what = "The database"
        else:
            key = None
            if options["key"]:
                try:
                    key = Path(options["key"]).read_bytes()
                except OSError as exc:
                    raise CommandError(
                        f"Cannot read the key {options['key']}: {exc.strerror}."
                    ) from None
            try:
                report = verify_bundle(Path(options["bundle"]), key)
            except BundleError as exc:
                raise CommandError(f"{exc}.") from None
            what = f"The bundle {options['bundle']}"
        summary = (
            f"{report.pages} page(s), {report.records} record(s), {report.digests} digest(s)"
            + (f", key {report.key_id}" if report.key_id else "")
        )
        if report.ok:
            self.stdout.write(f"{what} checks out: {summary}.")
            return
        for problem in report.problems:
            self.stdout.write(str(problem))
        raise CommandError(
            f"{what} does NOT check out: {len(report.problems)} problem(s) in {summary}."
        )
