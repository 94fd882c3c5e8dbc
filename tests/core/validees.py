"""Données validées (COMMIT) pour les parcours dans le navigateur, effacées à la fin du module.

Sur PostgreSQL, le serveur des parcours (tests/navigateur/conftest.py) lit par ses propres connexions :
il ne voit que les données validées, pas celles de la transaction d'un test. Un parcours connecté a donc
besoin de comptes, de sessions et d'événements réellement enregistrés ; ce module les crée hors de toute
transaction de test et efface à la fin tout ce qui a été ajouté entre-temps (y compris par le serveur :
connexions journalisées, sessions, traces de django-axes), pour laisser la base de test comme avant.

Le journal d'audit est en ajout seul (déclencheur PostgreSQL de la migration core/0002) : son nettoyage
passe, le temps d'une transaction, en `session_replication_role = replica` (les déclencheurs ne se
déclenchent pas ; réservé à un superutilisateur PostgreSQL, ce qu'est le compte des tests).

SQLite en mémoire : une fois Playwright lancé, le fil principal n'a plus la même connexion que le serveur
(contexte modifié, voir la fixture `navigateur`), et la transaction de chaque test s'ouvre en
`BEGIN IMMEDIATE` (réglage du projet) : elle verrouille la base partagée en écriture, et toute écriture du
serveur (journal, session) échouerait (« database table is locked »). Le temps du module, la connexion du
fil principal ouvre donc ses transactions en mode différé : elle ne verrouille qu'à sa première lecture.
Un parcours lit donc la base (assertions) après les actions du navigateur, pas avant.
"""

from contextlib import contextmanager

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client

from franceservices.activite.models import (
    Agregat,
    AgregatDepartement,
    Demande,
    Favori,
    ModificationDemande,
)
from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import Habilitation, Utilisateur
from franceservices.core.models import EvenementAudit

# Ordre d'effacement : les modèles qui en référencent d'autres d'abord.
SUIVIS = [
    ModificationDemande,
    Favori,
    Agregat,
    AgregatDepartement,
    Demande,
    EvenementAudit,
    Habilitation,
    Utilisateur,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
]


def _dernier(modele) -> int:
    return modele.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _effacer_journal(depuis: int) -> None:
    table = EvenementAudit._meta.db_table
    with transaction.atomic(), connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            curseur.execute("SET LOCAL session_replication_role = replica")
        curseur.execute(f"DELETE FROM {table} WHERE id > %s", [depuis])


@contextmanager
def donnees_validees():
    """À utiliser sous `django_db_blocker.unblock()`, hors d'un test (fixture de module)."""
    avant = {modele: _dernier(modele) for modele in SUIVIS}
    sessions = set(Session.objects.values_list("session_key", flat=True))
    mode = connection.transaction_mode if connection.vendor == "sqlite" else None
    if connection.vendor == "sqlite":
        connection.transaction_mode = None  # BEGIN différé
    try:
        yield
    finally:
        if connection.vendor == "sqlite":
            connection.transaction_mode = mode
        _effacer_journal(avant[EvenementAudit])
        Session.objects.exclude(session_key__in=sessions).delete()
        for modele in SUIVIS:
            if modele is not EvenementAudit:
                modele.objects.filter(pk__gt=avant[modele]).delete()


def session_connectee(utilisateur) -> dict:
    """Un cookie de session (validée) pour `utilisateur`, second facteur vérifié ; pour `add_cookies`."""
    client = Client()
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key}
