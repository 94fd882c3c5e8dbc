from .outils import simulateur, simulateur_url  # noqa: F401
