import pytest


@pytest.fixture(autouse=True)
def stockage_en_memoire(settings):
    """Les pièces jointes des tests sont stockées en mémoire (jamais dans var/media)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
