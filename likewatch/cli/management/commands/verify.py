import json
from pathlib import Path

from django.core.management.base import CommandError

from likewatch.cli import moments
from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import proofs
from likewatch.evidence.bundle import BundleError
from likewatch.evidence.verify import verify_bundle, verify_database


class Command(LikewatchCommand):
    help = (
        "Check evidence offline and name every broken record: a proof of one number (.json), "
        "a bundle (one page, a campaign, everything), or the database (--database, optionally "
        "narrowed with --page, --campaign, --since, --until)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "bundle", nargs="?", help="a proof (.json), or a bundle folder, .zip or .tar.gz"
        )
        parser.add_argument(
            "--database", action="store_true", help="check the live database instead"
        )
        parser.add_argument("--page", action="append", default=[], help="with --database: #id")
        parser.add_argument("--campaign", help="with --database: a campaign's pages (slug)")
        parser.add_argument("--since", help="with --database: records from (ISO 8601)")
        parser.add_argument("--until", help="with --database: records until (ISO 8601)")
        parser.add_argument(
            "--key", help="the site's public key (PEM), fetched separately, to check against"
        )
        parser.add_argument(
            "--log-key", help="the log's verifier key (from /evidence/log-key), fetched separately"
        )
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            help="a checkpoint you kept (file); repeat for several: a rewrite or a fork shows",
        )
        parser.add_argument(
            "--witness-key",
            action="append",
            default=[],
            help="a witness's verifier key whose cosignature must be there (repeatable)",
        )
        parser.add_argument(
            "--tsa-cert",
            action="append",
            default=[],
            help="the timestamp authority's certificates (PEM: its root, its own), to check "
            "the signature and chain of the checkpoint's RFC 3161 timestamp (repeatable; "
            "without it only the timestamp's imprint is checked)",
        )

    def execute(self, *args, **options):
        # A bundle or a proof is checked offline: no database needed, not even a configured one.
        self.needs_database = bool(options.get("database"))
        return super().execute(*args, **options)

    def handle(self, *args, **options):
        if options["database"] == bool(options["bundle"]):
            raise CommandError("Give a proof or a bundle to check, or --database (not both).")
        held = [self._read(path).decode("utf-8", "replace") for path in options["checkpoint"]]
        log_key = options["log_key"]
        if log_key and Path(log_key).is_file():
            log_key = Path(log_key).read_text().strip()
        witness_keys = options["witness_key"]
        tsa = self._certificates(options["tsa_cert"])
        if options["database"]:
            report = verify_database(
                self._pages(options),
                moments.parse(options["since"], "--since"),
                moments.parse(options["until"], "--until"),
                held,
                log_key,
            )
            what = "The database"
        else:
            path = Path(options["bundle"])
            if path.is_file() and path.suffix == ".json":
                return self._proof(path, log_key, witness_keys, tsa)
            key = self._read(options["key"]) if options["key"] else None
            try:
                report = verify_bundle(path, key, log_key, held, witness_keys, tsa)
            except BundleError as exc:
                raise CommandError(f"{exc}.") from None
            what = f"The bundle {options['bundle']}"
        if report.covers:
            self.stdout.write(
                f"The bundle covers {report.covers}: {report.pages} public page(s), "
                f"{report.records} record(s), {report.documents} annotation(s) and review(s)."
            )
        summary = (
            f"{report.pages} page(s), {report.records} record(s), {report.digests} digest(s), "
            f"{report.leaves} log leaves under checkpoint {report.checkpoint_size}"
            + (f", key {report.key_id}" if report.key_id else "")
            + (f", cosigned by {', '.join(report.cosigned_by)}" if report.cosigned_by else "")
        )
        for line in report.notes:
            self.stdout.write(f"note: {line}")
        if report.uncovered:
            shown = ", ".join(report.uncovered[:20])
            more = f" and {len(report.uncovered) - 20} more" if len(report.uncovered) > 20 else ""
            self.stdout.write(
                f"Not covered by a checkpoint yet ({len(report.uncovered)}): {shown}{more}. "
                "They will be after the next poll round."
            )
        if report.ok:
            self.stdout.write(f"{what} checks out: {summary}.")
            return
        for problem in report.problems:
            self.stdout.write(str(problem))
        raise CommandError(
            f"{what} does NOT check out: {len(report.problems)} problem(s) in {summary}."
        )

    def _proof(self, path: Path, log_key, witness_keys, tsa) -> None:
        try:
            data = json.loads(self._read(str(path)))
        except ValueError as exc:
            raise CommandError(f"{path} is not JSON: {exc}.") from None
        checked = proofs.check(data, log_key, witness_keys, tsa)
        for line in checked.notes:
            self.stdout.write(f"note: {line}")
        if checked.ok:
            record = data.get("record", {})
            self.stdout.write(
                f"The proof {path} checks out: record {data['page']['id']}#{record.get('seq')} "
                f"is in the log's checkpoint of {checked.size} records"
                + (f", cosigned by {', '.join(checked.cosigned_by)}" if checked.cosigned_by else "")
                + "."
            )
            if data.get("citation"):
                self.stdout.write(data["citation"])
            return
        for problem in checked.problems:
            self.stdout.write(problem)
        raise CommandError(f"The proof {path} does NOT check out.")

    def _certificates(self, paths: list[str]) -> list | None:
        from cryptography import x509

        found = []
        for path in paths:
            try:
                found += x509.load_pem_x509_certificates(self._read(path))
            except ValueError:
                raise CommandError(f"--tsa-cert {path}: not PEM certificates.") from None
        return found or None

    @staticmethod
    def _read(path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None

    @staticmethod
    def _pages(options) -> set[int] | None:
        from likewatch.tracking.models import Campaign

        pages: set[int] = set()
        for item in options["page"]:
            if not item.lstrip("#").isdigit():
                raise CommandError(f"--page {item!r}: give a page number, e.g. #3.")
            pages.add(int(item.lstrip("#")))
        if options["campaign"]:
            campaign = Campaign.objects.filter(slug=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"No campaign {options['campaign']!r}.")
            pages |= set(campaign.pages.values_list("pk", flat=True))
        return pages or None
