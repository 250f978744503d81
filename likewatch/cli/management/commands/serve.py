import uvicorn
from django.conf import settings
from django.core.management import call_command

from likewatch.cli.base import LikewatchCommand


class Command(LikewatchCommand):
    help = "Run the web server (the boards, the API and the admin)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="serve static files as they are"
        )

    def handle(self, *args, **options):
        if not options["no_collectstatic"]:
            # Collected files are pre-compressed (gzip, brotli): what keeps the first load small
            # on slow mobile data.
            settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        uvicorn.run(
            "likewatch.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="warning",
            lifespan="off",
            # At this log level no access line is written, but uvicorn would still format each
            # request's client and path before dropping them: work on every request of a crowd.
            access_log=False,
            # Each answer's headers and body in one write (likewatch.web.http_protocol).
            http="likewatch.web.http_protocol:CoalescingHttpToolsProtocol",
        )
