"""django-axes' app (the log-in records), under a name in the page's language.

Its own module: beside ``CasesConfig`` in ``cases/apps.py`` it would make Django unable to
tell which of the two is the ``cases`` app's."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    """The admin's sidebar and index headed the log-in records "AXES", the package's name,
    on Chinese pages too."""

    verbose_name = _("Log-in attempts")
