"""Messages à l'usager d'un rendez-vous : confirmation (réservation, déplacement), annulation, rappel la veille.

Par courriel (si l'usager a donné une adresse), avec un fichier ICS (RFC 5545) en pièce jointe, et/ou par SMS
(`core.sms`, s'il a donné un numéro). Les envois partent d'une tâche de fond (`taches.py`) après validation
de la transaction ; ils sont idempotents :

- confirmation : marquée par `confirmation_envoyee_le` ; tant qu'elle est vide (serveur de courriel en
  panne…), la tâche réessaie, et la commande `envoyer_rappels_rendez_vous` la rattrape ;
- rappel : marqué par `rappel_envoye_le`, jamais envoyé deux fois ;
- annulation : pas de marque en base (le modèle n'a pas de champ) ; la tâche réessaie quelques fois.

Un envoi est réussi quand au moins un canal est passé (le courriel ou le SMS) : l'autre échec est journalisé.
Le verrou de ligne (`SKIP LOCKED` sur PostgreSQL) empêche la tâche et la commande d'envoyer la même
confirmation en même temps.

ICS : heures en UTC (pas de VTIMEZONE à écrire), UID stable pour toute la chaîne des déplacements (le
rendez-vous d'origine), SEQUENCE = nombre de déplacements (+1 à l'annulation) : l'agenda de l'usager met à
jour l'événement au lieu d'en ajouter un second.
"""

import email.message
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from franceservices.core.sms import envoyer_sms

from .models import RendezVous, Statut

logger = logging.getLogger(__name__)

CONFIRMATION, ANNULATION, RAPPEL = "confirmation", "annulation", "rappel"


# --- ICS (RFC 5545) -------------------------------------------------------------------------------------


def echapper(texte: str) -> str:
    """Échappement d'une valeur TEXT (§ 3.3.11) : antislash, point-virgule, virgule, saut de ligne."""
    return (
        (texte or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def plier(ligne: str) -> str:
    """Pliage (§ 3.1) : lignes d'au plus 75 octets, suite précédée d'une espace ; jamais au milieu d'un
    caractère UTF-8."""
    morceaux, courant, taille, limite = [], [], 0, 75
    for caractere in ligne:
        n = len(caractere.encode("utf-8"))
        if taille + n > limite:
            morceaux.append("".join(courant))
            courant, taille, limite = [], 0, 74  # l'espace de continuation compte
        courant.append(caractere)
        taille += n
    morceaux.append("".join(courant))
    return "\r\n ".join(morceaux)


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def chaine(rdv) -> list:
    """Le rendez-vous et ceux qu'il remplace (du plus récent au plus ancien)."""
    resultat = [rdv]
    while resultat[-1].deplace_de_id and len(resultat) < 100:
        precedent = RendezVous.objects.filter(pk=resultat[-1].deplace_de_id).first()
        if precedent is None:
            break
        resultat.append(precedent)
    return resultat


def hote() -> str:
    return urlsplit(settings.SITE_URL).hostname or "france-services.gouv.fr"


def uid(rdv) -> str:
    return f"rendez-vous-{chaine(rdv)[-1].pk}@{hote()}"


def sequence(rdv) -> int:
    return len(chaine(rdv)) - 1 + (1 if rdv.statut == Statut.ANNULE else 0)


def lien_gestion(rdv) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("rdv:gerer", args=[rdv.pk, rdv.jeton])


def lieu(rdv) -> str:
    if rdv.arret_id:
        arret = rdv.arret
        morceaux = [arret.libelle, arret.adresse, arret.commune.nom]
    else:
        s = rdv.structure
        commune = s.commune.nom if s.commune_id else s.libelle_commune
        morceaux = [s.nom, s.adresse, s.complement_adresse, f"{s.code_postal} {commune}".strip()]
    return ", ".join(m for m in morceaux if m)


def ics(rdv, methode: str = "REQUEST", maintenant: datetime | None = None) -> bytes:
    """Le fichier iCalendar du rendez-vous (CRLF, pliage, échappement). `methode` : REQUEST (courriel),
    PUBLISH (téléchargement), CANCEL (annulation)."""
    maintenant = maintenant or timezone.now()
    annule = methode == "CANCEL" or rdv.statut == Statut.ANNULE
    expediteur = settings.DEFAULT_FROM_EMAIL
    adresse = expediteur.rsplit("<", 1)[-1].rstrip(">").strip()
    description = (
        f"{rdv.type.libelle} ({rdv.type.get_modalite_display().lower()}) à {rdv.structure.nom}.\n"
        f"Pour annuler ou déplacer ce rendez-vous : {lien_gestion(rdv)}"
    )
    lignes = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//France services//Rendez-vous//FR",
        "CALSCALE:GREGORIAN",
        f"METHOD:{methode}",
        "BEGIN:VEVENT",
        f"UID:{uid(rdv)}",
        f"DTSTAMP:{_utc(maintenant)}",
        f"DTSTART:{_utc(rdv.debut)}",
        f"DTEND:{_utc(rdv.fin)}",
        f"SEQUENCE:{sequence(rdv)}",
        f"STATUS:{'CANCELLED' if annule else 'CONFIRMED'}",
        f"SUMMARY:{echapper(f'Rendez-vous France services : {rdv.type.libelle}')}",
        f"LOCATION:{echapper(lieu(rdv))}",
        f"DESCRIPTION:{echapper(description)}",
        f"URL:{lien_gestion(rdv)}",
        f'ORGANIZER;CN="{rdv.structure.nom.replace(chr(34), "")}":mailto:{adresse}',
    ]
    if rdv.courriel and methode != "PUBLISH":
        lignes.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{rdv.courriel}")
    lignes += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(plier(ligne) for ligne in lignes) + "\r\n").encode("utf-8")


def piece_ics(rdv, methode: str) -> email.message.MIMEPart:
    partie = email.message.MIMEPart()
    partie.set_content(
        ics(rdv, methode).decode("utf-8"),
        subtype="calendar",
        charset="utf-8",
        params={"method": methode},
        disposition="attachment",
        filename="rendez-vous.ics",
    )
    return partie


# --- Textes ---------------------------------------------------------------------------------------------


def quand(local: datetime, maintenant: datetime | None = None) -> str:
    """« aujourd'hui », « demain » ou « le 03/12 » (jour local de la structure)."""
    aujourd_hui = (maintenant or timezone.now()).astimezone(local.tzinfo).date()
    ecart = (local.date() - aujourd_hui).days
    return {0: "aujourd'hui", 1: "demain"}.get(ecart, f"le {local:%d/%m}")


def contexte(rdv, sorte: str, maintenant: datetime | None = None) -> dict:
    local = rdv.debut.astimezone(rdv.structure.fuseau)
    return {
        "quand": quand(local, maintenant),
        "rdv": rdv,
        "sorte": sorte,
        "local": local,
        "lieu": lieu(rdv),
        "lien": lien_gestion(rdv),
        "deplacement": bool(rdv.deplace_de_id),
        "conservation_jours": conservation_jours(),
        "site_url": settings.SITE_URL.rstrip("/"),
    }


def conservation_jours() -> int:
    return int(getattr(settings, "RENDEZ_VOUS_CONSERVATION_JOURS", 30))


SUJETS = {
    CONFIRMATION: "Rendez-vous confirmé le {local:%d/%m/%Y} à {local:%H:%M} — {nom}",
    ANNULATION: "Rendez-vous annulé : {local:%d/%m/%Y} à {local:%H:%M} — {nom}",
    RAPPEL: "Rappel : rendez-vous {quand} à {local:%H:%M} — {nom}",
}


def courriel(rdv, sorte: str, maintenant: datetime | None = None) -> EmailMessage:
    ctx = contexte(rdv, sorte, maintenant)
    sujet = SUJETS[sorte].format(local=ctx["local"], nom=rdv.structure.nom, quand=ctx["quand"])
    corps = render_to_string(f"rendezvous/courriels/{sorte}.txt", ctx)
    message = EmailMessage(subject=sujet, body=corps, to=[rdv.courriel])
    message.attach(piece_ics(rdv, "CANCEL" if sorte == ANNULATION else "REQUEST"))
    return message


def texte_sms(rdv, sorte: str, maintenant: datetime | None = None) -> str:
    ctx = contexte(rdv, sorte, maintenant)
    return render_to_string(f"rendezvous/courriels/{sorte}_sms.txt", ctx).strip()


# --- Envoi ----------------------------------------------------------------------------------------------


class Resultat:
    ENVOYE = "envoye"
    DEJA_FAIT = "deja_fait"  # déjà envoyé, pris par un autre processus, ou plus d'objet
    ECHEC = "echec"


def _canaux(rdv, sorte: str, maintenant: datetime) -> bool:
    """Envoie par chaque canal donné par l'usager ; vrai si au moins un est passé."""
    reussi = False
    if rdv.courriel:
        try:
            courriel(rdv, sorte, maintenant).send()
            reussi = True
        except Exception:
            logger.exception("Rendez-vous %s : %s par courriel impossible", rdv.pk, sorte)
    if rdv.telephone:
        try:
            envoyer_sms(rdv.telephone, texte_sms(rdv, sorte, maintenant))
            reussi = True
        except Exception:
            logger.exception("Rendez-vous %s : %s par SMS impossible", rdv.pk, sorte)
    return reussi


def _verrouiller(rdv_id: int):
    lignes = RendezVous.objects.filter(pk=rdv_id).select_related(
        "type", "structure__departement", "structure__commune", "arret__commune"
    )
    if connection.features.has_select_for_update_skip_locked:
        lignes = lignes.select_for_update(skip_locked=True, of=("self",))
    return lignes.first()


def envoyer(rdv_id: int, sorte: str, maintenant: datetime | None = None) -> str:
    """Envoie un message du rendez-vous (idempotent pour la confirmation et le rappel)."""
    maintenant = maintenant or timezone.now()
    with transaction.atomic():
        rdv = _verrouiller(rdv_id)
        if rdv is None or rdv.anonymise_le is not None:
            return Resultat.DEJA_FAIT
        deja = {
            CONFIRMATION: rdv.confirmation_envoyee_le is not None or rdv.statut != Statut.PREVU,
            RAPPEL: rdv.rappel_envoye_le is not None or rdv.statut != Statut.PREVU,
            ANNULATION: rdv.annulation_envoyee_le is not None or rdv.statut != Statut.ANNULE,
        }[sorte]
        if deja or rdv.debut <= maintenant:
            return Resultat.DEJA_FAIT
        if not _canaux(rdv, sorte, maintenant):
            return Resultat.ECHEC
        if sorte == CONFIRMATION:
            rdv.confirmation_envoyee_le = maintenant
            rdv.save(update_fields=["confirmation_envoyee_le"])
        elif sorte == RAPPEL:
            rdv.rappel_envoye_le = maintenant
            rdv.save(update_fields=["rappel_envoye_le"])
        else:
            rdv.annulation_envoyee_le = maintenant
            rdv.save(update_fields=["annulation_envoyee_le"])
        return Resultat.ENVOYE


def programmer(rdv_id: int, sorte: str) -> None:
    """À appeler dans la transaction : l'envoi part après sa validation (rien si elle est annulée)."""
    transaction.on_commit(lambda: mettre_en_file(rdv_id, sorte))


def mettre_en_file(rdv_id: int, sorte: str, *, tentative: int = 1, apres: timedelta | None = None) -> None:
    from .taches import envoyer_message_tache

    tache = envoyer_message_tache
    if apres is not None:
        tache = tache.using(run_after=timezone.now() + apres)
    try:
        tache.enqueue(rdv_id, sorte, tentative)
    except Exception:  # le moteur de tâches ne doit pas faire échouer la réservation
        logger.exception("Rendez-vous %s : mise en file du message « %s » impossible", rdv_id, sorte)


# --- Rattrapage et rappels (commande périodique) --------------------------------------------------------


def a_confirmer(maintenant: datetime):
    """Confirmations jamais parties (panne du courriel ou du moteur de tâches)."""
    return RendezVous.objects.prevus().filter(
        confirmation_envoyee_le__isnull=True, anonymise_le__isnull=True, debut__gt=maintenant
    )


def a_annoncer(maintenant: datetime):
    """Annulations jamais parties (panne) d'un rendez-vous encore à venir ; un rendez-vous déplacé n'est pas
    annoncé comme annulé (la confirmation du nouveau, même UID, le remplace dans l'agenda de l'usager)."""
    return RendezVous.objects.filter(
        statut=Statut.ANNULE,
        annulation_envoyee_le__isnull=True,
        anonymise_le__isnull=True,
        debut__gt=maintenant,
        deplace_vers__isnull=True,
    )


def a_rappeler(maintenant: datetime) -> list[int]:
    """Rendez-vous prévus demain (jour local de la structure) ou dans les 24 h, pas encore rappelés, pris
    plus de 24 h avant (pris la veille, la confirmation suffit)."""
    candidats = (
        RendezVous.objects.prevus()
        .filter(
            rappel_envoye_le__isnull=True,
            anonymise_le__isnull=True,
            debut__gt=maintenant,
            debut__lt=maintenant + timedelta(hours=48),
        )
        .select_related("structure__departement")
        .order_by("debut")
    )
    resultat = []
    for rdv in candidats:
        fuseau = rdv.structure.fuseau
        demain = maintenant.astimezone(fuseau).date() + timedelta(days=1)
        proche = rdv.debut.astimezone(fuseau).date() <= demain or rdv.debut - maintenant <= timedelta(
            hours=24
        )
        if proche and rdv.cree_le < rdv.debut - timedelta(hours=24):
            resultat.append(rdv.pk)
    return resultat


@dataclass
class Bilan:
    confirmations: int = 0
    rappels: int = 0
    annulations: int = 0
    echecs: int = 0

    def en_dict(self) -> dict:
        return asdict(self)


def envoyer_tout(*, maintenant: datetime | None = None, dry_run: bool = False) -> Bilan:
    """Confirmations et annulations en retard, puis rappels de la veille. Idempotent : relancé, n'envoie rien
    de plus."""
    maintenant = maintenant or timezone.now()
    bilan = Bilan()
    confirmations = list(a_confirmer(maintenant).order_by("debut").values_list("pk", flat=True))
    annulations = list(a_annoncer(maintenant).order_by("debut").values_list("pk", flat=True))
    rappels = a_rappeler(maintenant)
    if dry_run:
        return Bilan(confirmations=len(confirmations), rappels=len(rappels), annulations=len(annulations))
    for pk in annulations:
        resultat = envoyer(pk, ANNULATION, maintenant)
        bilan.annulations += resultat == Resultat.ENVOYE
        bilan.echecs += resultat == Resultat.ECHEC
    for pk in confirmations:
        resultat = envoyer(pk, CONFIRMATION, maintenant)
        bilan.confirmations += resultat == Resultat.ENVOYE
        bilan.echecs += resultat == Resultat.ECHEC
    for pk in rappels:
        resultat = envoyer(pk, RAPPEL, maintenant)
        bilan.rappels += resultat == Resultat.ENVOYE
        bilan.echecs += resultat == Resultat.ECHEC
    return bilan
