"""Actions sur le registre (effets de bord : historique, journal d'audit, index de proximité)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .horaires import JOURS, HorairesSemaine
from .importation import anomalies_d_horaires, anomalies_de_contact
from .models import Anomalie, ModificationStructure, Structure
from .proximite import invalider_index

CHAMPS_COORDONNEES = (
    "telephone",
    "email",
    "adresse",
    "complement_adresse",
    "code_postal",
    "prise_rdv",
    "commentaire",
)


@transaction.atomic
def modifier_structure(
    *, par, structure: Structure, donnees: dict, request=None
) -> ModificationStructure | None:
    """Enregistre coordonnées et horaires d'une fiche ; n'écrit que ce qui change.

    `donnees` : valeurs de `CHAMPS_COORDONNEES` (celles présentes) et `horaires` (HorairesSemaine).
    Heures et jours d'ouverture sont recalculés. Un changement → une ligne d'historique
    {champ: [avant, après]} (horaires : un champ `horaires_<jour>` par jour modifié, en clair) et un
    événement d'audit. Rien de changé → rien d'écrit, renvoie None.
    """
    if not perimetre_de(par).peut_gerer_structure(structure):
        raise PermissionDenied("Vous ne gérez pas cette France services.")
    actuelle = Structure.objects.select_for_update().get(pk=structure.pk)
    changements: dict[str, list] = {}
    for champ in CHAMPS_COORDONNEES:
        if champ in donnees and getattr(actuelle, champ) != donnees[champ]:
            changements[champ] = [getattr(actuelle, champ), donnees[champ]]
            setattr(actuelle, champ, donnees[champ])
    semaine: HorairesSemaine | None = donnees.get("horaires")
    if semaine is not None:
        avant = actuelle.semaine
        for jour in JOURS:
            if avant.jour(jour).vers_json() != semaine.jour(jour).vers_json():
                changements[f"horaires_{jour}"] = [avant.jour(jour).en_texte(), semaine.jour(jour).en_texte()]
        actuelle.horaires = semaine.vers_json()
        for champ, valeur in (
            ("heures_par_semaine", semaine.heures_par_semaine()),
            ("jours_ouverts", semaine.jours_ouverts()),
        ):
            if getattr(actuelle, champ) != valeur:
                changements[champ] = [getattr(actuelle, champ), valeur]
                setattr(actuelle, champ, valeur)
    if not changements:
        return None
    actuelle.save()
    actualiser_anomalies(actuelle, set(changements))
    modification = ModificationStructure.objects.create(
        structure=actuelle, auteur=par, changements=changements
    )
    journaliser(
        Evenement.STRUCTURE_MODIFIEE,
        request=request,
        acteur=par,
        cible=actuelle,
        details={"champs": sorted(changements), "modification": modification.pk},
    )
    # Ce processus recharge l'index tout de suite ; les autres dans les 5 s (modifie_le a changé).
    transaction.on_commit(invalider_index)
    return modification


def actualiser_anomalies(structure: Structure, champs: set[str]) -> None:
    """Les anomalies relevées à l'import sur les champs que l'équipe vient de modifier sont recalculées
    sur les nouvelles valeurs (un téléphone corrigé n'est plus signalé invalide)."""
    a_effacer, nouvelles = Q(pk__in=[]), []
    if champs & {"telephone", "email"}:
        a_effacer |= Q(champ__in=["telephone", "email"])
        nouvelles += anomalies_de_contact(structure.telephone, structure.email)
    if any(c.startswith("horaires_") for c in champs) or champs & {"heures_par_semaine", "jours_ouverts"}:
        a_effacer |= Q(champ__startswith="h_") | Q(champ="horaires")
        nouvelles += anomalies_d_horaires(
            HorairesSemaine.depuis_json(structure.horaires), structure.format, notes=False
        )
    structure.anomalies.filter(a_effacer).delete()
    Anomalie.objects.bulk_create([Anomalie(structure=structure, champ=c, anomalie=a) for c, a in nouvelles])
