from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "procurement_portal"
    verbose_name = "Procurement portal"
