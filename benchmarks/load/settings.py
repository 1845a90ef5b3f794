"""The app's settings with two reference views added, for ``scale_benchmark.py``'s load phase
only (its gunicorn runs with ``DJANGO_SETTINGS_MODULE=benchmarks.load.settings``)."""

from landreform.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load.urls"
