"""Liste de départ des critères du label (projet) : les critères calculables depuis les données et quelques
critères du référentiel qui ne peuvent qu'être constatés à l'audit. Ce n'est pas le texte de l'arrêté :
l'équipe nationale la complète et l'ajuste dans `/label/criteres/` (seuils, libellés, formats).

Chargée par la migration 0002 et par la commande `charger_criteres_label` : idempotent (un critère déjà
présent, même modifié, n'est jamais écrasé).
"""

FIXES = ["fixe", "fixe_antennes"]

CRITERES = [
    # code, libellé, description, règle (None : constaté), paramètres, formats, ordre
    (
        "ouverture",
        "Ouverture d'au moins 24 heures sur 5 jours par semaine",
        "Sites fixes : heures et jours d'ouverture calculés depuis les horaires structurés de la fiche.",
        "horaires_ouverture",
        {"heures_min": 24, "jours_min": 5},
        FIXES,
        10,
    ),
    (
        "agents-formes",
        "Au moins deux agents formés présents",
        "Agents et responsables actifs ayant réussi les modules du tronc commun qui comptent pour le label.",
        "agents_formes",
        {"agents_min": 2},
        [],
        20,
    ),
    (
        "equipe",
        "Une équipe habilitée avec un responsable",
        "Personnes habilitées (agents et responsables) dans l'outil, dont au moins un responsable.",
        "equipe",
        {"agents_min": 2, "responsables_min": 1},
        [],
        30,
    ),
    (
        "partenaires",
        "Les partenaires nationaux sont proposés",
        "Tous les partenaires du socle sont actifs et au moins le nombre indiqué de partenaires nationaux est "
        "proposé (socle, ajoutés, pilotes qui couvrent la France services).",
        "partenaires",
        {"partenaires_min": 9},
        [],
        40,
    ),
    (
        "horaires-publies",
        "Horaires d'ouverture publiés",
        "La fiche publique donne des horaires structurés pour chaque jour (aucun jour « non communiqué »).",
        "horaires_publies",
        {},
        [],
        50,
    ),
    (
        "donnees-a-jour",
        "Données de la fiche à jour",
        "Fiche modifiée récemment et sans anomalie d'import en suspens.",
        "donnees_a_jour",
        {"mois_max": 12, "anomalies_max": 0},
        [],
        60,
    ),
    (
        "bureau-confidentiel",
        "Un bureau ou espace confidentiel",
        "Un espace fermé permet de recevoir un usager à l'abri des regards et des oreilles.",
        None,
        {},
        [],
        100,
    ),
    (
        "neutralite",
        "Neutralité de l'accueil",
        "Accueil neutre et gratuit, sans promotion d'une offre commerciale ni d'une opinion.",
        None,
        {},
        [],
        110,
    ),
    (
        "espace-numerique",
        "Espace numérique en libre accès",
        "Postes informatiques, impression et numérisation en libre accès, avec un accompagnement.",
        None,
        {},
        [],
        120,
    ),
    (
        "signaletique",
        "Signalétique France services",
        "Signalétique extérieure et intérieure conforme à la charte graphique du réseau.",
        None,
        {},
        [],
        130,
    ),
    (
        "accessibilite",
        "Accessibilité aux personnes en situation de handicap",
        "Accès et accueil adaptés (cheminement, hauteur de comptoir, aides à la communication).",
        None,
        {},
        FIXES,
        140,
    ),
    (
        "visio-partenaires",
        "Outils de visioconférence avec les partenaires",
        "Un équipement permet un rendez-vous à distance entre l'usager et un partenaire.",
        None,
        {},
        [],
        150,
    ),
    (
        "satisfaction",
        "Mesure de la satisfaction des usagers",
        "Un dispositif recueille l'avis des usagers ; les résultats sont suivis.",
        None,
        {},
        [],
        160,
    ),
]


def charger(Critere, origine: str) -> int:
    """Crée les critères de départ absents ; renvoie le nombre de critères créés. `Critere` : le modèle (réel
    ou historique de migration)."""
    crees = 0
    for code, libelle, description, regle, parametres, formats, ordre in CRITERES:
        _, cree = Critere.objects.get_or_create(
            code=code,
            defaults={
                "libelle": libelle,
                "description": description,
                "mode": "calcule" if regle else "constate",
                "regle": regle or "",
                "parametres": parametres,
                "formats": formats,
                "ordre": ordre,
                "origine": origine,
            },
        )
        crees += cree
    return crees
