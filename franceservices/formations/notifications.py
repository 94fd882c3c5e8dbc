"""Courriels de la formation : demande à approuver (aux responsables de la structure de l'agent), inscription
approuvée (confirmée ou en liste d'attente), refusée, promue de la liste d'attente, annulée avec la session
(à l'agent), et rappel avant la session.

Les actions appellent `programmer(inscription_id, sorte)` dans leur transaction : l'envoi est confié à une
tâche de fond (`taches.envoyer_courriel_tache`, moteur `django_tasks_db`) une fois la transaction validée
(rien ne part si elle est annulée). Une panne du serveur de courriel ne fait jamais échouer l'action : elle
est journalisée et la tâche se reprogramme avec un délai croissant, au plus `taches.TENTATIVES_MAX` fois,
pour les seuls destinataires restés en échec.

Marques d'envoi : le modèle n'a que `Inscription.rappel_envoye_le` (rappel, jamais envoyé deux fois : la
commande `rappeler_sessions_formation` est idempotente). Pour les autres courriels, la tâche vérifie au
moment d'envoyer que l'inscription est toujours dans l'état annoncé (une demande déjà traitée n'est plus
signalée aux responsables, etc.) ; le journal des tâches (`DBTaskResult`) garde la trace des envois.
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

from .models import Inscription, Statut

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
    """Adresses des responsables actifs des France services où l'agent est habilité aujourd'hui."""
    structures = (
        Habilitation.objects.actives()
        .filter(utilisateur_id=inscription.agent_id, role__in=[Role.AGENT, Role.RESPONSABLE])
        .values("structure_id")
    )
    adresses = (
        Habilitation.objects.actives()
        .filter(role=Role.RESPONSABLE, structure_id__in=structures, utilisateur__is_active=True)
        .exclude(utilisateur_id=inscription.agent_id)
        .values_list("utilisateur__email", flat=True)
    )
    return sorted({a for a in adresses if a})


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
    texte = render_to_string("formations/courriels/message.txt", ctx)
    html = render_to_string("formations/courriels/message.html", ctx)
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


@dataclass
class Envoi:
    envoyes: int = 0
    echecs: list | None = None  # adresses restées en échec
    sans_objet: bool = False


def envoyer(inscription_id: int, sorte: str, adresses=None, maintenant=None) -> Envoi:
    """Envoie le courriel `sorte` de l'inscription (à `adresses`, par défaut à tous ses destinataires).
    Jamais d'exception : un échec SMTP est journalisé et l'adresse rendue dans `echecs`."""
    maintenant = maintenant or timezone.now()
    inscription = _charger(inscription_id)
    if inscription is None or not encore_d_actualite(inscription, sorte, maintenant):
        return Envoi(sans_objet=True)
    adresses = destinataires(inscription, sorte) if adresses is None else adresses
    envoi = Envoi(echecs=[])
    for message in courriels(inscription, sorte, adresses):
        try:
            message.send()
            envoi.envoyes += 1
        except Exception:
            logger.exception("Formation, inscription %s : courriel « %s » impossible", inscription_id, sorte)
            envoi.echecs.extend(message.to)
    return envoi


def programmer(inscription_id: int, sorte: str) -> None:
    """À appeler dans la transaction : l'envoi part après sa validation (rien si elle est annulée)."""
    transaction.on_commit(lambda: mettre_en_file(inscription_id, sorte))


def mettre_en_file(inscription_id, sorte, *, adresses=None, tentative=1, apres=None) -> None:
    from .taches import envoyer_courriel_tache

    tache = envoyer_courriel_tache
    if apres is not None:
        tache = tache.using(run_after=timezone.now() + apres)
    try:
        tache.enqueue(inscription_id, sorte, tentative, adresses)
    except Exception:  # le moteur de tâches ne doit pas faire échouer l'action
        logger.exception(
            "Formation, inscription %s : mise en file du courriel « %s » impossible", inscription_id, sorte
        )


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
