"""Administration de l'animation : objectifs et grille (aussi modifiables par les pages de l'équipe nationale) ;
visites et actions en lecture seule (elles passent par les pages, qui journalisent)."""

from django.contrib import admin

from .models import ActionSuivi, ObjectifCouverture, PointControle, Visite


@admin.register(ObjectifCouverture)
class ObjectifCouvertureAdmin(admin.ModelAdmin):
    list_display = ["libelle", "part_cible", "strictement_superieure", "echeance", "modifie_le"]
    readonly_fields = ["modifie_le", "modifie_par"]


@admin.register(PointControle)
class PointControleAdmin(admin.ModelAdmin):
    list_display = ["libelle", "ordre", "actif"]
    list_filter = ["actif"]


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visite)
class VisiteAdmin(LectureSeule):
    list_display = ["structure", "date", "auteur"]
    list_select_related = ["structure", "auteur"]
    date_hierarchy = "date"


@admin.register(ActionSuivi)
class ActionSuiviAdmin(LectureSeule):
    list_display = ["libelle", "visite", "echeance", "faite_le", "relance_envoyee_le"]
    list_select_related = ["visite"]
