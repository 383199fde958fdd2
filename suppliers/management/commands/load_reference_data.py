from django.core.management.base import BaseCommand

from suppliers.reference_data import load_categories


class Command(BaseCommand):
    help = "Load the versioned reference data under fixtures/ (idempotent)."

    def handle(self, *args, **options):
        count = load_categories()
        self.stdout.write(f"supplier categories: {count}")
