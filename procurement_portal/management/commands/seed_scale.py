from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from procurement_portal import scale_data

# SQLite is for the tests' tiny data sets; a benchmark-sized set belongs on PostgreSQL (COPY).
SQLITE_LIMITS = {"suppliers": 500, "products": 5_000, "substances": 50_000}


class Command(BaseCommand):
    help = (
        "Build a large, realistic data set for benchmarks (suppliers, surveys with real scores, products "
        "with real verdicts, declarations, certificates) and print the logins. PostgreSQL for large sizes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--suppliers", type=int, default=10_000)
        parser.add_argument("--products", type=int, default=100_000)
        parser.add_argument("--substances", type=int, default=1_000_000, help="substance entries in all")
        parser.add_argument("--seed", type=int, default=1, help="the same seed builds the same data")
        parser.add_argument(
            "--password", default=scale_data.DEFAULT_PASSWORD, help="for the three known logins"
        )
        parser.add_argument(
            "--pdfs", type=int, default=2, help="certificates of the known supplier rendered as real PDFs"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="remove the rows of an earlier run first (units and files stay)",
        )

    def handle(self, *args, **options):
        sizes = {key: options[key] for key in SQLITE_LIMITS}
        if connection.vendor == "sqlite" and any(sizes[k] > limit for k, limit in SQLITE_LIMITS.items()):
            limits = ", ".join(f"--{k} {v:,}" for k, v in SQLITE_LIMITS.items())
            raise CommandError(
                f"SQLite takes small sizes only ({limits} at most); "
                "set DATABASE_URL to a PostgreSQL database."
            )
        if options["reset"]:
            removed = scale_data.purge_scale_data()
            self.stdout.write(f"removed earlier scale data: {sum(removed.values()):,} rows")
        call_command("load_reference_data", stdout=self.stdout)
        scale_options = scale_data.ScaleOptions(
            suppliers=sizes["suppliers"],
            products=sizes["products"],
            substances=sizes["substances"],
            seed=options["seed"],
            password=options["password"],
            pdfs=options["pdfs"],
        )
        try:
            summary = scale_data.seed_scale(scale_options, log=self.stdout.write)
        except scale_data.ScaleDataError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(seconds for _, seconds in summary.timings)
        self.stdout.write(self.style.SUCCESS(f"Scale data ready in {total:.1f} s on {connection.vendor}."))
        for table, count in sorted(summary.counts.items()):
            self.stdout.write(f"  {table:<34} {count:>10,}")
        verdicts = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.verdicts.items()))
        self.stdout.write(f"  product verdicts: {verdicts}")
        self.stdout.write(
            f"  engine runs reused: {summary.survey_templates} answer sets, "
            f"{summary.product_templates} product trees"
        )
        password = options["password"]
        self.stdout.write(f"Logins (password: {password}):")
        self.stdout.write(f"  {scale_data.STAFF_EMAIL:<32} administrator (whole group)")
        self.stdout.write(
            f"  {scale_data.UNIT_STAFF_EMAIL:<32} procurement manager, {summary.unit_staff_unit}"
        )
        self.stdout.write(
            f"  {scale_data.SUPPLIER_EMAIL:<32} supplier administrator, supplier #{summary.known_supplier_id}"
        )
