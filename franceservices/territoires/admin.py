from django.contrib import admin

from .models import Commune, Departement, JourFerie, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "zone"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "region", "zone"]
    list_select_related = ["region"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code_insee", "nom", "type", "departement", "population"]
    list_filter = ["type"]
    search_fields = ["code_insee", "nom", "codes_postaux"]
    list_select_related = ["departement"]
    raw_id_fields = ["commune_parente"]


@admin.register(JourFerie)
class JourFerieAdmin(admin.ModelAdmin):
    list_display = ["date", "nom", "zone"]
    list_filter = ["zone"]
