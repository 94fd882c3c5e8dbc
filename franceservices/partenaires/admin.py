from django.contrib import admin

from .models import Partenaire


@admin.register(Partenaire)
class PartenaireAdmin(admin.ModelAdmin):
    list_display = ["nom_court", "code", "presence", "depuis", "actif"]
    list_filter = ["presence", "actif"]
    search_fields = ["nom_court", "nom_complet", "code"]
