from django.contrib import admin

from .models import LieuMediation


@admin.register(LieuMediation)
class LieuMediationAdmin(admin.ModelAdmin):
    list_display = ["nom", "departement", "identifiant"]
    list_filter = ["departement"]
    search_fields = ["nom", "identifiant"]
    raw_id_fields = ["commune"]
