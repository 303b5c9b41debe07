"""The project's settings, with URLs that lead to the baseline view only."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "baseline.urls"
