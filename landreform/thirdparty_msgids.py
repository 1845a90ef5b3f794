"""Messages of third-party apps that have no Simplified Chinese catalog of their own.

Never imported: ``makemessages`` reads these ``gettext_noop`` calls so that the msgids land in
locale/zh_Hans/LC_MESSAGES/django.po, and Django prefers the project's catalog (LOCALE_PATHS)
over an app's, so the admin shows them in Chinese. Keep each msgid exactly as the app writes it.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN = [
    # The app list's table headers (django/contrib/admin/templates/admin/app_list.html),
    # new in Django 5.1 and not yet in Django's zh_Hans catalog.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]

DJANGO_AXES = [
    # django-axes (the log-in lockout): model names shown on the admin index and its pages.
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access Attempt"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]
