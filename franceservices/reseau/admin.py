"""Administration de la vie du réseau : consultation (les écritures passent par les pages, qui vérifient le
périmètre, comptent les places sous verrou, invitent et journalisent). La table d'envoi se consulte ici
pour suivre les courriels en échec."""

from django.contrib import admin

from .models import Envoi, EvenementReseau, Publication


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EvenementReseau)
class EvenementReseauAdmin(LectureSeule):
    list_display = ["titre", "type", "debut", "portee", "departement", "region", "capacite", "annule_le"]
    list_filter = ["type", "portee"]
    search_fields = ["titre"]
    date_hierarchy = "debut"


@admin.register(Publication)
class PublicationAdmin(LectureSeule):
    list_display = [
        "titre",
        "type",
        "publiee_le",
        "portee",
        "departement",
        "region",
        "epinglee",
        "retiree_le",
    ]
    list_filter = ["type", "portee", "epinglee"]
    search_fields = ["titre"]


@admin.register(Envoi)
class EnvoiAdmin(LectureSeule):
    list_display = ["evenement", "personne", "sorte", "cree_le", "envoye_le", "tentatives", "abandonne_le"]
    list_filter = ["sorte"]
    raw_id_fields = ["evenement", "personne"]
