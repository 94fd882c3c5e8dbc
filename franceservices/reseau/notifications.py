"""Courriels de la vie du réseau : invitation à un événement, annulation (aux inscrits), rappel la veille
(aux inscrits).

Chaque courriel est d'abord une ligne de la table d'envoi (`Envoi`), écrite dans la transaction de l'action
(unique par événement × personne × sorte : jamais deux fois le même). Après validation, une tâche de fond
(`taches.envoyer_courriels_tache`, moteur `django_tasks_db`) envoie les lignes de l'événement ; une panne du
serveur de courriel ne fait jamais échouer l'action : la ligne garde sa tentative et son erreur, la tâche se
reprogramme (délai croissant) et la commande `envoyer_courriels_reseau` reprend ce qui reste. Au-delà de
`TENTATIVES_MAX` échecs, ou si le courriel n'a plus d'objet (événement annulé ou commencé, personne
désinscrite), la ligne est marquée abandonnée.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Envoi, EvenementReseau, Participation, SorteEnvoi

logger = logging.getLogger(__name__)

TENTATIVES_MAX = 5


def lien(chemin: str) -> str:
    return settings.SITE_URL.rstrip("/") + chemin


def quand(evenement) -> str:
    debut, fin = evenement.debut_local, evenement.fin_local
    texte = f"le {debut:%d/%m/%Y} de {debut:%H:%M} à {fin:%H:%M}"
    if fin.date() != debut.date():
        texte = f"du {debut:%d/%m/%Y à %H:%M} au {fin:%d/%m/%Y à %H:%M}"
    return texte + f" (heure {'de Paris' if evenement.heure_de_paris else 'locale'})"


def ou(evenement) -> str:
    if evenement.lien and not evenement.lieu:
        return "à distance (le lien de connexion est sur la page de l'événement)"
    morceaux = [evenement.lieu, evenement.commune.nom if evenement.commune_id else ""]
    texte = ", ".join(m for m in morceaux if m) or "à préciser par l'organisateur"
    return texte + (" ; aussi à distance" if evenement.lien else "")


def contenu(evenement, sorte: str, personne) -> dict:
    nom = personne.get_full_name() or personne.email
    date = f"{evenement.debut_local:%d/%m/%Y}"
    page = lien(reverse("reseau:evenement", args=[evenement.pk]))
    details = [
        ("Événement", f"{evenement.titre} ({evenement.get_type_display().lower()})"),
        ("Date", quand(evenement)),
        ("Lieu", ou(evenement)),
    ]
    if sorte == SorteEnvoi.INVITATION:
        sujet = f"Invitation : {evenement.titre} ({date})"
        paragraphes = [
            f"Vous êtes invité(e) à « {evenement.titre} » ({evenement.libelle_perimetre}).",
            "Inscrivez-vous depuis la page de l'événement"
            + (f" : {evenement.capacite} places." if evenement.capacite else "."),
        ]
        libelle = "Voir l'événement et m'inscrire"
    elif sorte == SorteEnvoi.ANNULATION:
        sujet = f"Annulé : {evenement.titre} ({date})"
        paragraphes = [
            f"L'événement « {evenement.titre} » auquel vous étiez inscrit(e) est annulé.",
            f"Motif : {evenement.motif_annulation}",
        ]
        libelle = "Voir l'événement"
    else:
        sujet = f"Rappel : {evenement.titre} ({date})"
        paragraphes = [f"Nous vous rappelons « {evenement.titre} », auquel vous êtes inscrit(e)."]
        paragraphes.append("Vous ne pouvez plus venir ? Désinscrivez-vous pour libérer la place.")
        libelle = "Voir l'événement"
    return {
        "sujet": sujet,
        "salutation": f"Bonjour {nom},",
        "paragraphes": paragraphes,
        "details": details,
        "lien": page,
        "lien_libelle": libelle,
    }


def courriel(evenement, sorte: str, personne) -> EmailMultiAlternatives:
    ctx = contenu(evenement, sorte, personne)
    message = EmailMultiAlternatives(
        subject=ctx["sujet"],
        body=render_to_string("ui/courriels/message.txt", ctx),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[personne.email],
    )
    message.attach_alternative(render_to_string("ui/courriels/message.html", ctx), "text/html")
    return message


def encore_d_actualite(envoi, maintenant) -> bool:
    evenement = envoi.evenement
    if not envoi.personne.is_active or not envoi.personne.email:
        return False
    if envoi.sorte == SorteEnvoi.ANNULATION:
        return evenement.annule_le is not None
    if evenement.annule_le is not None or evenement.debut <= maintenant:
        return False
    if envoi.sorte == SorteEnvoi.RAPPEL:
        return Participation.objects.inscrites().filter(evenement=evenement, personne=envoi.personne).exists()
    return True


def a_envoyer():
    return Envoi.objects.filter(envoye_le__isnull=True, abandonne_le__isnull=True)


@dataclass
class Bilan:
    envoyes: int = 0
    echecs: int = 0
    abandonnes: int = 0
    rappels_programmes: int = 0
    erreurs: list = field(default_factory=list)


def envoyer_un(envoi_id: int, maintenant=None) -> str:
    """Envoie une ligne de la table d'envoi sous son verrou (`SKIP LOCKED` sous PostgreSQL : deux envois
    concurrents ne la prennent jamais tous les deux). Renvoie « envoye », « echec », « abandonne » ou
    « deja_fait ». Jamais d'exception."""
    maintenant = maintenant or timezone.now()
    with transaction.atomic():
        lignes = (
            a_envoyer().filter(pk=envoi_id).select_related("evenement__departement", "evenement__commune")
        )
        lignes = lignes.select_related("personne")
        if connection.features.has_select_for_update_skip_locked:
            lignes = lignes.select_for_update(skip_locked=True, of=("self",))
        envoi = lignes.first()
        if envoi is None:
            return "deja_fait"
        if not encore_d_actualite(envoi, maintenant):
            envoi.abandonne_le, envoi.derniere_erreur = maintenant, "Sans objet au moment de l'envoi."
            envoi.save(update_fields=["abandonne_le", "derniere_erreur"])
            return "abandonne"
        envoi.tentatives += 1
        try:
            courriel(envoi.evenement, envoi.sorte, envoi.personne).send()
        except Exception as erreur:
            logger.exception("Vie du réseau, envoi %s : courriel impossible", envoi_id)
            envoi.derniere_erreur = f"{type(erreur).__name__} : {erreur}"[:500]
            if envoi.tentatives >= TENTATIVES_MAX:
                envoi.abandonne_le = maintenant
            envoi.save(update_fields=["tentatives", "derniere_erreur", "abandonne_le"])
            return "abandonne" if envoi.abandonne_le else "echec"
        envoi.envoye_le, envoi.derniere_erreur = maintenant, ""
        envoi.save(update_fields=["tentatives", "envoye_le", "derniere_erreur"])
        return "envoye"


def envoyer_en_attente(*, evenement_id=None, maintenant=None, limite=None) -> Bilan:
    """Envoie les lignes en attente (d'un événement, ou toutes)."""
    lignes = a_envoyer()
    if evenement_id is not None:
        lignes = lignes.filter(evenement_id=evenement_id)
    ids = list(lignes.order_by("cree_le", "pk").values_list("pk", flat=True)[:limite])
    bilan = Bilan()
    for pk in ids:
        resultat = envoyer_un(pk, maintenant)
        bilan.envoyes += resultat == "envoye"
        bilan.echecs += resultat == "echec"
        bilan.abandonnes += resultat == "abandonne"
    return bilan


def programmer_rappels(maintenant=None, *, dry_run=False) -> int:
    """Rappel « la veille » : pour chaque événement non annulé qui commence demain ou plus tard aujourd'hui
    (jour local de l'événement), une ligne de rappel par inscrit (une seule, contrainte d'unicité)."""
    maintenant = maintenant or timezone.now()
    candidats = EvenementReseau.objects.filter(
        annule_le__isnull=True, debut__gt=maintenant, debut__lte=maintenant + timedelta(hours=50)
    ).select_related("departement")
    cree = 0
    for evenement in candidats:
        demain = (maintenant.astimezone(evenement.fuseau) + timedelta(days=1)).date()
        if evenement.debut_local.date() > demain:
            continue
        personnes = (
            Participation.objects.inscrites()
            .filter(evenement=evenement)
            .values_list("personne_id", flat=True)
        )
        deja = set(
            Envoi.objects.filter(evenement=evenement, sorte=SorteEnvoi.RAPPEL).values_list(
                "personne_id", flat=True
            )
        )
        nouveaux = [
            Envoi(evenement=evenement, personne_id=p, sorte=SorteEnvoi.RAPPEL)
            for p in personnes
            if p not in deja
        ]
        if not dry_run:
            Envoi.objects.bulk_create(nouveaux, ignore_conflicts=True)
        cree += len(nouveaux)
    return cree


def programmer(evenement_id: int) -> None:
    """À appeler dans la transaction qui a écrit des lignes d'envoi : la tâche part après validation."""
    transaction.on_commit(lambda: mettre_en_file(evenement_id))


def mettre_en_file(evenement_id: int, *, tentative: int = 1, apres=None) -> None:
    from .taches import envoyer_courriels_tache

    tache = envoyer_courriels_tache
    if apres is not None:
        tache = tache.using(run_after=timezone.now() + apres)
    try:
        tache.enqueue(evenement_id, tentative)
    except Exception:  # le moteur de tâches ne doit pas faire échouer l'action
        logger.exception("Vie du réseau, événement %s : mise en file des courriels impossible", evenement_id)
