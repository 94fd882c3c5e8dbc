from django.contrib import admin

from .models import Arret, Disponibilite, Fermeture, Permanence, RendezVous, TypeRendezVous


@admin.register(TypeRendezVous)
class TypeRendezVousAdmin(admin.ModelAdmin):
    list_display = ["libelle", "structure", "partenaire", "duree", "modalite", "actif"]
    list_filter = ["modalite", "actif"]
    search_fields = ["libelle", "structure__nom"]
    raw_id_fields = ["structure", "partenaire", "demarche"]


@admin.register(Disponibilite)
class DisponibiliteAdmin(admin.ModelAdmin):
    list_display = [
        "structure",
        "agent",
        "jour_semaine",
        "heure_debut",
        "heure_fin",
        "valable_du",
        "valable_au",
    ]
    raw_id_fields = ["structure", "agent"]


@admin.register(Permanence)
class PermanenceAdmin(admin.ModelAdmin):
    list_display = ["structure", "partenaire", "rang", "jour_semaine", "heure_debut", "heure_fin"]
    raw_id_fields = ["structure", "partenaire"]


@admin.register(Fermeture)
class FermetureAdmin(admin.ModelAdmin):
    list_display = ["structure", "du", "au", "motif"]
    raw_id_fields = ["structure"]


@admin.register(RendezVous)
class RendezVousAdmin(admin.ModelAdmin):
    list_display = ["debut", "structure", "type", "statut"]
    list_filter = ["statut"]
    raw_id_fields = ["structure", "type", "arret", "demande", "deplace_de", "statut_note_par"]
    # Données personnelles de l'usager : ni affichées ni modifiables ici (l'agenda de la structure, avec
    # journal d'accès, est l'endroit où les voir). Rendez-vous en lecture seule : on réserve par `actions`.
    exclude = ["nom", "telephone", "courriel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Arret)
class ArretAdmin(admin.ModelAdmin):
    list_display = ["libelle", "structure", "commune", "rang", "jour_semaine", "heure_debut", "heure_fin"]
    list_filter = ["jour_semaine"]
    search_fields = ["libelle", "structure__nom", "commune__nom"]
    raw_id_fields = ["structure", "commune"]
