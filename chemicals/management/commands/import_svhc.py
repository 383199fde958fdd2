"""python manage.py import_svhc <file>: replace the SVHC register with ECHA's candidate-list export."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chemicals import services, svhc


class Command(BaseCommand):
    help = (
        "Replace the REACH SVHC candidate list register with an export of ECHA's candidate-list table "
        "(.xlsx or .csv). Nothing changes unless the whole file is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--allow-removals",
            action="store_true",
            help="Accept a file that removes more than a few register entries (normally a partial export).",
        )

    def handle(self, *args, file: Path, allow_removals: bool, **options):
        try:
            size = file.stat().st_size
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        if size > svhc.MAX_BYTES:
            raise CommandError(f"{file}: {size} bytes; the limit is {svhc.MAX_BYTES} bytes")
        data = file.read_bytes()
        export = svhc.read_export(data)
        if not export.ok:
            lines = [f"{file.name}: {len(export.problems)} problem(s); the register was not changed."]
            lines += [f"  {problem}" for problem in export.problems]
            raise CommandError("\n".join(lines))
        rows = export.register_rows()
        source = f"ECHA candidate list export {file.name} (sha256 {hashlib.sha256(data).hexdigest()[:12]})"
        try:
            counts = services.svhc_register_replace(
                rows, source=source, max_removed=None if allow_removals else 10
            )
        except services.SvhcImportRefused as exc:
            raise CommandError(f"{file.name}: {exc}") from exc
        self.stdout.write(
            f"{file.name}: {len(export.entries)} candidate list entries, {counts.total} register rows; "
            f"added {counts.added}, removed {counts.removed}, updated {counts.updated}, "
            f"unchanged {counts.unchanged}"
        )
