from django.core.management.base import BaseCommand

from suppliers.reference_data import load_demo, read_fixture
from surveys.demo_data import load_demo_surveys


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo buyer group, suppliers, sites, users and survey campaigns, "
        "and print the logins."
    )

    def handle(self, *args, **options):
        logins = load_demo()
        campaigns = load_demo_surveys()
        password = read_fixture("demo/demo.json")["password"]
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/ with:"))
        width = max(len(email) for email, _, _ in logins)
        for email, role, organisation in logins:
            self.stdout.write(f"  {email.ljust(width)}  {role:<22} {organisation}")
        self.stdout.write(f"  password for all demo users: {password}")
        if campaigns:
            self.stdout.write(f"  survey campaigns created: {', '.join(campaigns)}")
