"""Escalades SYNTHÉTIQUES (`synthetique=True`) pour les mesures (`benchmarks/escalades.py`) et la démonstration :
jamais comptées dans les chiffres réels (sauf option explicite), jamais suivies ni notifiées.

`nouvelle_escalade` construit aussi une escalade cohérente (département, délai, échéance) pour les tests.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.jours_ouvres import ajouter_jours_ouvres

from .delais import echeance_initiale
from .models import STATUTS_CLOS, Cote, Engagement, Escalade, Message, MotifRejet, Statut

DELAI_PAR_DEFAUT = Engagement._meta.get_field("delai_jours_ouvres").default


def delai_de(partenaire) -> int:
    engagement = Engagement.objects.filter(partenaire=partenaire).first()
    return engagement.delai_jours_ouvres if engagement is not None else DELAI_PAR_DEFAUT


def nouvelle_escalade(
    *, structure, partenaire, ouverte_le=None, delai=None, enregistrer=True, **champs
) -> Escalade:
    """Une escalade cohérente : département de la structure, délai de l'engagement du partenaire, échéance
    en jours ouvrés (fériés de la zone du département exclus)."""
    ouverte_le = ouverte_le or timezone.now()
    delai = delai if delai is not None else delai_de(partenaire)
    code = structure.departement.code
    escalade = Escalade(
        structure=structure,
        departement_id=structure.departement_id,
        partenaire=partenaire,
        ouverte_le=ouverte_le,
        delai_jours_ouvres=delai,
        echeance=echeance_initiale(ouverte_le, delai, code),
        objet=champs.pop("objet", "Dossier bloqué"),
        description=champs.pop(
            "description", "Pièces transmises au guichet ; réponse attendue du partenaire."
        ),
        **champs,
    )
    if enregistrer:
        escalade.save()
    return escalade


def _instant(jour: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(jour, time(8 + rng.randrange(10), rng.randrange(60))))


MOTIFS = [m for m in MotifRejet if m != MotifRejet.AUTRE]


def _escalade(structure, partenaire, delai: int, aujourdhui: date, rng: random.Random):
    """Une escalade synthétique et ses messages (non enregistrés)."""
    code = structure.departement.code
    jour = aujourdhui - timedelta(days=rng.randrange(1, 366))
    e = nouvelle_escalade(
        structure=structure,
        partenaire=partenaire,
        ouverte_le=_instant(jour, rng),
        delai=delai,
        enregistrer=False,
        synthetique=True,
        objet="[Synthétique] Dossier bloqué",
        usager_nom="Fictif",
        usager_prenom="Usager",
    )
    # Délai de réponse plausible : la plupart dans le délai, une queue au-delà.
    jours = min(int(rng.lognormvariate(1.6, 0.7)), 60)
    reponse = ajouter_jours_ouvres(jour, jours, code)
    messages = [(e.ouverte_le, Cote.STRUCTURE, "Dossier transmis au partenaire (message synthétique).")]
    if reponse < aujourdhui and rng.random() < 0.85:
        e.prise_en_charge_le = e.premiere_reponse_le = _instant(reponse, rng)
        if e.premiere_reponse_le < e.ouverte_le:
            e.premiere_reponse_le = e.prise_en_charge_le = e.ouverte_le + timedelta(hours=1)
        e.close_le = e.premiere_reponse_le
        e.jours_ouvres_reponse = jours
        e.dans_les_temps = jours <= delai
        if rng.random() < 0.15:
            e.statut, e.motif_rejet = Statut.REJETEE, rng.choice(MOTIFS)
        else:
            e.statut = Statut.RESOLUE
        messages.append((e.close_le, Cote.PARTENAIRE, "Réponse du partenaire (message synthétique)."))
    else:
        e.statut = rng.choice(
            [Statut.NOUVELLE, Statut.PRISE_EN_CHARGE, Statut.PRISE_EN_CHARGE, Statut.ATTENTE_USAGER]
        )
        if e.statut != Statut.NOUVELLE:
            e.prise_en_charge_le = e.premiere_reponse_le = e.ouverte_le + timedelta(hours=2)
        if e.statut == Statut.ATTENTE_USAGER:
            e.attente_depuis = e.premiere_reponse_le
    assert (e.statut in STATUTS_CLOS) == (e.close_le is not None)
    return e, messages


def generer(
    nombre: int,
    *,
    partenaire: Partenaire | None = None,
    departement: str | None = None,
    graine: int = 0,
    aujourdhui: date | None = None,
    paquet: int = 2_000,
) -> int:
    """Insère `nombre` escalades synthétiques (et leurs messages) par paquets ; renvoie le nombre inséré."""
    rng = random.Random(graine)
    aujourdhui = aujourdhui or timezone.localdate()
    structures = Structure.objects.select_related("departement").order_by("pk")
    if departement:
        structures = structures.filter(departement__code=departement)
    structures = list(structures)
    if not structures:
        raise ValueError("Aucune France services dans ce périmètre.")
    partenaires = [partenaire] if partenaire else list(Partenaire.objects.filter(actif=True).order_by("pk"))
    if not partenaires:
        raise ValueError("Aucun partenaire actif.")
    delais = dict(Engagement.objects.values_list("partenaire_id", "delai_jours_ouvres"))
    fait = 0
    while fait < nombre:
        lot = []
        for _ in range(min(paquet, nombre - fait)):
            p = rng.choice(partenaires)
            lot.append(
                _escalade(rng.choice(structures), p, delais.get(p.pk, DELAI_PAR_DEFAUT), aujourdhui, rng)
            )
        with transaction.atomic():
            escalades = Escalade.objects.bulk_create([e for e, _ in lot])
            if escalades and escalades[0].pk is None:  # SQLite ancien : relire les clés
                refs = {e.reference: e for e in escalades}
                for pk, ref in Escalade.objects.filter(reference__in=refs).values_list("pk", "reference"):
                    refs[ref].pk = pk
            Message.objects.bulk_create(
                [
                    Message(escalade=e, cote=cote, texte=texte, cree_le=quand)
                    for e, (_, messages) in zip(escalades, lot, strict=True)
                    for quand, cote, texte in messages
                ]
            )
        fait += len(lot)
    return fait
