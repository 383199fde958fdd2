"""Compile locale/*/LC_MESSAGES/*.po into .mo files without GNU gettext.

Django's own `compilemessages` needs the msgfmt binary, which a bare machine with only Python does
not have; polib is pure Python and writes the same .mo format.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the portal's .po translation files into .mo files (pure Python, no msgfmt needed)."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                try:
                    catalog = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{po_path}: {exc}") from exc
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                done = len(catalog.translated_entries())
                total = len([e for e in catalog if not e.obsolete])
                self.stdout.write(f"{po_path.relative_to(settings.BASE_DIR)}: {done}/{total} translated")
                compiled += 1
        if not compiled:
            raise CommandError("No .po files found under LOCALE_PATHS")
