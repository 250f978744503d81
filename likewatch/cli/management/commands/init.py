import getpass
import os
import secrets
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from likewatch.cli.base import LikewatchCommand


class Command(LikewatchCommand):
    help = "Create the database, a secret key and an organiser account."
    needs_database = False

    def add_arguments(self, parser):
        parser.add_argument("--username", help="the organiser account's name")
        parser.add_argument("--email", default="", help="the organiser's e-mail address")
        parser.add_argument(
            "--password-env",
            default="LIKEWATCH_PASSWORD",
            help="read the password from this environment variable (default LIKEWATCH_PASSWORD)",
        )
        parser.add_argument(
            "--no-input", action="store_true", help="never prompt; skip the account without one"
        )

    def handle(self, *args, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.ensure_secret_key()
        self.ensure_signing_key()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Database ready: {self.describe_database()}")
        self.ensure_organiser(options)

    def ensure_secret_key(self) -> None:
        if "SECRET_KEY" in os.environ or settings.SECRET_KEY_FILE.exists():
            return
        settings.SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50) + "\n")
        settings.SECRET_KEY_FILE.chmod(0o600)
        self.stdout.write(f"Secret key written to {settings.SECRET_KEY_FILE}")

    def ensure_signing_key(self) -> None:
        # The Ed25519 key that signs the daily digests of the evidence chain.
        from likewatch.evidence import keys

        path, created = keys.ensure_key()
        if created:
            key_id = keys.key_id(keys.public_key())
            self.stdout.write(f"Signing key {key_id} written to {path}")

    @staticmethod
    def describe_database() -> str:
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            return f"SQLite {db['NAME']}"
        return f"PostgreSQL {db['NAME']} on {db.get('HOST') or 'localhost'}"

    def ensure_organiser(self, options) -> None:
        User = get_user_model()
        username = options["username"]
        password = os.environ.get(options["password_env"], "")
        if not username:
            if options["no_input"] or User.objects.filter(is_superuser=True).exists():
                return
            username = _ask(lambda: input("Organiser account name: "), "the account's name").strip()
            if not username:
                raise CommandError("An organiser account needs a name.")
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"The organiser {username!r} exists already.")
            return
        if not password:
            if options["no_input"]:
                variable = options["password_env"]
                raise CommandError(
                    f"No password for {username!r}: set {variable} or drop --no-input."
                )
            variable = options["password_env"]
            if not sys.stdin.isatty():
                raise CommandError(
                    f"No password for {username!r}: standard input is not a terminal, so "
                    f"likewatch cannot ask for one. Set {variable}=... and run init again."
                )
            password = _ask(
                lambda: getpass.getpass(f"Password for {username}: "),
                f"a password (or set {variable})",
            )
        if len(password) < 8:
            raise CommandError("The password must have at least 8 characters.")
        with transaction.atomic():
            User.objects.create_superuser(username, options["email"], password)
        self.stdout.write(f"Organiser {username!r} created.")


def _ask(prompt, what: str) -> str:
    """The answer to a prompt; a clear error when there is nobody to answer it."""
    try:
        return prompt()
    except (EOFError, KeyboardInterrupt):
        raise CommandError(f"Standard input ended before {what} was given.") from None
