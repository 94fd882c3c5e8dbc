from django.contrib import admin

from .models import Orientation


@admin.register(Orientation)
class OrientationAdmin(admin.ModelAdmin):
    list_display = ["pk", "sens", "structure", "lieu", "etat", "envoyee_le"]
    list_filter = ["sens", "etat"]
    raw_id_fields = ["structure", "lieu", "departement", "envoyee_par", "repondue_par", "consentement_par"]
    exclude = ["prenom", "telephone", "courriel"]
