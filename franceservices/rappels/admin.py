from django.contrib import admin

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import DecisionOrientation, DemandeRappel, TentativeRappel


class TentativeEnLigne(admin.TabularInline):
    model = TentativeRappel
    extra = 0
    readonly_fields = ["agent", "le", "resultat"]
    can_delete = False


@admin.register(DemandeRappel)
class DemandeRappelAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "cree_le",
        "structure",
        "departement",
        "partenaire",
        "statut",
        "echeance",
        "synthetique",
    ]
    list_filter = ["statut", "origine", "synthetique"]
    list_select_related = ["structure", "departement", "partenaire"]
    # Le téléphone et l'adresse électronique ne sont pas affichés en liste ni cherchés : accès aux données personnelles par la fiche.
    raw_id_fields = ["structure", "departement", "partenaire", "attribuee_a", "demande"]
    readonly_fields = [
        "consentement",
        "consentement_le",
        "premier_contact_le",
        "notification_echec_prevue_le",
        "notification_echec_envoyee_le",
        "anonymisee_le",
        "synthetique",
    ]
    inlines = [TentativeEnLigne]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Ouvrir la fiche, c'est voir un numéro de téléphone : accès journalisé."""
        reponse = super().change_view(request, object_id, form_url, extra_context)
        objet = getattr(reponse, "context_data", {}).get("original")
        if objet is not None and request.method == "GET":
            journaliser(
                Evenement.ACCES_DONNEES_PERSONNELLES,
                request=request,
                cible=objet,
                details={"action": "rappel_consulte_admin"},
            )
        return reponse


@admin.register(DecisionOrientation)
class DecisionOrientationAdmin(admin.ModelAdmin):
    list_display = ["le", "orientation", "partenaire", "departement", "code_insee"]
    list_filter = ["orientation"]
    list_select_related = ["partenaire", "departement"]

    def has_change_permission(self, request, obj=None):
        return False
