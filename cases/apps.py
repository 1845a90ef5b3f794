from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Land consolidation cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import middleware  # noqa: F401  (connects the log-in time receiver)
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="cases.ensure_roles")
