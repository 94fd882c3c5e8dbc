"""Représentation publique (API) d'une France services."""

from django.urls import reverse

from .models import Structure


def resume(structure: Structure) -> dict:
    return {
        "id_fs": structure.id_fs,
        "nom": structure.nom,
        "adresse": structure.adresse,
        "code_postal": structure.code_postal,
        "commune": structure.commune.nom if structure.commune else structure.libelle_commune,
        "code_insee": structure.code_insee,
        "departement": structure.departement.code,
        "lat": structure.latitude,
        "lon": structure.longitude,
        "telephone": structure.telephone,
        "email": structure.email,
        "type": structure.type,
        "format": structure.format,
        "url": reverse("structures:detail", args=[structure.id_fs]),
    }
