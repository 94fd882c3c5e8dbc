"""Actions des agents sur l'agenda d'une France services : venue, absence, annulation pour l'usager, conversion
d'un rendez-vous honoré en demandes d'activité, et paramétrage (types, disponibilités, permanences,
fermetures, arrêts) par le responsable.

Chaque action vérifie elle-même le droit de son auteur (la vue a déjà filtré par `visible_par`), verrouille
la ligne, refuse les transitions illégales par un `ValidationError` au message clair et écrit le journal
d'audit (RDV_STATUT, RDV_MODIFIE, RDV_PARAMETRAGE ; jamais le nom ni le téléphone de l'usager).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.activite import actions as actions_activite
from franceservices.activite.models import Canal
from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from . import actions
from .models import Arret, Disponibilite, Fermeture, Modalite, Permanence, RendezVous, Statut, TypeRendezVous

# Canal de la demande d'activité selon la modalité du rendez-vous (un arrêt de bus : itinérance).
CANAL_DE_MODALITE = {
    Modalite.PRESENTIEL: Canal.ACCUEIL_PHYSIQUE,
    Modalite.TELEPHONE: Canal.TELEPHONE,
    Modalite.VISIO: Canal.VISIO,
}
NOMS_PARAMETRES = {
    TypeRendezVous: "type",
    Disponibilite: "disponibilite",
    Permanence: "permanence",
    Fermeture: "fermeture",
    Arret: "arret",
}


def canal_du(rendez_vous) -> str:
    if rendez_vous.arret_id:
        return Canal.ITINERANCE
    return CANAL_DE_MODALITE.get(rendez_vous.type.modalite, Canal.ACCUEIL_PHYSIQUE)


# — Droits —


def peut_agir(utilisateur, structure_id: int) -> bool:
    """Noter une venue, une absence, annuler, convertir, prendre un rendez-vous : agents et responsables de la
    France services (l'équipe nationale consulte seulement)."""
    return structure_id in perimetre_de(utilisateur).structures


def peut_parametrer(utilisateur, structure_id: int) -> bool:
    """Paramétrer les rendez-vous : le responsable de la France services seulement."""
    return structure_id in perimetre_de(utilisateur).structures_responsable


def _exiger_agent(par, rendez_vous) -> None:
    if not peut_agir(par, rendez_vous.structure_id):
        raise PermissionDenied(
            "Seuls les agents et responsables de cette France services agissent sur ses rendez-vous."
        )


def _verrouiller(rendez_vous) -> RendezVous:
    return (
        RendezVous.objects.select_for_update(of=("self",))
        .select_related("type", "structure__departement")
        .get(pk=rendez_vous.pk)
    )


def _details(rdv, **autres) -> dict:
    return {"structure": rdv.structure_id, "type": rdv.type_id, "debut": rdv.debut.isoformat(), **autres}


# — Venue, absence, annulation —


def _noter_statut(par, rdv, statut, *, arrive_le, request) -> RendezVous:
    """Venue ou absence notée par `par` (ligne déjà verrouillée, transition déjà vérifiée), journalisée."""
    avant = rdv.statut
    rdv.statut = statut
    rdv.arrive_le = arrive_le
    rdv.statut_note_par = par
    rdv.save(update_fields=["statut", "arrive_le", "statut_note_par"])
    journaliser(
        Evenement.RDV_STATUT,
        request=request,
        acteur=par,
        cible=rdv,
        details=_details(rdv, de=avant, vers=statut),
    )
    return rdv


@transaction.atomic
def noter_venue(*, par, rendez_vous, maintenant: datetime | None = None, request=None) -> RendezVous:
    """« Arrivé » : le rendez-vous est honoré, à l'heure d'arrivée. Possible le jour même (ou après coup) ;
    une absence notée par erreur se corrige ainsi. Un rendez-vous annulé ou déjà honoré : refusé."""
    maintenant = maintenant or timezone.now()
    rdv = _verrouiller(rendez_vous)
    _exiger_agent(par, rdv)
    if rdv.statut == Statut.ANNULE:
        raise ValidationError("Ce rendez-vous a été annulé : on ne peut pas noter la venue de l'usager.")
    if rdv.statut == Statut.HONORE:
        raise ValidationError("La venue de l'usager est déjà notée.")
    fuseau = rdv.structure.fuseau
    jour = rdv.debut.astimezone(fuseau).date()
    if jour > maintenant.astimezone(fuseau).date():
        raise ValidationError(f"Ce rendez-vous est prévu le {jour:%d/%m/%Y} : la venue se note le jour même.")
    return _noter_statut(par, rdv, Statut.HONORE, arrive_le=maintenant, request=request)


@transaction.atomic
def noter_absence(*, par, rendez_vous, maintenant: datetime | None = None, request=None) -> RendezVous:
    """« Absent » : seulement une fois l'heure du rendez-vous passée, et s'il était prévu."""
    maintenant = maintenant or timezone.now()
    rdv = _verrouiller(rendez_vous)
    _exiger_agent(par, rdv)
    if rdv.statut != Statut.PREVU:
        raise ValidationError(
            f"Ce rendez-vous est « {rdv.get_statut_display().lower()} » : on ne peut plus noter d'absence."
        )
    if rdv.debut > maintenant:
        heure = rdv.debut.astimezone(rdv.structure.fuseau)
        raise ValidationError(
            f"Le rendez-vous commence le {heure:%d/%m/%Y à %H:%M} : l'absence se note une fois l'heure passée."
        )
    return _noter_statut(par, rdv, Statut.ABSENT, arrive_le=None, request=request)


@transaction.atomic
def annuler_par_agent(
    *, par, rendez_vous, motif: str, maintenant: datetime | None = None, request=None
) -> RendezVous:
    """Annule pour l'usager (qui a appelé, ou empêchement de la France services) ; l'usager est prévenu
    (`actions.annuler`). Le motif est obligatoire et gardé au journal."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif": "Indiquez le motif de l'annulation."})
    rdv = _verrouiller(rendez_vous)
    _exiger_agent(par, rdv)
    if rdv.statut == Statut.ANNULE:
        raise ValidationError("Ce rendez-vous est déjà annulé.")
    rdv = actions.annuler(rendez_vous=rdv, par=par, maintenant=maintenant, request=request)
    journaliser(
        Evenement.RDV_MODIFIE,
        request=request,
        acteur=par,
        cible=rdv,
        details=_details(rdv, action="motif_annulation", motif=motif[:300]),
    )
    return rdv


# — Conversion en demandes d'activité —


@transaction.atomic
def convertir_en_demandes(*, par, rendez_vous, demandes: list, request=None):
    """Enregistre les demandes (non sauvegardées, d'une même visite, préparées par le formulaire de saisie de
    l'activité) d'un rendez-vous honoré ; la première est liée au rendez-vous. Une seule conversion par
    rendez-vous : une seconde est refusée."""
    rdv = _verrouiller(rendez_vous)
    _exiger_agent(par, rdv)
    if rdv.statut != Statut.HONORE:
        raise ValidationError(
            "Seul un rendez-vous honoré (usager venu) donne lieu à des demandes : notez d'abord sa venue."
        )
    if rdv.demande_id is not None:
        raise ValidationError("Les demandes de ce rendez-vous sont déjà enregistrées.")
    if not demandes:
        raise ValidationError("Indiquez au moins une demande.")
    if any(d.structure_id != rdv.structure_id for d in demandes):
        raise ValidationError("Les demandes d'un rendez-vous relèvent de sa France services.")
    resultat = actions_activite.enregistrer(demandes)
    toutes = resultat.toutes
    rdv.demande = toutes[0]
    rdv.save(update_fields=["demande"])
    journaliser(
        Evenement.RDV_STATUT,
        request=request,
        acteur=par,
        cible=rdv,
        details=_details(rdv, action="conversion", demandes=[d.pk for d in toutes]),
    )
    return resultat


# — Paramétrage —


def _exiger_responsable(par, structure_id: int) -> None:
    if not peut_parametrer(par, structure_id):
        raise PermissionDenied("Seul le responsable de la France services paramètre ses rendez-vous.")


def _valeur(objet, champ):
    valeur = getattr(objet, champ.attname)
    return valeur.isoformat() if hasattr(valeur, "isoformat") else valeur


def _instantane(objet) -> dict:
    return {
        c.name: _valeur(objet, c)
        for c in objet._meta.concrete_fields
        if c.name not in {"cree_le", "modifie_le"}
    }


@transaction.atomic
def enregistrer_parametre(*, par, element, request=None):
    """Crée ou modifie un élément du paramétrage (type, disponibilité, permanence, fermeture, arrêt) déjà
    validé par son formulaire ; le journal garde les champs changés."""
    _exiger_responsable(par, element.structure_id)
    nouveau = element.pk is None
    avant = {}
    if not nouveau:
        ancien = type(element).objects.select_for_update().get(pk=element.pk)
        if ancien.structure_id != element.structure_id:
            raise PermissionDenied("Un élément ne change pas de France services.")
        avant = _instantane(ancien)
    element.full_clean()
    element.save()
    apres = _instantane(element)
    journaliser(
        Evenement.RDV_PARAMETRAGE,
        request=request,
        acteur=par,
        cible=element,
        details={
            "structure": element.structure_id,
            "objet": NOMS_PARAMETRES[type(element)],
            "action": "creation" if nouveau else "modification",
            "changements": {k: v for k, v in apres.items() if avant.get(k) != v and k != "id"},
        },
    )
    return element


@transaction.atomic
def supprimer_parametre(*, par, element, request=None) -> None:
    """Supprime un élément du paramétrage. Un type ou un arrêt qui a des rendez-vous ne se supprime pas (on le
    désactive, ou on le borne dans le temps) : l'historique des rendez-vous y renvoie."""
    _exiger_responsable(par, element.structure_id)
    if isinstance(element, TypeRendezVous) and element.rendez_vous.exists():
        raise ValidationError(
            "Ce type a des rendez-vous : désactivez-le plutôt (il ne sera plus proposé, "
            "les rendez-vous pris restent)."
        )
    if isinstance(element, Arret) and element.rendez_vous.exists():
        raise ValidationError(
            "Cet arrêt a des rendez-vous : indiquez plutôt une date de fin de desserte (« au »)."
        )
    journaliser(
        Evenement.RDV_PARAMETRAGE,
        request=request,
        acteur=par,
        cible=element,
        details={
            "structure": element.structure_id,
            "objet": NOMS_PARAMETRES[type(element)],
            "action": "suppression",
            "avant": _instantane(element),
        },
    )
    element.delete()


def rendez_vous_a_venir(type_, maintenant: datetime | None = None) -> int:
    """Rendez-vous prévus à venir d'un type (avertissement quand on le désactive : ils restent honorés)."""
    maintenant = maintenant or timezone.now()
    return type_.rendez_vous.filter(statut=Statut.PREVU, debut__gt=maintenant).count()
