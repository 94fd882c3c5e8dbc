"""Import du fichier de l'organisme de formation (CSV) : présence et réussite des inscrits, tout ou rien.

Colonnes (en-tête obligatoire, dans n'importe quel ordre ; séparateur « ; » ou « , » ; UTF-8) :

==========  =====================================================================================
colonne     contenu
==========  =====================================================================================
session     numéro de la session (affiché sur la page de présence) ; une de vos sessions, commencée
courriel    adresse électronique de l'agent, inscrit (confirmé) à cette session
presence    present ou absent (accents et casse indifférents ; p / a acceptés)
reussite    oui ou non ; « oui » vaut présence et délivre l'attestation
==========  =====================================================================================

Chaque ligne est validée ; s'il y a un seul rejet, rien n'est importé et le rapport dit pourquoi (ligne,
colonne, valeur, motif). Réimporter le même fichier ne change rien (une réussite déjà notée garde son code).
Une réussite n'est jamais retirée par un import : « non » pour une réussite déjà notée est un rejet (elle se
retire sur la page de présence).
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from franceservices.core.importation import TeleversementInvalide, lire_csv_televerse
from franceservices.core.texte import normaliser

from . import reussite
from .models import Inscription, Presence, Session, Source, Statut

COLONNES = ("session", "courriel", "presence", "reussite")
MAX_LIGNES = 5_000
PRESENCES = {
    "present": Presence.PRESENT,
    "p": Presence.PRESENT,
    "absent": Presence.ABSENT,
    "a": Presence.ABSENT,
}
REUSSITES = {"oui": True, "o": True, "non": False, "n": False}


FichierInvalide = TeleversementInvalide  # le fichier ne peut pas être lu : rien n'est importé


@dataclass
class Rejet:
    ligne: int
    colonne: str
    valeur: str
    motif: str

    def __str__(self):
        return f"ligne {self.ligne}, colonne {self.colonne} : {self.motif}"


@dataclass
class Rapport:
    nom_fichier: str
    lignes: int = 0
    rejets: list[Rejet] = field(default_factory=list)
    presences: int = 0
    reussites: int = 0
    inchangees: int = 0

    @property
    def valide(self) -> bool:
        return not self.rejets

    def resume(self) -> str:
        if self.rejets:
            return (
                f"{self.nom_fichier} : {len(self.rejets)} rejet(s) sur {self.lignes} ligne(s) — "
                "rien n'a été importé. Corrigez le fichier puis importez-le de nouveau."
            )
        return (
            f"{self.nom_fichier} : {self.lignes} ligne(s) ; {self.reussites} réussite(s) notée(s), "
            f"{self.presences} présence(s) notée(s), {self.inchangees} ligne(s) déjà à jour."
        )


def lire(contenu: bytes, nom_fichier: str) -> list[dict[str, str]]:
    return lire_csv_televerse(contenu, nom_fichier, COLONNES, ";".join(COLONNES), MAX_LIGNES)[1]


@dataclass
class _Ligne:
    inscription: Inscription
    presence: str
    reussie: bool


def _valider(lignes, par, rapport) -> list[_Ligne]:
    ids = {
        int(v) for ligne in lignes if (v := (ligne.get("session") or "").strip()).isdigit() and len(v) < 10
    }
    sessions = Session.objects.select_related("module").in_bulk(ids)
    suivies = set(reussite.sessions_suivies(par).filter(pk__in=ids).values_list("pk", flat=True))
    inscriptions = {
        (i.session_id, i.agent.email.lower()): i
        for i in Inscription.objects.filter(session_id__in=ids)
        .exclude(statut=Statut.ANNULEE)
        .exclude(statut=Statut.REFUSEE)
        .select_related("agent", "session__module")
    }
    maintenant = timezone.now()
    valides, vues = [], {}
    for numero, ligne in enumerate(lignes, start=2):
        if None in ligne or any(v is None for v in ligne.values()):
            rapport.rejets.append(Rejet(numero, "", "", "nombre de colonnes incorrect (fichier tronqué ?)"))
            continue
        valeurs = {c: (ligne.get(c) or "").strip() for c in COLONNES}
        avant = len(rapport.rejets)

        def rejeter(colonne, motif, valeurs=valeurs, numero=numero):
            rapport.rejets.append(Rejet(numero, colonne, valeurs[colonne], motif))

        session = None
        texte = valeurs["session"]
        if not texte:
            rejeter("session", "numéro de session vide")
        elif not texte.isdigit() or len(texte) >= 10 or int(texte) not in sessions:
            rejeter("session", f"session « {texte} » inconnue")
        elif int(texte) not in suivies:
            rejeter(
                "session",
                f"session « {texte} » : ni formateur, ni organisateur, ni animateur de son département",
            )
        else:
            session = sessions[int(texte)]
            if session.annulee_le is not None:
                rejeter("session", f"session « {texte} » annulée")
                session = None
            elif session.debut > maintenant:
                rejeter(
                    "session",
                    f"session « {texte} » pas encore commencée (le {timezone.localtime(session.debut):%d/%m/%Y})",
                )
                session = None
        presence = PRESENCES.get(normaliser(valeurs["presence"]))
        if presence is None:
            rejeter("presence", "présence inconnue : present ou absent attendu")
        reussie = REUSSITES.get(normaliser(valeurs["reussite"]))
        if reussie is None:
            rejeter("reussite", "réussite inconnue : oui ou non attendu")
        courriel = valeurs["courriel"].lower()
        inscription = None
        if not courriel:
            rejeter("courriel", "adresse électronique vide")
        elif session is not None:
            inscription = inscriptions.get((session.pk, courriel))
            if inscription is None:
                rejeter("courriel", f"aucun agent inscrit à la session {session.pk} avec cette adresse")
            elif inscription.statut != Statut.CONFIRMEE:
                rejeter("courriel", f"inscription non confirmée ({inscription.get_statut_display().lower()})")
                inscription = None
        if inscription is not None:
            if (precedente := vues.get(inscription.pk)) is not None:
                rejeter("courriel", f"agent déjà présent ligne {precedente} pour cette session")
            vues.setdefault(inscription.pk, numero)
            if reussie and presence == Presence.ABSENT:
                rejeter("reussite", "un agent absent ne peut pas avoir réussi")
            elif reussie is False and inscription.reussie_le is not None:
                rejeter(
                    "reussite",
                    f"réussite déjà notée (attestation {inscription.code_attestation}) : un import ne la retire "
                    "pas ; retirez-la sur la page de présence si c'est une erreur",
                )
        if len(rapport.rejets) == avant and inscription is not None:
            valides.append(_Ligne(inscription, presence, reussie))
    return valides


def importer(contenu: bytes, nom_fichier: str, *, par) -> Rapport:
    """Valide tout le fichier ; s'il n'y a aucun rejet, note présences et réussites (une transaction)."""
    lignes = lire(contenu, nom_fichier)
    rapport = Rapport(nom_fichier=nom_fichier, lignes=len(lignes))
    valides = _valider(lignes, par, rapport)
    if rapport.rejets:
        return rapport
    with transaction.atomic():
        for ligne in valides:
            if ligne.reussie:
                change = reussite.noter_reussite(par=par, inscription=ligne.inscription, source=Source.IMPORT)
                rapport.reussites += change
            else:
                change = reussite.noter_presence(
                    par=par, inscription=ligne.inscription, presence=ligne.presence
                )
                rapport.presences += change
            rapport.inchangees += not change
    return rapport
