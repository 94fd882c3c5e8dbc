from django.conf import settings


def site(request):
    """Configuration d'affichage, sans requête en base (remplace le SITE_CONFIG de django-dsfr)."""
    return {
        "SITE_CONFIG": {
            "site_title": "France services",
            "site_tagline": "Trouver un lieu d'accompagnement près de chez vous",
            "footer_description": "Le réseau France services vous accompagne dans vos démarches administratives.",
        },
        "DEBUG": settings.DEBUG,
    }
