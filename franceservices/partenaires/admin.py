from django.contrib import admin

from .models import FormationPilote, Partenaire, Pilote


@admin.register(Partenaire)
class PartenaireAdmin(admin.ModelAdmin):
    list_display = ["nom_court", "code", "presence", "depuis", "actif"]
    list_filter = ["presence", "actif"]
    search_fields = ["nom_court", "nom_complet", "code"]


class LectureSeule:
    """Pilotes et formations se déclarent par les pages /partenaires/pilotes/ (ou `declarer_pilote`), qui
    contrôlent le périmètre et écrivent le journal d'audit : l'admin ne sert qu'à les consulter."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FormationInline(LectureSeule, admin.TabularInline):
    model = FormationPilote
    fields = ["agent", "formee_le", "declaree_par", "declaree_le"]
    readonly_fields = fields
    extra = 0


@admin.register(Pilote)
class PiloteAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["nom", "partenaire", "debut", "fin", "formation_requise"]
    list_filter = ["partenaire", "formation_requise"]
    search_fields = ["nom"]
    filter_horizontal = ["departements", "structures"]
    inlines = [FormationInline]


@admin.register(FormationPilote)
class FormationPiloteAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["agent", "pilote", "formee_le", "declaree_par"]
    list_filter = ["pilote"]
    search_fields = ["agent__email", "agent__last_name"]
    list_select_related = ["agent", "pilote", "declaree_par"]
