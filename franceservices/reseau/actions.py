"""Écritures de la vie du réseau : enregistrer (et inviter), annuler un événement ; s'inscrire, se
désinscrire ; noter les présences ; déposer le compte rendu et des documents ; publier, retirer ; marquer
une publication lue.

Chaque action est atomique. L'inscription verrouille la ligne de l'événement (`select_for_update`) avant de
compter les places : deux personnes ne peuvent pas prendre toutes deux la dernière. Les courriels sont des
lignes de la table d'envoi écrites dans la transaction, envoyées par une tâche après validation
(`notifications.py`). Audit : `RESEAU_EVENEMENT` (création, modification, annulation, présences, compte
rendu), `RESEAU_PUBLICATION` (publication, retrait).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from . import notifications
from .diffusion import destinataires, filtre_gerables
from .models import Document, Envoi, EvenementReseau, Lecture, Participation, Publication, SorteEnvoi

MOTIF_MAX = 300


def gere(par, objet) -> bool:
    """`par` organise-t-il cet événement (ou gère-t-il cette publication) ?"""
    return type(objet).objects.filter(filtre_gerables(perimetre_de(par)), pk=objet.pk).exists()


def _verifier_gestion(par, objet):
    if not gere(par, objet):
        raise PermissionDenied("Seuls les organisateurs de ce périmètre peuvent faire cela.")


def _verrouiller(evenement) -> EvenementReseau:
    return EvenementReseau.objects.select_for_update(of=("self",)).get(pk=evenement.pk)


def inviter(evenement, maintenant=None) -> int:
    """Invite les destinataires qui ne le sont pas encore (participation + ligne d'envoi d'invitation)."""
    maintenant = maintenant or timezone.now()
    if evenement.annule_le is not None or evenement.debut <= maintenant:
        return 0
    deja = Participation.objects.filter(evenement=evenement).values("personne_id")
    nouveaux = list(destinataires(evenement).exclude(pk__in=deja).values_list("pk", flat=True))
    Participation.objects.bulk_create(
        [Participation(evenement=evenement, personne_id=p, invitee_le=maintenant) for p in nouveaux],
        ignore_conflicts=True,
        batch_size=1000,
    )
    Envoi.objects.bulk_create(
        [Envoi(evenement=evenement, personne_id=p, sorte=SorteEnvoi.INVITATION) for p in nouveaux],
        ignore_conflicts=True,
        batch_size=1000,
    )
    if nouveaux:
        notifications.programmer(evenement.pk)
    return len(nouveaux)


@transaction.atomic
def enregistrer_evenement(*, par, evenement, champs=(), request=None) -> int:
    """Crée ou modifie un événement (déjà validé par le formulaire) et invite ses destinataires. Renvoie le
    nombre de nouvelles invitations."""
    creation = evenement.pk is None
    if creation:
        evenement.organisateur = par
    else:
        _verrouiller(evenement)
    evenement.save()
    _verifier_gestion(par, evenement)  # dans la transaction : un périmètre hors de portée annule tout
    invites = inviter(evenement)
    journaliser(
        Evenement.RESEAU_EVENEMENT,
        request=request,
        acteur=par,
        cible=evenement,
        details={
            "action": "creation" if creation else "modification",
            "champs": sorted(champs),
            "invites": invites,
        },
    )
    return invites


@transaction.atomic
def annuler_evenement(*, par, evenement, motif: str, request=None, maintenant=None) -> int:
    """Annule l'événement ; les inscrits sont prévenus par courriel. Renvoie leur nombre."""
    maintenant = maintenant or timezone.now()
    motif = " ".join((motif or "").split())
    if not motif:
        raise ValidationError("Indiquez le motif de l'annulation.")
    if len(motif) > MOTIF_MAX:
        raise ValidationError(f"Le motif tient en {MOTIF_MAX} caractères au plus.")
    evenement = _verrouiller(evenement)
    _verifier_gestion(par, evenement)
    if evenement.annule_le is not None:
        raise ValidationError("Cet événement est déjà annulé.")
    if evenement.fin <= maintenant:
        raise ValidationError("Cet événement est terminé : il ne peut plus être annulé.")
    evenement.annule_le, evenement.motif_annulation = maintenant, motif
    evenement.save(update_fields=["annule_le", "motif_annulation", "modifie_le"])
    inscrits = list(
        Participation.objects.inscrites().filter(evenement=evenement).values_list("personne_id", flat=True)
    )
    Envoi.objects.bulk_create(
        [Envoi(evenement=evenement, personne_id=p, sorte=SorteEnvoi.ANNULATION) for p in inscrits],
        ignore_conflicts=True,
    )
    if inscrits:
        notifications.programmer(evenement.pk)
    journaliser(
        Evenement.RESEAU_EVENEMENT,
        request=request,
        acteur=par,
        cible=evenement,
        details={"action": "annulation", "motif": motif, "inscrits": len(inscrits)},
    )
    return len(inscrits)


def inscrits(evenement) -> int:
    return Participation.objects.inscrites().filter(evenement=evenement).count()


@transaction.atomic
def inscrire(*, par, evenement, maintenant=None) -> Participation:
    """Inscrit `par` (qui voit l'événement : la vue le vérifie) ; refuse clairement un événement complet."""
    maintenant = maintenant or timezone.now()
    evenement = _verrouiller(evenement)
    if evenement.annule_le is not None:
        raise ValidationError("Cet événement est annulé : les inscriptions sont closes.")
    if evenement.debut <= maintenant:
        raise ValidationError("Cet événement a commencé : les inscriptions sont closes.")
    participation = Participation.objects.filter(evenement=evenement, personne=par).first()
    if participation is not None and participation.inscrite:
        raise ValidationError("Vous êtes déjà inscrit(e) à cet événement.")
    if evenement.capacite is not None and inscrits(evenement) >= evenement.capacite:
        raise ValidationError(
            f"Complet : les {evenement.capacite} places sont prises. Si une personne se désinscrit, une place se "
            "libère : revenez plus tard."
        )
    if participation is None:
        participation = Participation(evenement=evenement, personne=par)
    participation.inscrite_le, participation.desinscrite_le = maintenant, None
    participation.save()
    return participation


@transaction.atomic
def desinscrire(*, par, evenement, maintenant=None) -> Participation:
    maintenant = maintenant or timezone.now()
    evenement = _verrouiller(evenement)
    participation = Participation.objects.filter(evenement=evenement, personne=par).first()
    if participation is None or not participation.inscrite:
        raise ValidationError("Vous n'êtes pas inscrit(e) à cet événement.")
    if evenement.debut <= maintenant:
        raise ValidationError("Cet événement a commencé : il n'est plus possible de se désinscrire.")
    participation.desinscrite_le = maintenant
    participation.save(update_fields=["desinscrite_le"])
    return participation


@transaction.atomic
def noter_presences(*, par, evenement, presents, request=None, maintenant=None) -> int:
    """Feuille de présence : les inscrits cochés sont présents, les autres absents. Après le début."""
    maintenant = maintenant or timezone.now()
    evenement = _verrouiller(evenement)
    _verifier_gestion(par, evenement)
    if evenement.annule_le is not None:
        raise ValidationError("Cet événement est annulé : pas de feuille de présence.")
    if evenement.debut > maintenant:
        raise ValidationError("La présence se note une fois l'événement commencé.")
    presents = {int(p) for p in presents}
    lignes = Participation.objects.inscrites().filter(evenement=evenement)
    inconnus = presents - set(lignes.values_list("pk", flat=True))
    if inconnus:
        raise ValidationError("La feuille de présence a changé entre-temps : rechargez la page.")
    n = lignes.filter(pk__in=presents).update(
        presente=True, presence_notee_par=par, presence_notee_le=maintenant
    )
    lignes.exclude(pk__in=presents).update(
        presente=False, presence_notee_par=par, presence_notee_le=maintenant
    )
    journaliser(
        Evenement.RESEAU_EVENEMENT,
        request=request,
        acteur=par,
        cible=evenement,
        details={"action": "presences", "presents": n, "inscrits": lignes.count()},
    )
    return n


def _enregistrer_documents(par, valides, **parent) -> list[Document]:
    documents = []
    for piece in valides:
        document = Document(
            nom=piece.nom,
            type_mime=piece.type_mime,
            taille=piece.taille,
            empreinte=piece.empreinte,
            depose_par=par,
            **parent,
        )
        document.fichier.save(piece.nom, piece.fichier, save=False)
        document.save()
        documents.append(document)
    return documents


@transaction.atomic
def deposer_compte_rendu(*, par, evenement, texte: str, documents=(), request=None, maintenant=None):
    """Compte rendu (texte) et documents (déjà validés par `fichiers.valider_documents`), après le début."""
    maintenant = maintenant or timezone.now()
    evenement = _verrouiller(evenement)
    _verifier_gestion(par, evenement)
    if evenement.annule_le is not None:
        raise ValidationError("Cet événement est annulé : pas de compte rendu.")
    if evenement.debut > maintenant:
        raise ValidationError("Le compte rendu se dépose une fois l'événement commencé.")
    texte = (texte or "").strip()
    champs = []
    if texte != evenement.compte_rendu:
        evenement.compte_rendu, evenement.compte_rendu_le = texte, maintenant
        evenement.save(update_fields=["compte_rendu", "compte_rendu_le", "modifie_le"])
        champs.append("compte_rendu")
    deposes = _enregistrer_documents(par, documents, evenement=evenement)
    journaliser(
        Evenement.RESEAU_EVENEMENT,
        request=request,
        acteur=par,
        cible=evenement,
        details={"action": "compte_rendu", "champs": champs, "documents": [d.empreinte for d in deposes]},
    )
    return deposes


@transaction.atomic
def publier(*, par, publication, documents=(), request=None) -> Publication:
    """Publie (déjà validée par le formulaire) ; vérifie que l'auteur gère ce périmètre."""
    creation = publication.pk is None
    if creation:
        publication.auteur = par
    publication.save()
    _verifier_gestion(par, publication)
    deposes = _enregistrer_documents(par, documents, publication=publication)
    journaliser(
        Evenement.RESEAU_PUBLICATION,
        request=request,
        acteur=par,
        cible=publication,
        details={
            "action": "publication" if creation else "modification",
            "perimetre": publication.libelle_perimetre,
            "documents": [d.empreinte for d in deposes],
        },
    )
    return publication


@transaction.atomic
def retirer(*, par, publication, request=None, maintenant=None) -> Publication:
    publication = Publication.objects.select_for_update(of=("self",)).get(pk=publication.pk)
    _verifier_gestion(par, publication)
    if publication.retiree_le is not None:
        raise ValidationError("Cette publication est déjà retirée.")
    publication.retiree_le, publication.retiree_par = maintenant or timezone.now(), par
    publication.save(update_fields=["retiree_le", "retiree_par", "modifie_le"])
    journaliser(
        Evenement.RESEAU_PUBLICATION,
        request=request,
        acteur=par,
        cible=publication,
        details={"action": "retrait"},
    )
    return publication


def marquer_lue(*, personne, publication) -> None:
    """Première lecture seulement (une ligne par personne et publication, jamais mise à jour)."""
    Lecture.objects.bulk_create([Lecture(personne=personne, publication=publication)], ignore_conflicts=True)
