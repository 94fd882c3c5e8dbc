"""Alertes « formation initiale non suivie dans le délai ».

Pour chaque agent actif (agent ou responsable) d'une France services dont l'échéance (début de son
habilitation + `FORMATION_INITIALE_DELAI_MOIS` mois, voir `suivi`) est dépassée sans qu'il soit formé : un
courriel au(x) responsable(s) actif(s) de la structure et à l'animateur (ou aux animateurs) du département.

Idempotence : une `AlerteFormation` (unique par agent × structure × échéance) est créée dans la même
transaction que l'envoi ; un échec d'envoi annule la transaction (l'alerte sera retentée au prochain
passage), une alerte enregistrée n'est jamais renvoyée. Une nouvelle habilitation (nouvelle échéance)
ouvre droit à une nouvelle alerte. Sans aucun destinataire, rien n'est enregistré (l'alerte partira quand
un responsable ou un animateur sera nommé).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.structures.models import Structure

from . import suivi
from .models import AlerteFormation

logger = logging.getLogger(__name__)


@dataclass
class Bilan:
    envoyees: list = field(default_factory=list)  # (agent, structure, echeance, destinataires)
    deja: int = 0
    sans_destinataire: int = 0
    echecs: int = 0


def destinataires_par_structure(structures) -> dict[int, list[str]]:
    """Adresses des responsables actifs de chaque structure et des animateurs actifs de son département."""
    responsables = defaultdict(set)
    for sid, email in (
        Habilitation.objects.actives()
        .filter(role=Role.RESPONSABLE, structure_id__in=[s.pk for s in structures])
        .values_list("structure_id", "utilisateur__email")
    ):
        responsables[sid].add(email)
    animateurs = defaultdict(set)
    for did, email in (
        Habilitation.objects.actives()
        .filter(role=Role.ANIMATEUR, departement_id__in={s.departement_id for s in structures})
        .values_list("departement_id", "utilisateur__email")
    ):
        animateurs[did].add(email)
    return {
        s.pk: sorted(a for a in responsables[s.pk] | animateurs[s.departement_id] if a) for s in structures
    }


def a_alerter(aujourdhui=None) -> list[suivi.EtatAgent]:
    """Agents en retard (tous les départements), sans alerte déjà envoyée pour leur échéance."""
    aujourdhui = aujourdhui or timezone.localdate()
    en_retard = [e for etats in suivi.etats_agents().values() for e in etats if e.en_retard(aujourdhui)]
    if not en_retard:
        return []
    deja = set(
        AlerteFormation.objects.filter(agent_id__in={e.agent_id for e in en_retard}).values_list(
            "agent_id", "structure_id", "echeance"
        )
    )
    return [e for e in en_retard if (e.agent_id, e.structure_id, e.echeance) not in deja]


def _courriel(agent, structure, echeance, destinataires) -> EmailMessage:
    lien = settings.SITE_URL.rstrip("/") + reverse("formations_dossiers:agent", args=[agent.pk])
    sujet = f"[France services] Formation initiale en retard — {agent} ({structure.nom})"
    corps = (
        f"{agent} ({structure.nom}) n'a pas terminé sa formation initiale (tronc commun), attendue au plus "
        f"tard le {echeance:%d/%m/%Y} ({settings.FORMATION_INITIALE_DELAI_MOIS} mois après le début de son "
        f"habilitation).\n\n"
        f"Merci de l'inscrire à une prochaine session.\n\n"
        f"Consulter son dossier de formation (connexion requise) : {lien}\n"
    )
    return EmailMessage(subject=sujet, body=corps, to=destinataires)


def alerter_formation_initiale(*, aujourdhui=None, dry_run=False) -> Bilan:
    """Envoie les alertes dues (voir le module). `dry_run` : calcule sans rien envoyer ni enregistrer."""
    bilan = Bilan()
    etats = a_alerter(aujourdhui)
    if not etats:
        return bilan
    structures = Structure.objects.in_bulk({e.structure_id for e in etats})
    agents = Utilisateur.objects.in_bulk({e.agent_id for e in etats})
    destinataires = destinataires_par_structure(list(structures.values()))
    for e in sorted(etats, key=lambda e: (e.structure_id, e.agent_id)):
        structure, agent = structures[e.structure_id], agents[e.agent_id]
        adresses = destinataires[e.structure_id]
        if not adresses:
            bilan.sans_destinataire += 1
            continue
        if dry_run:
            bilan.envoyees.append((agent, structure, e.echeance, adresses))
            continue
        try:
            with transaction.atomic():
                AlerteFormation.objects.create(
                    agent=agent, structure=structure, echeance=e.echeance, destinataires=adresses
                )
                _courriel(agent, structure, e.echeance, adresses).send()
        except IntegrityError:  # envoyée entre-temps par un autre passage
            bilan.deja += 1
            continue
        except (
            Exception
        ):  # serveur de courriel : l'alerte n'est pas enregistrée, retentée au prochain passage
            logger.exception("Alerte de formation pour %s (%s) : échec d'envoi", agent.pk, structure.pk)
            bilan.echecs += 1
            continue
        bilan.envoyees.append((agent, structure, e.echeance, adresses))
    return bilan
