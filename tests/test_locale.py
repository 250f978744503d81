"""Every message the code marks for translation reads in French and Arabic.

The catalogues (likewatch/locale for the apps without their own, and each app's locale/) are
the translations' source; `make messages` brings them in step with the code and `make locale`
compiles them. A journalist quotes what the page says in their language: an untranslated or
fuzzy entry shows English (or an outdated sentence) in the middle of an Arabic page, and a
translation that drops or invents a placeholder drops a number or breaks the page.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.core.management import call_command

PACKAGE = Path(__file__).resolve().parent.parent / "likewatch"
LANGUAGES = ("fr", "ar")
NAMED = re.compile(r"%\((\w+)\)")


def catalogue_paths(root: Path = PACKAGE) -> list[Path]:
    return sorted(
        path
        for language in LANGUAGES
        for path in root.glob(f"**/locale/{language}/LC_MESSAGES/django.po")
    )


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def problems(catalog: Catalog) -> list[str]:
    """What keeps `catalog` from reading fully and exactly in its language, one line each."""
    found = []
    for message in catalog:
        if not message.id:
            continue  # the header
        ids = message.id if message.pluralizable else (message.id,)
        forms = message.string if message.pluralizable else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {ids[0]!r}")
        if not all(forms):
            found.append(f"untranslated: {ids[0]!r}")
            continue
        if message.pluralizable and len(forms) != catalog.num_plurals:
            found.append(f"{len(forms)} plural forms, not {catalog.num_plurals}: {ids[0]!r}")
        if "python-format" not in message.flags:
            continue
        # Formatted as the code formats it: a placeholder the English lacks is a KeyError on
        # the page, a stray % a ValueError.
        names = {name for text in ids for name in NAMED.findall(text)}
        for form in forms:
            try:
                form % dict.fromkeys(names, 1)
            except KeyError as exc:
                found.append(f"unknown placeholder {exc}: {ids[0]!r}")
            except (TypeError, ValueError) as exc:
                found.append(f"broken format ({exc}): {ids[0]!r}")
        # The last form is the general one ("other"): it shows every figure, as the English
        # plural does; Arabic's forms for none, one and two may say the number in words.
        lost = set(NAMED.findall(ids[-1])) - set(NAMED.findall(forms[-1]))
        if lost:
            found.append(f"drops {sorted(lost)}: {ids[0]!r}")
    return found


def relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root))


def test_every_catalogue_lists_its_own_language():
    paths = catalogue_paths()
    assert {p.parent.parent.name for p in paths} == set(LANGUAGES)
    for path in paths:
        assert str(read(path).locale) == path.parent.parent.name


@pytest.mark.parametrize("path", catalogue_paths(), ids=lambda p: relative(p, PACKAGE))
def test_each_catalogue_is_translated_with_no_fuzzy_entry_and_every_placeholder(path):
    assert problems(read(path)) == []


def test_the_checks_catch_what_a_catalogue_can_get_wrong():
    catalog = Catalog(locale="fr")
    catalog.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n > 1);")]
    catalog.add("Done", "Fait")
    catalog.add("Left", "")
    catalog.add("Old sentence", "Ancienne phrase", flags=["fuzzy"])
    catalog.add("%(size)s at %(start)s", "%(size)s", flags=["python-format"])
    catalog.add("%(page)s moved", "%(page)s et %(other)s", flags=["python-format"])
    catalog.add("%(share)d %% of pages", "%(share)d % des pages", flags=["python-format"])
    catalog.add(
        ("%(days)d day", "%(days)d days"),
        ("un jour", "quelques jours"),
        flags=["python-format"],
    )
    catalog.add(("%(n)d page", "%(n)d pages"), ("%(n)d page",), flags=["python-format"])
    assert problems(catalog) == [
        "untranslated: 'Left'",
        "fuzzy: 'Old sentence'",
        "drops ['start']: '%(size)s at %(start)s'",
        "unknown placeholder 'other': '%(page)s moved'",
        "broken format (not enough arguments for format string): '%(share)d %% of pages'",
        "drops ['days']: '%(days)d day'",
        "1 plural forms, not 2: '%(n)d page'",
    ]


def test_the_catalogues_hold_every_message_the_code_marks(tmp_path, settings, monkeypatch):
    """What `make messages` would merge into a copy of the catalogues: nothing new to
    translate, nothing gone from the code still listed."""
    copy = tmp_path / "likewatch"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "build", "static", "frontend"),
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=list(LANGUAGES), no_obsolete=True, verbosity=0)
    for path in catalogue_paths(copy):
        merged, kept = read(path), read(PACKAGE / path.relative_to(copy))
        name = relative(path, copy)
        assert problems(merged) == [], f"{name}: run `make messages` and translate"
        assert {m.id for m in merged if m.id} == {m.id for m in kept if m.id}, name
