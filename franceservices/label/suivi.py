"""Rappels des audits du label à échéance (commande périodique `suivre_labels`).

Pour chaque France services dont le label court (dossier labellisé, renouvelé, en audit ou en plan
correctif, ou labellisée au registre sans dossier) et dont l'échéance d'audit (date de labellisation ou de
renouvellement + `ReglageCycle.duree_mois`) tombe dans les `preavis` jours ou est dépassée : un courriel à la
préfecture (coordinateurs) et à l'animateur du département.

Une fois seulement : une `RappelAudit` (unique par structure et échéance) est d'abord enregistrée et validée
(COMMIT), puis le courriel part ; `envoye_le` n'est posé qu'après un envoi réussi. Un échec SMTP est
journalisé et compté sur la marque, qui reste « à envoyer » : le passage suivant la reprend. Sur
PostgreSQL, la ligne est verrouillée pendant l'envoi (`FOR UPDATE SKIP LOCKED`) : deux passages simultanés
n'envoient pas deux fois. Une nouvelle échéance (renouvellement) ouvre droit à un nouveau rappel.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.structures.models import Structure

from .models import LABEL_EN_COURS, Dossier, RappelAudit, ReglageCycle, ajouter_mois

logger = logging.getLogger(__name__)


@dataclass
class Bilan:
    a_rappeler: list = field(default_factory=list)  # (structure, échéance)
    envoyes: list = field(default_factory=list)  # (structure, échéance, destinataires)
    sans_destinataire: int = 0
    echecs: int = 0


def echeances(*, aujourdhui=None, preavis=None) -> list[tuple[Structure, object]]:
    """(structure, échéance) des labels dont l'audit est dû avant aujourd'hui + préavis (dépassés compris)."""
    aujourdhui = aujourdhui or timezone.localdate()
    reglage = ReglageCycle.courant()
    preavis = reglage.preavis_jours if preavis is None else preavis
    limite = aujourdhui + timedelta(days=preavis)
    # Date de labellisation la plus récente qui donne une échéance avant la limite.
    borne = ajouter_mois(limite, -reglage.duree_mois)
    resultat = []
    dossiers = Dossier.objects.filter(etat__in=LABEL_EN_COURS, date_label__lte=borne).select_related(
        "structure__departement"
    )
    for d in dossiers:
        resultat.append((d.structure, ajouter_mois(d.date_label, reglage.duree_mois)))
    sans_dossier = Structure.objects.filter(
        dossier_label__isnull=True, date_labellisation__lte=borne
    ).select_related("departement")
    for s in sans_dossier:
        resultat.append((s, ajouter_mois(s.date_labellisation, reglage.duree_mois)))
    return sorted(resultat, key=lambda x: (x[1], x[0].pk))


def destinataires_par_departement(departement_ids) -> dict[int, list[str]]:
    adresses = defaultdict(set)
    for did, email in (
        Habilitation.objects.actives()
        .filter(
            role__in=[Role.COORDINATEUR_PREFECTURE, Role.ANIMATEUR], departement_id__in=set(departement_ids)
        )
        .values_list("departement_id", "utilisateur__email")
    ):
        if email:
            adresses[did].add(email)
    return {d: sorted(a) for d, a in adresses.items()}


def _courriel(structure, echeance, destinataires, aujourdhui) -> EmailMessage:
    lien = settings.SITE_URL.rstrip("/") + reverse("label:structure", args=[structure.pk])
    quand = "était attendu" if echeance < aujourdhui else "est attendu"
    sujet = f"[France services] Audit du label à prévoir — {structure.nom} ({echeance:%d/%m/%Y})"
    corps = (
        f"L'audit du label de la France services {structure.nom} ({structure.departement.nom}) {quand} au plus "
        f"tard le {echeance:%d/%m/%Y}.\n\n"
        f"Merci de le programmer, puis d'enregistrer son ouverture et ses constats dans l'outil.\n\n"
        f"Conformité et cycle du label (connexion requise) : {lien}\n"
    )
    return EmailMessage(subject=sujet, body=corps, to=destinataires)


def suivre_labels(*, aujourdhui=None, preavis=None, dry_run=False) -> Bilan:
    aujourdhui = aujourdhui or timezone.localdate()
    bilan = Bilan()
    dues = echeances(aujourdhui=aujourdhui, preavis=preavis)
    if dry_run:
        deja = set(
            RappelAudit.objects.filter(envoye_le__isnull=False).values_list("structure_id", "echeance")
        )
        bilan.a_rappeler = [(s, e) for s, e in dues if (s.pk, e) not in deja]
        return bilan
    # 1. Les marques (validées avant tout envoi).
    for s, e in dues:
        try:
            with transaction.atomic():
                RappelAudit.objects.get_or_create(structure=s, echeance=e)
        except IntegrityError:  # créée entre-temps par un autre passage
            pass
    # 2. Les envois en attente (nouveaux, ou échoués aux passages précédents).
    en_attente = list(
        RappelAudit.objects.filter(envoye_le__isnull=True)
        .filter(Q(structure__in=[s for s, _ in dues]) | Q(echecs__gt=0))
        .select_related("structure__departement")
        .order_by("echeance", "pk")
    )
    adresses = destinataires_par_departement({r.structure.departement_id for r in en_attente})
    for rappel in en_attente:
        destinataires = adresses.get(rappel.structure.departement_id, [])
        if not destinataires:
            bilan.sans_destinataire += 1  # reste à envoyer : partira quand quelqu'un sera nommé
            continue
        with transaction.atomic():
            verrou = (
                RappelAudit.objects.select_for_update(skip_locked=True)
                .filter(pk=rappel.pk, envoye_le__isnull=True)
                .first()
            )
            if verrou is None:
                continue
            try:
                _courriel(rappel.structure, rappel.echeance, destinataires, aujourdhui).send()
            except Exception as erreur:  # serveur de courriel : journalisé, repris au passage suivant
                logger.exception("Rappel d'audit %s (%s) : échec d'envoi", rappel.pk, rappel.structure_id)
                verrou.echecs += 1
                verrou.derniere_erreur = str(erreur)[:300]
                verrou.save(update_fields=["echecs", "derniere_erreur"])
                bilan.echecs += 1
                continue
            verrou.envoye_le = timezone.now()
            verrou.destinataires = destinataires
            verrou.save(update_fields=["envoye_le", "destinataires"])
        bilan.envoyes.append((rappel.structure, rappel.echeance, destinataires))
    return bilan
