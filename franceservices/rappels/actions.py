"""Actions sur les demandes de rappel : demander, attribuer, noter une tentative, clore. Toutes journalisées.

Audit : `RAPPEL_DEMANDE` à l'enregistrement, `RAPPEL_TRAITE` pour l'attribution, chaque tentative et la
clôture ; `details["action"]` dit laquelle. Une demande de rappel porte un numéro de téléphone : la traiter,
c'est y accéder — l'événement garde la trace de qui l'a fait (acteur) et sur quelle demande (cible).
La consultation de la fiche (sans action) est journalisée par la vue comme `ACCES_DONNEES_PERSONNELLES`.

Au deuxième échec, `noter_tentative` pose `notification_echec_prevue_le` et confie l'envoi du SMS (et du
courriel s'il y en a un) à une tâche de fond après validation (`notifications.planifier_echec`).
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement
from franceservices.core.telephone import normaliser_telephone

from .models import STATUTS_CLOS, Creneau, DemandeRappel, Origine, Resultat, Statut, TentativeRappel

ECHECS_AVANT_NOTIFICATION = 2
_HEURE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def valider_creneaux(creneaux) -> list:
    """Créneaux préférés : « matin », « apres_midi », ou {"jour": 0-6 (lundi = 0), "debut": "HH:MM", "fin": "HH:MM"}."""
    if not creneaux:
        return []
    if not isinstance(creneaux, list):
        raise ValidationError("Les créneaux préférés doivent être une liste.", code="creneaux")
    propres = []
    for creneau in creneaux:
        if isinstance(creneau, str) and creneau in Creneau.values:
            propres.append(creneau)
            continue
        if isinstance(creneau, dict) and set(creneau) == {"jour", "debut", "fin"}:
            jour, debut, fin = creneau["jour"], creneau["debut"], creneau["fin"]
            if (
                isinstance(jour, int)
                and not isinstance(jour, bool)
                and 0 <= jour <= 6
                and isinstance(debut, str)
                and isinstance(fin, str)
                and _HEURE.match(debut)
                and _HEURE.match(fin)
                and debut < fin
            ):
                propres.append({"jour": jour, "debut": debut, "fin": fin})
                continue
        raise ValidationError(
            "Créneau préféré invalide : choisissez le matin, l'après-midi, ou un jour avec une heure de début "
            "avant l'heure de fin.",
            code="creneaux",
        )
    return propres


@transaction.atomic
def demander_rappel(
    *,
    par=None,
    telephone: str,
    besoin: str,
    consentement: bool,
    origine: str,
    departement=None,
    structure=None,
    partenaire=None,
    creneaux=None,
    courriel: str = "",
    synthetique: bool = False,
    maintenant=None,
) -> DemandeRappel:
    """Enregistre une demande de rappel. `par` : l'agent ou l'opérateur (None : formulaire public).
    Sans consentement explicite, rien n'est enregistré."""
    if consentement is not True:
        raise ValidationError(
            "Cochez la case de consentement : sans votre accord, nous ne pouvons pas garder votre numéro "
            "pour vous rappeler.",
            code="consentement",
        )
    if origine not in Origine.values:
        raise ValidationError("Origine de la demande inconnue.", code="origine")
    besoin = (besoin or "").strip()
    if not besoin:
        raise ValidationError("Décrivez en quelques mots votre besoin.", code="besoin")
    if len(besoin) > 300:
        raise ValidationError("Le besoin tient en 300 caractères au plus.", code="besoin")
    if structure is not None:
        if departement is not None and departement.pk != structure.departement_id:
            raise ValidationError("La France services n'est pas dans ce département.", code="departement")
        departement_id = structure.departement_id
    elif departement is not None:
        departement_id = departement.pk
    else:
        raise ValidationError("Indiquez la France services ou le département.", code="departement")
    maintenant = maintenant or timezone.now()
    rappel = DemandeRappel.objects.create(
        cree_le=maintenant,
        structure=structure,
        departement_id=departement_id,
        partenaire=partenaire,
        besoin=besoin,
        telephone=normaliser_telephone(telephone),
        creneaux=valider_creneaux(creneaux),
        consentement=True,
        consentement_le=maintenant,
        origine=origine,
        courriel=(courriel or "").strip(),
        synthetique=synthetique,
    )
    if not synthetique:
        journaliser(
            Evenement.RAPPEL_DEMANDE,
            acteur=par,
            cible=rappel,
            details={"action": "rappel_demande", "origine": origine},
        )
    return rappel


def _verrouiller(par, rappel) -> DemandeRappel:
    """Relit la demande verrouillée, dans le périmètre de `par` (sinon PermissionDenied)."""
    rappel = DemandeRappel.objects.visible_par(par).select_for_update().filter(pk=rappel.pk).first()
    if rappel is None:
        raise PermissionDenied("Cette demande de rappel n'est pas dans votre périmètre.")
    if rappel.anonymisee_le is not None:
        raise ValidationError("Cette demande a été anonymisée.", code="anonymisee")
    return rappel


@transaction.atomic
def noter_tentative(*, par, rappel, resultat: str, maintenant=None) -> TentativeRappel:
    """Une tentative d'appel. Joint → demande rappelée (close). Au 2e échec sans réponse / messagerie, on
    enregistre l'intention de prévenir l'usager par SMS ou courriel (`notification_echec_prevue_le`) ; pas
    après un « mauvais numéro » (le message irait à un inconnu et dirait qu'il a demandé de l'aide)."""
    if resultat not in Resultat.values:
        raise ValidationError("Résultat de tentative inconnu.", code="resultat")
    rappel = _verrouiller(par, rappel)
    if rappel.statut in STATUTS_CLOS:
        raise ValidationError("Cette demande de rappel est close.", code="close")
    maintenant = maintenant or timezone.now()
    tentative = TentativeRappel.objects.create(rappel=rappel, agent=par, le=maintenant, resultat=resultat)
    champs = ["statut"]
    if rappel.attribuee_a_id is None:
        rappel.attribuee_a = par
        champs.append("attribuee_a")
    if resultat == Resultat.JOINT:
        rappel.statut = Statut.RAPPELE
        rappel.premier_contact_le = rappel.clos_le = maintenant
        champs += ["premier_contact_le", "clos_le"]
    else:
        rappel.statut = Statut.EN_COURS
        resultats = list(rappel.tentatives.values_list("resultat", flat=True))
        if (
            len(resultats) >= ECHECS_AVANT_NOTIFICATION
            and Resultat.MAUVAIS_NUMERO not in resultats
            and rappel.notification_echec_prevue_le is None
        ):
            rappel.notification_echec_prevue_le = maintenant
            champs.append("notification_echec_prevue_le")
            from .notifications import planifier_echec

            planifier_echec(rappel.pk)
    rappel.save(update_fields=champs)
    journaliser(
        Evenement.RAPPEL_TRAITE,
        acteur=par,
        cible=rappel,
        details={"action": "rappel_tentative", "resultat": resultat},
    )
    return tentative


@transaction.atomic
def attribuer_rappel(*, par, rappel, a) -> DemandeRappel:
    """Attribue la demande à `a` (None : la remet dans la file). `par` et `a` doivent tous deux la voir."""
    rappel = _verrouiller(par, rappel)
    if rappel.statut in STATUTS_CLOS:
        raise ValidationError("Cette demande de rappel est close.", code="close")
    if a is not None and not DemandeRappel.objects.visible_par(a).filter(pk=rappel.pk).exists():
        raise ValidationError("Cette personne ne voit pas cette demande de rappel.", code="attribution")
    rappel.attribuee_a = a
    rappel.save(update_fields=["attribuee_a"])
    journaliser(
        Evenement.RAPPEL_TRAITE,
        acteur=par,
        cible=rappel,
        details={"action": "rappel_attribue", "a": a.pk if a is not None else None},
    )
    return rappel


@transaction.atomic
def clore(*, par, rappel, resultat: str, demande=None, maintenant=None) -> DemandeRappel:
    """Clôt la demande : rappelé, injoignable ou abandonné. `demande` : la demande d'activité saisie pour ce
    rappel (même France services, visible de `par`)."""
    if resultat not in STATUTS_CLOS:
        raise ValidationError(
            "Une demande se clôt comme rappelée, injoignable ou abandonnée.", code="resultat"
        )
    rappel = _verrouiller(par, rappel)
    if rappel.statut in STATUTS_CLOS:
        raise ValidationError("Cette demande de rappel est déjà close.", code="close")
    maintenant = maintenant or timezone.now()
    rappel.statut = resultat
    rappel.clos_le = maintenant
    champs = ["statut", "clos_le"]
    if demande is not None:
        from franceservices.activite.models import Demande

        lisible = Demande.objects.visible_par(par).filter(pk=demande.pk).exists()
        if not lisible or (rappel.structure_id is not None and demande.structure_id != rappel.structure_id):
            raise ValidationError(
                "La demande d'activité liée doit être une demande de la même France services.", code="demande"
            )
        rappel.demande = demande
        champs.append("demande")
    if resultat == Statut.RAPPELE and rappel.premier_contact_le is None:
        rappel.premier_contact_le = maintenant
        champs.append("premier_contact_le")
    rappel.save(update_fields=champs)
    journaliser(
        Evenement.RAPPEL_TRAITE,
        acteur=par,
        cible=rappel,
        details={"action": "rappel_clos", "statut": resultat, "demande": rappel.demande_id},
    )
    return rappel


@transaction.atomic
def clore_avec_demande(*, par, rappel, resultat: str, demandes=(), maintenant=None) -> DemandeRappel:
    """Clôt la demande de rappel et, dans la même transaction, enregistre la demande d'activité (canal
    téléphone) saisie pour ce rappel (`demandes` : objets `activite.Demande` non sauvegardés, validés par les
    formulaires de la saisie, voir `activite.views_appel`). Tout ou rien : si la clôture est refusée, la
    demande d'activité n'est pas enregistrée."""
    from franceservices.activite.actions import enregistrer

    demande = None
    if demandes:
        demande = enregistrer(list(demandes)).toutes[0]
    return clore(par=par, rappel=rappel, resultat=resultat, demande=demande, maintenant=maintenant)


def acheminer(commune):
    """(structure, département) d'une demande publique : la France services la plus proche de la commune
    dans son département ; aucune (coordonnées inconnues, pas de France services dans le département) :
    (None, département) → file du département."""
    from franceservices.structures.proximite import structures_proches

    departement = commune.departement
    position = commune.position  # une commune déléguée sans position prend celle de sa parente
    if position is not None:
        for structure, _distance in structures_proches(position[0], position[1], 10):
            if structure.departement_id == departement.pk:
                return structure, departement
    return None, departement


@transaction.atomic
def lier_demande(*, par, rappel, demandes) -> DemandeRappel:
    """Demande déjà close comme rappelée (tentative « joint ») : enregistre la demande d'activité de l'appel
    (objets `activite.Demande` non sauvegardés) et la lie au rappel."""
    from franceservices.activite.actions import enregistrer
    from franceservices.activite.models import Demande

    rappel = _verrouiller(par, rappel)
    if rappel.statut != Statut.RAPPELE:
        raise ValidationError("Seule une demande rappelée reçoit une demande d'activité.", code="statut")
    if rappel.demande_id is not None:
        raise ValidationError("Une demande d'activité est déjà liée à ce rappel.", code="demande")
    demande = enregistrer(list(demandes)).toutes[0]
    lisible = Demande.objects.visible_par(par).filter(pk=demande.pk).exists()
    if not lisible or (rappel.structure_id is not None and demande.structure_id != rappel.structure_id):
        raise ValidationError(
            "La demande d'activité liée doit être une demande de la même France services.", code="demande"
        )
    rappel.demande = demande
    rappel.save(update_fields=["demande"])
    journaliser(
        Evenement.RAPPEL_TRAITE,
        acteur=par,
        cible=rappel,
        details={"action": "rappel_demande_liee", "demande": demande.pk},
    )
    return rappel
