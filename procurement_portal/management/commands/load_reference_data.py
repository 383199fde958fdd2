from django.core.management.base import BaseCommand, CommandError

from chemicals.reference_data import ReferenceDataError
from chemicals.reference_data import load_all as load_chemicals
from suppliers.reference_data import load_categories
from surveys.questionnaire import QuestionnaireError
from surveys.reference_data import load_questionnaires


class Command(BaseCommand):
    help = "Load the versioned reference data under fixtures/ (idempotent: unchanged files are skipped)."

    def handle(self, *args, **options):
        self.stdout.write(f"supplier categories: {load_categories()}")
        try:
            counts = load_chemicals()
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        try:
            self.stdout.write(f"questionnaire versions (new): {load_questionnaires()}")
        except QuestionnaireError as exc:
            raise CommandError(str(exc)) from exc
