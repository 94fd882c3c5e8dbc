"""Les aides estimées : variable OpenFisca, période lue, partenaire qui la verse, démarche du catalogue.

Le partenaire et la démarche (`activite.Demarche` : lien en ligne, fiche service-public.fr, fiches du bouquet)
sont lus en base par leur code et leur libellé ; `lien_officiel` sert quand la démarche n'est pas au catalogue.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Aide:
    variable: str
    libelle: str
    annuelle: bool  # période OpenFisca : l'année (sinon le mois M)
    entite: str  # clé de l'entité OpenFisca portant le montant
    partenaire: str  # code de `partenaires.Partenaire`
    demarche: str  # libellé de `activite.Demarche` chez ce partenaire
    lien_officiel: str  # lien officiel connu (repli si la démarche manque au catalogue)


AIDES: tuple[Aide, ...] = (
    Aide("rsa", "Revenu de solidarité active (RSA)", False, "famille", "cnaf",
         "Revenu de solidarité active (RSA)", "https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/vie-personnelle/le-revenu-de-solidarite-active-rsa"),
    Aide("ppa", "Prime d'activité", False, "famille", "cnaf", "Prime d'activité",
         "https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/vie-professionnelle/la-prime-d-activite"),
    Aide("aide_logement", "Aides au logement (APL, ALS, ALF)", False, "famille", "cnaf",
         "Aides au logement (APL / ALS / ALF)", "https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/logement"),
    Aide("af", "Allocations familiales", False, "famille", "cnaf",
         "Prestations familiales (allocations familiales, PAJE)", "https://www.service-public.fr/particuliers/vosdroits/F13213"),
    Aide("cf", "Complément familial", False, "famille", "cnaf",
         "Prestations familiales (allocations familiales, PAJE)", "https://www.service-public.fr/particuliers/vosdroits/F13214"),
    Aide("asf", "Allocation de soutien familial (ASF)", False, "famille", "cnaf",
         "Prestations familiales (allocations familiales, PAJE)", "https://www.service-public.fr/particuliers/vosdroits/F815"),
    Aide("paje_base", "Allocation de base de la PAJE", False, "famille", "cnaf",
         "Prestations familiales (allocations familiales, PAJE)", "https://www.service-public.fr/particuliers/vosdroits/F2552"),
    Aide("ars", "Allocation de rentrée scolaire", True, "famille", "cnaf",
         "Prestations familiales (allocations familiales, PAJE)", "https://www.service-public.fr/particuliers/vosdroits/F1878"),
    Aide("aspa", "Allocation de solidarité aux personnes âgées (Aspa)", False, "famille", "cnav",
         "Allocation de solidarité aux personnes âgées (Aspa)", "https://www.service-public.fr/particuliers/vosdroits/F16871"),
    Aide("cheque_energie", "Chèque énergie", True, "menage", "cheque-energie", "Chèque énergie",
         "https://www.chequeenergie.gouv.fr"),
)  # fmt: skip

PAR_VARIABLE = {aide.variable: aide for aide in AIDES}
