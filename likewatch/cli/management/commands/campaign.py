from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.text import slugify

from likewatch.cli import moments
from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import moment, number, table
from likewatch.organisers.credentials import source_configs
from likewatch.tracking.adding import add_pages
from likewatch.tracking.lookup import find_pages
from likewatch.tracking.models import Campaign, CampaignPage, Direction, Metric


class Command(LikewatchCommand):
    help = "Create campaigns, add pages to them, list them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser("create", help="create a campaign")
        create.add_argument("slug", help="short name used in the board's address")
        create.add_argument("--title", help="the campaign's title (default: the slug)")
        create.add_argument("--description", default="")
        create.add_argument(
            "--start",
            default="now",
            help="the baseline, ISO 8601 with a zone, or now (default: now)",
        )
        create.add_argument("--end", help="when the campaign ends, ISO 8601 with a zone, or now")
        create.add_argument("--target", type=int, help="how many people the campaign hopes to move")
        create.add_argument(
            "--language", default="en", choices=[code for code, _ in settings.LANGUAGES]
        )
        shown = create.add_mutually_exclusive_group()
        shown.add_argument(
            "--public",
            action="store_true",
            help="publish the board at once (by default it stays private, as on the web, "
            "until you publish it: likewatch campaign publish SLUG)",
        )
        shown.add_argument("--private", action="store_true", help="keep it private (the default)")

        add = sub.add_parser("add", help="add pages to a campaign (tracking them if needed)")
        add.add_argument("slug")
        add.add_argument("pages", nargs="+", metavar="PAGE", help="#id, URL or handle")
        add.add_argument(
            "--direction",
            choices=list(Direction.values),
            default=Direction.LEAVE,
            help="what the campaign wants people to do (default: leave)",
        )
        add.add_argument(
            "--metric",
            choices=list(Metric.values),
            help="which count to follow (default: the platform's main audience figure); a "
            "campaign follows one count per page",
        )

        publish = sub.add_parser("publish", help="make a campaign's board public")
        publish.add_argument("slug")
        unpublish = sub.add_parser("unpublish", help="make a campaign's board private again")
        unpublish.add_argument("slug")

        sub.add_parser("list", help="list campaigns")

    def handle(self, *args, **options):
        getattr(self, "do_" + options["action"])(options)

    def do_create(self, options):
        slug = slugify(options["slug"])
        if not slug:
            raise CommandError("The slug must contain letters or digits.")
        if Campaign.objects.filter(slug=slug).exists():
            raise CommandError(f"A campaign {slug!r} exists already.")
        campaign = Campaign(
            slug=slug,
            title=options["title"] or options["slug"],
            description=options["description"],
            starts_at=moments.parse(options["start"], "--start", now=True),
            ends_at=moments.parse(options["end"], "--end", now=True),
            target=options["target"],
            language=options["language"],
            public=options["public"],
        )
        try:
            campaign.full_clean()
        except ValidationError as exc:
            raise CommandError(
                " ".join(m for ms in exc.message_dict.values() for m in ms)
            ) from None
        campaign.save()
        shown = (
            "public"
            if campaign.public
            else f"private until you run `likewatch campaign publish {slug}`"
        )
        self.stdout.write(
            f"Campaign {slug!r} created, counting from {moment(campaign.starts_at)} ({shown})."
        )

    def do_publish(self, options, public: bool = True):
        campaign = _campaign(options["slug"])
        if campaign.public != public:
            campaign.public = public
            campaign.save(update_fields=["public"])
        state = "public" if public else "private"
        self.stdout.write(f"The board of {campaign.slug!r} is {state}.")

    def do_unpublish(self, options):
        self.do_publish(options, public=False)

    def do_add(self, options):
        campaign = _campaign(options["slug"])
        failed = 0
        for text in options["pages"]:
            pages = find_pages(text)
            page = _pick_metric(pages, options["metric"]) if pages else None
            if page is None:
                # Not tracked yet, or not this count of it: start tracking it.
                result = add_pages([text], metric=options["metric"], configs=source_configs())[0]
                if not result.ok:
                    self.stderr.write(f"fail {text}: {result.error}")
                    failed += 1
                    continue
                page = result.pages[0]
            entry = CampaignPage(
                campaign=campaign,
                page=page,
                direction=options["direction"],
                position=campaign.entries.count(),
            )
            existing = campaign.entries.filter(page=page).first()
            if existing is None:
                try:
                    entry.clean()
                except ValidationError as exc:
                    self.stderr.write(f"fail {text}: {' '.join(exc.messages)}")
                    failed += 1
                    continue
                with transaction.atomic():
                    entry.save()
            state = "added" if existing is None else "already in the campaign"
            self.stdout.write(f"ok   {text}: {page} {state}")
        if failed:
            raise CommandError(f"{failed} page(s) could not be added to {campaign.slug!r}.")

    def do_list(self, options):
        rows = [
            [
                c.slug,
                c.title,
                moment(c.starts_at),
                str(c.entries.count()),
                number(c.target),
                "public" if c.public else "private",
            ]
            for c in Campaign.objects.all()
        ]
        if not rows:
            self.stdout.write("No campaigns yet: likewatch campaign create SLUG --title TITLE")
            return
        self.stdout.write(table(rows, ["slug", "title", "start", "pages", "target", "shown"]))


def _campaign(slug: str) -> Campaign:
    try:
        return Campaign.objects.get(slug=slug)
    except Campaign.DoesNotExist:
        raise CommandError(f"No campaign {slug!r}: see `likewatch campaign list`.") from None


def _pick_metric(pages, metric):
    from likewatch.sources.registry import source_class

    if metric:
        return next((p for p in pages if p.metric == metric), None)
    preferred = source_class(pages[0].platform).metrics
    return min(pages, key=lambda p: preferred.index(p.metric) if p.metric in preferred else 99)
