import uvicorn

from likewatch.cli.base import LikewatchCommand


class Command(LikewatchCommand):
    help = "Run the web server (the boards, the API and the admin)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, **options):
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        uvicorn.run(
            "likewatch.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="warning",
            lifespan="off",
        )
