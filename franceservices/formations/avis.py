"""Avis des agents après une session : dépôt (une fois, par un agent présent, session terminée) et
résultats agrégés par module et par organisme.

Anonymat : les résultats ne montrent que des agrégats (nombre d'avis, moyennes), et rien en dessous de
`SEUIL_ANONYMAT` avis (moyennes masquées, et avis des modules masqués exclus des lignes par organisme) ;
les commentaires ne sont pas affichés.
Le dépôt d'un avis n'est pas journalisé dans l'audit : le journal relierait l'avis à son auteur.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone

from .models import Avis, Inscription, Presence, Statut

SEUIL_ANONYMAT = 5
NOTES = [(n, str(n)) for n in range(1, 6)]


def raison_hors_avis(inscription, *, maintenant=None) -> str | None:
    """Sans requête : None si la session s'y prête (présent, session terminée), sinon la raison."""
    maintenant = maintenant or timezone.now()
    if inscription.statut != Statut.CONFIRMEE or inscription.presence != Presence.PRESENT:
        return "Vous pouvez donner votre avis sur une session à laquelle vous avez été présent."
    if inscription.session.fin > maintenant:
        return "Vous pourrez donner votre avis à la fin de la session."
    return None


def peut_donner_avis(inscription, *, maintenant=None) -> str | None:
    """None si l'agent peut donner son avis sur cette inscription, sinon la raison (phrase)."""
    if raison := raison_hors_avis(inscription, maintenant=maintenant):
        return raison
    if Avis.objects.filter(inscription=inscription).exists():
        return "Vous avez déjà donné votre avis sur cette session : merci !"
    return None


def _note(label: str, aide: str) -> forms.TypedChoiceField:
    """Note de 1 à 5, en boutons radio."""
    return forms.TypedChoiceField(
        label=label,
        help_text=aide,
        choices=NOTES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Donnez une note de 1 à 5.",
            "invalid_choice": "Donnez une note de 1 à 5.",
        },
    )


class AvisForm(forms.ModelForm):
    utilite = _note("Utilité pour mon travail", "1 : pas utile ; 5 : très utile.")
    clarte = _note("Clarté", "1 : confus ; 5 : très clair.")
    cas_concrets = _note("Place des cas concrets", "1 : aucun ; 5 : beaucoup, bien choisis.")
    commentaire = forms.CharField(
        label="Commentaire (facultatif)",
        help_text="2 000 caractères au plus. Ne citez personne : les avis sont anonymes.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "Le commentaire dépasse 2 000 caractères (%(show_value)d)."},
    )

    class Meta:
        model = Avis
        fields = ["utilite", "clarte", "cas_concrets", "commentaire"]


@transaction.atomic
def donner_avis(*, par, inscription, utilite, clarte, cas_concrets, commentaire="") -> Avis:
    """Enregistre l'avis de `par` sur son inscription. ValidationError si ce n'est pas (ou plus) possible."""
    inscription = Inscription.objects.select_for_update().select_related("session").get(pk=inscription.pk)
    if inscription.agent_id != par.pk:
        raise ValidationError("Seul l'agent inscrit peut donner son avis sur cette session.")
    if raison := peut_donner_avis(inscription):
        raise ValidationError(raison)
    avis = Avis(
        inscription=inscription,
        utilite=utilite,
        clarte=clarte,
        cas_concrets=cas_concrets,
        commentaire=(commentaire or "").strip(),
    )
    avis.full_clean(exclude=["inscription"])
    try:
        with transaction.atomic():
            avis.save()
    except IntegrityError as erreur:  # deux envois simultanés
        raise ValidationError("Vous avez déjà donné votre avis sur cette session : merci !") from erreur
    return avis


@dataclass
class Resultat:
    libelle: str
    nombre: int
    utilite: float | None
    clarte: float | None
    cas_concrets: float | None

    @property
    def masque(self) -> bool:
        return self.nombre < SEUIL_ANONYMAT


def _agreger(avis, cle, libelles=None) -> list[Resultat]:
    lignes = (
        avis.values(cle)
        .annotate(
            nombre=Count("pk"), utilite=Avg("utilite"), clarte=Avg("clarte"), cas_concrets=Avg("cas_concrets")
        )
        .order_by(cle)
    )
    resultats = []
    for ligne in lignes:
        masque = ligne["nombre"] < SEUIL_ANONYMAT
        resultats.append(
            Resultat(
                libelle=(libelles or {}).get(ligne[cle], ligne[cle]),
                nombre=ligne["nombre"],
                utilite=None if masque else round(float(ligne["utilite"]), 1),
                clarte=None if masque else round(float(ligne["clarte"]), 1),
                cas_concrets=None if masque else round(float(ligne["cas_concrets"]), 1),
            )
        )
    return sorted(resultats, key=lambda r: str(r.libelle).lower())


def resultats(avis=None) -> dict[str, list[Resultat]]:
    """Résultats par module et par organisme (deux requêtes groupées, plus les titres des modules).

    Les avis d'un module masqué (moins de `SEUIL_ANONYMAT`) n'entrent pas dans la ligne de son organisme :
    sinon, la moyenne de l'organisme moins celles de ses autres modules révélerait les notes masquées."""
    from .models import Module

    avis = Avis.objects.all() if avis is None else avis
    par_module = _agreger(avis, "inscription__session__module_id")
    masques = [r.libelle for r in par_module if r.masque]
    titres = dict(Module.objects.filter(pk__in=[r.libelle for r in par_module]).values_list("pk", "titre"))
    for r in par_module:
        r.libelle = titres.get(r.libelle, "—")
    par_module.sort(key=lambda r: r.libelle.lower())
    organismes = _agreger(
        avis.exclude(inscription__session__module_id__in=masques), "inscription__session__module__organisme"
    )
    return {"modules": par_module, "organismes": organismes}
