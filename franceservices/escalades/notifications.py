"""Notifications par courriel des escalades.

`notifier` est appelé dans la transaction de l'événement (ouverture, message, changement de statut,
relance, dépassement) : il enregistre une `Notification` par événement (destinataires calculés ici), puis
l'envoi est confié à une tâche de fond après validation de la transaction. Un échec d'envoi laisse la
notification « à envoyer » : elle est retentée (commande `envoyer_notifications`).
"""

from django.conf import settings

from franceservices.comptes.models import Habilitation, Role

from .models import Acheminement, Cote, Notification, TypeNotification


def referents(escalade) -> list[str]:
    """Adresses des référents actifs du partenaire pour le département de l'escalade ; à défaut (acheminement
    national), celles de ses référents nationaux."""
    habilitations = Habilitation.objects.actives().filter(
        role=Role.REFERENT_PARTENAIRE, partenaire_id=escalade.partenaire_id
    )
    if escalade.acheminement == Acheminement.TERRITORIAL:
        habilitations = habilitations.filter(departement_id=escalade.departement_id)
    else:
        habilitations = habilitations.filter(departement__isnull=True)
    return sorted(set(habilitations.values_list("utilisateur__email", flat=True)))


def agents(escalade) -> list[str]:
    """L'agent qui a ouvert l'escalade (s'il est encore actif)."""
    agent = escalade.ouverte_par
    return [agent.email] if agent is not None and agent.is_active else []


def lien(escalade) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/escalades/{escalade.pk}/"


def notifier(escalade, type_: TypeNotification, *, message=None, destinataires=None) -> Notification | None:
    """Enregistre la notification d'un événement (à appeler dans sa transaction). Aucune donnée personnelle
    de l'usager dans le courriel : la référence et un lien vers la fiche, qui exige une connexion."""
    if destinataires is None:
        if type_ in {TypeNotification.OUVERTURE, TypeNotification.RELANCE} or (message is not None and message.cote == Cote.STRUCTURE):
            destinataires = referents(escalade)
        else:
            destinataires = agents(escalade)
    if not destinataires:
        return None
    libelle = TypeNotification(type_).label
    sujet = f"[France services] {libelle} — escalade {escalade.reference} ({escalade.partenaire.nom_court})"
    corps = (
        f"{libelle} : escalade {escalade.reference} au partenaire {escalade.partenaire.nom_court}, "
        f"ouverte par {escalade.structure.nom}.\n"
        f"Statut : {escalade.get_statut_display()}. Réponse attendue le {escalade.echeance:%d/%m/%Y}.\n\n"
        f"Consulter l'escalade (connexion requise) : {lien(escalade)}\n"
    )
    return Notification.objects.create(
        escalade=escalade, type=type_, destinataires=destinataires, sujet=sujet, corps=corps
    )
