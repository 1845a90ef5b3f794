"""Fast settings for the test suite: MD5 hasher, in-memory cache, no manifest storage."""

from landreform.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Roster imports run inside the request, so the test database sees them.
IMPORT_JOBS_IN_THREAD = False
# Figures counted on every request; the tests of keeping them turn it on.
PROJECT_FIGURES_SECONDS = 0
