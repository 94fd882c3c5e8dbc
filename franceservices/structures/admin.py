from django.contrib import admin

from .models import Anomalie, Structure


class AnomalieEnLigne(admin.TabularInline):
    model = Anomalie
    extra = 0
    can_delete = False
    readonly_fields = ["champ", "anomalie", "detectee_le"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["id_fs", "nom", "departement", "format", "type", "heures_par_semaine", "prise_rdv"]
    list_filter = ["format", "type", "prise_rdv", "source", "departement"]
    search_fields = ["id_fs", "nom", "libelle_commune", "code_postal"]
    list_select_related = ["departement"]
    raw_id_fields = ["commune"]
    readonly_fields = [
        "horaires",
        "horaires_source",
        "heures_par_semaine",
        "jours_ouverts",
        "cree_le",
        "modifie_le",
    ]
    inlines = [AnomalieEnLigne]
