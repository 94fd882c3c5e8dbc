"""Fabriques des tests du suivi des formations : vraies France services et vrais partenaires du référentiel."""

import re
from datetime import timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.formations.models import Categorie, Inscription, Module, Session, Statut
from franceservices.partenaires.models import Partenaire, Pilote
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

_numero = count(1)


def structure(code="16", rang=0) -> Structure:
    return Structure.objects.filter(departement__code=code).select_related("departement").order_by("pk")[rang]


def module(**champs) -> Module:
    n = next(_numero)
    valeurs = {
        "code": f"module-suivi-{n}",
        "titre": f"Accueil et accompagnement {n}",
        "categorie": Categorie.SOCLE,
        "organisme": "CNFPT",
        "duree_heures": Decimal("7"),
        **champs,
    }
    return Module.objects.create(**valeurs)


def session(
    *, module_=None, jours=-1, departement=None, formateur=None, organisee_par=None, **champs
) -> Session:
    debut = timezone.now() + timedelta(days=jours)
    return Session.objects.create(
        module=module_ or module(),
        debut=debut,
        fin=debut + timedelta(hours=7),
        capacite=champs.pop("capacite", 20),
        departement=departement,
        formateur=formateur,
        organisee_par=organisee_par,
        lieu="Salle du conseil, mairie",
        **champs,
    )


def inscrire(session_, agent, statut=Statut.CONFIRMEE) -> Inscription:
    return Inscription.objects.create(
        session=session_, agent=agent, statut=statut, demandee_le=timezone.now()
    )


def nommer(utilisateur, prenom: str, nom: str):
    utilisateur.first_name, utilisateur.last_name = prenom, nom
    utilisateur.save(update_fields=["first_name", "last_name"])
    return utilisateur


def agent(structure_=None, *, prenom=None, nom=None, **champs):
    utilisateur = personne(Role.AGENT, structure=structure_ or structure(), **champs)
    return nommer(utilisateur, prenom, nom) if prenom else utilisateur


def pilote(partenaire=None, *, departements=(), structures=(), debut_jours=-30, fin_jours=60) -> Pilote:
    partenaire = partenaire or Partenaire.objects.filter(actif=True).order_by("pk").first()
    aujourd_hui = timezone.localdate()
    p = Pilote.objects.create(
        partenaire=partenaire,
        nom=f"Pilote {partenaire.nom_court}",
        debut=aujourd_hui + timedelta(days=debut_jours),
        fin=aujourd_hui + timedelta(days=fin_jours),
    )
    p.departements.set(departements)
    p.structures.set(structures)
    return p


def connecter(client, utilisateur):
    from franceservices.comptes.middleware import CLE_SESSION

    client.force_login(utilisateur)
    s = client.session
    s[CLE_SESSION] = True
    s.save()
    return utilisateur


def texte_pdf(contenu: bytes) -> str:
    """Texte d'un PDF non compressé de WeasyPrint (polices Type0, Identity-H, ToUnicode) : on suit les
    changements de police (`Tf`) et l'on traduit chaque glyphe par la table ToUnicode de sa police."""
    brut = contenu.decode("latin-1")
    objets = dict(re.findall(r"(?s)(\d+) 0 obj(.*?)endobj", brut))
    tables: dict[str, dict[str, str]] = {}
    for corps in objets.values():
        police = re.search(r"/BaseFont /(\w+)\+[^/]*/ToUnicode (\d+) 0 R", corps)
        if not police:
            continue
        cmap = objets[police.group(2)]
        table = {}
        for bloc in re.findall(r"(?s)beginbfchar(.*?)endbfchar", cmap):
            for glyphe, code in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", bloc):
                table[glyphe.lower()] = bytes.fromhex(code).decode("utf-16-be")
        for bloc in re.findall(r"(?s)beginbfrange(.*?)endbfrange", cmap):
            for debut, fin, code in re.findall(
                r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", bloc
            ):
                for k in range(int(debut, 16), int(fin, 16) + 1):
                    table[f"{k:0{len(debut)}x}"] = chr(int(code, 16) + k - int(debut, 16))
        tables[police.group(1)] = table
    morceaux, table = [], {}
    for nom, tj, tj_simple in re.findall(r"/(\w+) [\d.]+ Tf|\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]+)>\s*Tj", brut):
        if nom:
            table = tables.get(nom, {})
            continue
        chaines = re.findall(r"<([0-9a-fA-F]+)>", tj) if tj else [tj_simple]
        mot = "".join(table.get(h[k : k + 4].lower(), "?") for h in chaines for k in range(0, len(h), 4))
        morceaux.append(mot)
    return " ".join(morceaux)
