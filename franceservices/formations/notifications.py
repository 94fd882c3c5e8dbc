"""Courriels de la formation : demande à approuver (aux responsables de la structure de l'agent, à défaut à
l'animateur de son département), inscription approuvée (confirmée ou en liste d'attente), refusée, promue de
la liste d'attente, annulée avec la session (à l'agent), et rappel avant la session.

Table d'envoi : les actions appellent `programmer(inscription_id, sorte)` (ou `programmer_plusieurs`) dans
leur transaction, qui enregistre un `CourrielFormation` « à envoyer » ; après validation de la transaction
(rien si elle est annulée), l'envoi est confié à une tâche de fond (`taches.envoyer_courriel_tache`, moteur
`django_tasks_db`). Une panne du serveur de courriel ne fait jamais échouer l'action : le courriel reste « à
envoyer » avec une tentative de plus et l'erreur, la tâche se reprogramme avec un délai croissant pour les
seules adresses en échec, et la commande `envoyer_courriels_formation` reprend tout ce qui attend (après une
panne du moteur de tâches aussi). Au-delà de `FORMATION_COURRIEL_TENTATIVES_MAX` tentatives : « échec
définitif » (visible dans l'administration). Au moment d'envoyer, on vérifie que l'inscription est toujours
dans l'état annoncé (une demande déjà traitée n'est plus signalée : « sans objet »).

Rappel avant la session : `Inscription.rappel_envoye_le` (jamais envoyé deux fois : la commande
`rappeler_sessions_formation` est idempotente).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.structures.horaires import fuseau_du_departement

from .models import CourrielFormation, EtatCourriel, Inscription, Statut

logger = logging.getLogger(__name__)

DEMANDE, APPROUVEE, REFUSEE, PROMUE, SESSION_ANNULEE, RAPPEL = (
    "demande",
    "approuvee",
    "refusee",
    "promue",
    "session_annulee",
    "rappel",
)
SORTES = {DEMANDE, APPROUVEE, REFUSEE, PROMUE, SESSION_ANNULEE}

DELAI_RAPPEL = timedelta(hours=48)


def lien(chemin: str) -> str:
    return settings.SITE_URL.rstrip("/") + chemin


def _lieu(session) -> str:
    if session.lien:
        return f"à distance, lien de connexion : {session.lien}"
    morceaux = [session.lieu, session.commune.nom if session.commune_id else ""]
    return ", ".join(m for m in morceaux if m) or "à préciser par l'organisateur"


def _duree(module) -> str:
    heures = module.duree_heures
    texte = f"{heures:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{texte} heure{'s' if heures > 1 else ''}"


def fuseau(session):
    """Heure locale du département de la session (outre-mer compris) ; session nationale : heure de Paris."""
    return fuseau_du_departement(session.departement.code if session.departement_id else "")


def local(session, instant):
    return instant.astimezone(fuseau(session))


def details(session) -> list[tuple[str, str]]:
    debut, fin = local(session, session.debut), local(session, session.fin)
    quand = f"le {debut:%d/%m/%Y} de {debut:%H:%M} à {fin:%H:%M}"
    if fin.date() != debut.date():
        quand = f"du {debut:%d/%m/%Y à %H:%M} au {fin:%d/%m/%Y à %H:%M}"
    quand += f" (heure {'de Paris' if str(fuseau(session)) == 'Europe/Paris' else 'locale'})"
    return [
        ("Formation", session.module.titre),
        ("Date", quand),
        ("Lieu", _lieu(session)),
        ("Durée", _duree(session.module)),
        ("Organisme", session.module.organisme),
    ]


def _nom(personne) -> str:
    return personne.get_full_name() or personne.email


def responsables(inscription) -> list[str]:
    """Adresses des responsables actifs des France services où l'agent est habilité aujourd'hui ; s'il n'y en
    a aucun, celles des animateurs de leurs départements (qui peuvent aussi décider de la demande)."""
    rattachements = Habilitation.objects.actives().filter(
        utilisateur_id=inscription.agent_id, role__in=[Role.AGENT, Role.RESPONSABLE], structure__isnull=False
    )
    actives = Habilitation.objects.actives().filter(utilisateur__is_active=True)
    adresses = (
        actives.filter(role=Role.RESPONSABLE, structure_id__in=rattachements.values("structure_id"))
        .exclude(utilisateur_id=inscription.agent_id)
        .values_list("utilisateur__email", flat=True)
    )
    adresses = {a for a in adresses if a}
    if not adresses:
        animateurs = actives.filter(
            role=Role.ANIMATEUR, departement_id__in=rattachements.values("structure__departement_id")
        ).values_list("utilisateur__email", flat=True)
        adresses = {a for a in animateurs if a}
    return sorted(adresses)


def destinataires(inscription, sorte: str) -> list[str]:
    if sorte == DEMANDE:
        return responsables(inscription)
    agent = inscription.agent
    return [agent.email] if agent.is_active and agent.email else []


def encore_d_actualite(inscription, sorte: str, maintenant: datetime) -> bool:
    """L'inscription est-elle toujours dans l'état que le courriel annonce ?"""
    session = inscription.session
    if sorte == SESSION_ANNULEE:
        return inscription.statut == Statut.ANNULEE and session.annulee_le is not None
    if session.annulee_le is not None or session.debut <= maintenant:
        return False
    return {
        DEMANDE: inscription.statut == Statut.DEMANDEE,
        APPROUVEE: inscription.statut in {Statut.CONFIRMEE, Statut.ATTENTE},
        REFUSEE: inscription.statut == Statut.REFUSEE,
        PROMUE: inscription.statut == Statut.CONFIRMEE,
        RAPPEL: inscription.statut == Statut.CONFIRMEE and inscription.rappel_envoye_le is None,
    }[sorte]


def contenu(inscription, sorte: str) -> dict:
    """Sujet, salutation, paragraphes, lien du courriel."""
    session, module = inscription.session, inscription.session.module
    date = f"{local(session, session.debut):%d/%m/%Y}"
    mes_inscriptions = lien(reverse("formations:mes_inscriptions"))
    if sorte == DEMANDE:
        return {
            "sujet": f"Inscription à approuver : {_nom(inscription.agent)} — {module.titre} ({date})",
            "salutation": "Bonjour,",
            "paragraphes": [
                f"{_nom(inscription.agent)} demande à suivre la formation « {module.titre} ». "
                "En tant que responsable de sa France services, approuvez ou refusez sa demande."
            ],
            "lien": lien(reverse("formations:approbations")),
            "lien_libelle": "Voir les demandes à approuver",
        }
    base = {"salutation": f"Bonjour {_nom(inscription.agent)},", "lien": mes_inscriptions}
    base["lien_libelle"] = "Voir mes inscriptions"
    if sorte == APPROUVEE and inscription.statut == Statut.ATTENTE:
        paragraphes = [
            f"Votre inscription à « {module.titre} » est acceptée, mais la session est complète : vous êtes "
            "sur la liste d'attente. Vous recevrez un courriel si une place se libère."
        ]
        sujet = f"Liste d'attente : {module.titre} ({date})"
    elif sorte == APPROUVEE:
        paragraphes = [f"Votre inscription à « {module.titre} » est confirmée."]
        sujet = f"Inscription confirmée : {module.titre} ({date})"
    elif sorte == PROMUE:
        paragraphes = [
            f"Une place s'est libérée : votre inscription à « {module.titre} » est maintenant confirmée."
        ]
        sujet = f"Place libérée, inscription confirmée : {module.titre} ({date})"
    elif sorte == REFUSEE:
        paragraphes = [
            f"Votre demande d'inscription à « {module.titre} » n'a pas été acceptée.",
            f"Motif : {inscription.motif}",
        ]
        sujet = f"Inscription refusée : {module.titre} ({date})"
    elif sorte == SESSION_ANNULEE:
        paragraphes = [
            f"La session de « {module.titre} » à laquelle vous étiez inscrit est annulée.",
            f"Motif : {inscription.motif}",
            "Vous pouvez vous inscrire à une autre session depuis le catalogue.",
        ]
        sujet = f"Session annulée : {module.titre} ({date})"
        base["lien"], base["lien_libelle"] = lien(reverse("formations:catalogue")), "Voir le catalogue"
    else:  # RAPPEL
        paragraphes = [f"Nous vous rappelons la formation « {module.titre} » à laquelle vous êtes inscrit."]
        if session.lien:
            paragraphes.append(f"Pour vous connecter : {session.lien}")
        paragraphes.append("Vous ne pouvez plus venir ? Annulez votre inscription pour libérer la place.")
        sujet = f"Rappel : formation « {module.titre} » le {date}"
    return {**base, "sujet": sujet, "paragraphes": paragraphes}


def courriels(inscription, sorte: str, adresses: list[str]) -> list[EmailMultiAlternatives]:
    """Un message par destinataire (les responsables ne voient pas les adresses des autres)."""
    ctx = {**contenu(inscription, sorte), "details": details(inscription.session)}
    texte = render_to_string("ui/courriels/message.txt", ctx)
    html = render_to_string("ui/courriels/message.html", ctx)
    resultat = []
    for adresse in adresses:
        message = EmailMultiAlternatives(
            subject=ctx["sujet"], body=texte, from_email=settings.DEFAULT_FROM_EMAIL, to=[adresse]
        )
        message.attach_alternative(html, "text/html")
        resultat.append(message)
    return resultat


def _charger(inscription_id: int, *, verrou: bool = False):
    lignes = Inscription.objects.filter(pk=inscription_id).select_related(
        "agent", "session__module", "session__commune", "session__departement"
    )
    if verrou and connection.features.has_select_for_update_skip_locked:
        lignes = lignes.select_for_update(skip_locked=True, of=("self",))
    return lignes.first()


class Resultat:
    ENVOYE = "envoye"
    DEJA_TRAITE = "deja_traite"  # envoyé, sans objet, en échec définitif, ou pris par un autre processus
    SANS_OBJET = "sans_objet"
    NOUVELLE_TENTATIVE = "nouvelle_tentative"
    ECHEC = "echec"


def delai_avant_nouvelle_tentative(tentatives: int) -> timedelta:
    """1, 2, 4, 8… minutes, au plus une heure."""
    return timedelta(minutes=min(2 ** max(tentatives - 1, 0), 60))


def envoyer_courriel(courriel_id: int, maintenant=None) -> str:
    """Envoie un courriel « à envoyer » (idempotent). Verrou de ligne (`SKIP LOCKED` sur PostgreSQL) : la tâche
    et la commande de reprise ne l'envoient jamais toutes les deux. Jamais d'exception pour une panne SMTP."""
    maintenant = maintenant or timezone.now()
    with transaction.atomic():
        lignes = CourrielFormation.objects.filter(pk=courriel_id, etat=EtatCourriel.A_ENVOYER)
        if connection.features.has_select_for_update_skip_locked:
            lignes = lignes.select_for_update(skip_locked=True)
        courriel = lignes.first()
        if courriel is None:
            return Resultat.DEJA_TRAITE
        inscription = _charger(courriel.inscription_id)
        adresses = []
        if inscription is not None and encore_d_actualite(inscription, courriel.sorte, maintenant):
            adresses = (
                courriel.adresses if courriel.tentatives else destinataires(inscription, courriel.sorte)
            )
        if not adresses:
            courriel.etat = EtatCourriel.SANS_OBJET
            courriel.save(update_fields=["etat"])
            return Resultat.SANS_OBJET
        echecs = []
        for message in courriels(inscription, courriel.sorte, adresses):
            try:
                message.send()
                courriel.envoye_a.extend(message.to)
            except Exception as erreur:  # SMTP, réseau, configuration : on garde le courriel
                echecs.extend(message.to)
                courriel.derniere_erreur = f"{type(erreur).__name__} : {erreur}"[:500]
        courriel.tentatives += 1
        courriel.adresses = echecs
        if not echecs:
            courriel.etat, courriel.envoye_le, courriel.derniere_erreur = EtatCourriel.ENVOYE, maintenant, ""
            resultat = Resultat.ENVOYE
        elif courriel.tentatives >= settings.FORMATION_COURRIEL_TENTATIVES_MAX:
            courriel.etat, resultat = EtatCourriel.ECHEC, Resultat.ECHEC
        else:
            resultat = Resultat.NOUVELLE_TENTATIVE
        courriel.save()
    if echecs:
        logger.warning(
            "Formation, courriel %s (« %s », inscription %s) : échec d'envoi n° %s pour %s adresse(s) (%s)",
            courriel.pk,
            courriel.sorte,
            courriel.inscription_id,
            courriel.tentatives,
            len(echecs),
            courriel.derniere_erreur,
        )
    return resultat


def programmer(inscription_id: int, sorte: str) -> None:
    """À appeler dans la transaction : le courriel est enregistré avec elle, son envoi part après sa
    validation (rien si elle est annulée)."""
    programmer_plusieurs([inscription_id], sorte)


def programmer_plusieurs(inscription_ids, sorte: str) -> None:
    """Comme `programmer`, en une requête pour plusieurs inscriptions (annulation d'une session)."""
    if sorte not in SORTES:
        raise ValueError(f"Sorte de courriel inconnue : {sorte}")
    crees = CourrielFormation.objects.bulk_create(
        [CourrielFormation(inscription_id=pk, sorte=sorte) for pk in inscription_ids]
    )
    ids = [courriel.pk for courriel in crees]
    transaction.on_commit(lambda: [mettre_en_file(pk) for pk in ids])


def mettre_en_file(courriel_id: int, *, apres: timedelta | None = None) -> None:
    """Confie l'envoi à la tâche de fond. Moteur de tâches indisponible : le courriel reste « à envoyer » en
    base, `envoyer_courriels_formation` le reprendra."""
    from .taches import envoyer_courriel_tache

    tache = envoyer_courriel_tache
    if apres is not None:
        tache = tache.using(run_after=timezone.now() + apres)
    try:
        tache.enqueue(courriel_id)
    except Exception:  # le moteur de tâches ne doit pas faire échouer l'action
        logger.exception(
            "Formation, courriel %s : mise en file impossible (repris par la commande)", courriel_id
        )


@dataclass
class BilanCourriels:
    envoyes: int = 0
    sans_objet: int = 0
    echecs: int = 0


def envoyer_en_attente(*, maintenant=None) -> BilanCourriels:
    """Reprend tous les courriels « à envoyer » (commande `envoyer_courriels_formation`)."""
    bilan = BilanCourriels()
    ids = CourrielFormation.objects.filter(etat=EtatCourriel.A_ENVOYER).values_list("pk", flat=True)
    for pk in list(ids):
        resultat = envoyer_courriel(pk, maintenant)
        bilan.envoyes += resultat == Resultat.ENVOYE
        bilan.sans_objet += resultat == Resultat.SANS_OBJET
        bilan.echecs += resultat in {Resultat.NOUVELLE_TENTATIVE, Resultat.ECHEC}
    return bilan


# --- Rappel avant la session (commande périodique) ------------------------------------------------------


def a_rappeler(maintenant: datetime):
    """Inscrits confirmés d'une session non annulée qui commence dans les 48 h, pas encore rappelés."""
    return Inscription.objects.filter(
        statut=Statut.CONFIRMEE,
        rappel_envoye_le__isnull=True,
        session__annulee_le__isnull=True,
        session__debut__gt=maintenant,
        session__debut__lte=maintenant + DELAI_RAPPEL,
    ).order_by("session__debut", "pk")


@dataclass
class BilanRappels:
    envoyes: int = 0
    echecs: int = 0


def rappeler(inscription_id: int, maintenant: datetime) -> str:
    """Envoie le rappel d'une inscription et pose `rappel_envoye_le` ; jamais deux fois (verrou de ligne,
    `SKIP LOCKED` sous PostgreSQL, et marque vérifiée sous verrou)."""
    with transaction.atomic():
        inscription = _charger(inscription_id, verrou=True)
        if inscription is None or not encore_d_actualite(inscription, RAPPEL, maintenant):
            return "deja_fait"
        adresses = destinataires(inscription, RAPPEL)
        if not adresses:
            return "deja_fait"
        (message,) = courriels(inscription, RAPPEL, adresses)
        try:
            message.send()
        except Exception:
            logger.exception("Formation, inscription %s : rappel impossible", inscription_id)
            return "echec"
        inscription.rappel_envoye_le = maintenant
        inscription.save(update_fields=["rappel_envoye_le"])
        return "envoye"


def rappeler_tout(*, maintenant=None, dry_run=False) -> BilanRappels:
    maintenant = maintenant or timezone.now()
    ids = list(a_rappeler(maintenant).values_list("pk", flat=True))
    if dry_run:
        return BilanRappels(envoyes=len(ids))
    bilan = BilanRappels()
    for pk in ids:
        resultat = rappeler(pk, maintenant)
        bilan.envoyes += resultat == "envoye"
        bilan.echecs += resultat == "echec"
    return bilan
