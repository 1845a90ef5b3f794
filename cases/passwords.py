"""Password rules, as Django's, with their messages in the user's language.

Django 5.2's Chinese catalogue lacks the error of its minimum-length rule (the message changed
from ``%(min_length)d`` to ``%d`` and the translation was not carried over), so a Chinese page
said "This password is too short. It must contain at least 8 characters." The same messages,
written here, are extracted into this project's catalogue, which takes precedence over
Django's (``LOCALE_PATHS``).
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return (
            ngettext(
                "This password is too short. It must contain at least %d character.",
                "This password is too short. It must contain at least %d characters.",
                self.min_length,
            )
            % self.min_length
        )
