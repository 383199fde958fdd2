from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChemicalsConfig(AppConfig):
    name = "chemicals"
    verbose_name = _("Chemical content")
