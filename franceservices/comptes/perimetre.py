"""Le périmètre d'une personne : ce qu'elle voit et ce qu'elle gère, déduit de ses habilitations actives.

Toutes les listes et fiches partent d'un `X.objects.visible_par(user)` qui s'appuie sur ce module ;
c'est le seul endroit où se décide « qui voit quoi ». Calculé une fois par requête (mis en cache sur
l'objet utilisateur).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from .models import Habilitation, Role

RIEN = Q(pk__in=[])

# Qui peut inviter (et retirer) quels rôles.
ROLES_INVITABLES = {
    Role.EQUIPE_NATIONALE: set(Role),
    Role.ANIMATEUR: {Role.RESPONSABLE, Role.AGENT},
    Role.RESPONSABLE: {Role.AGENT},
}


@dataclass(frozen=True)
class Perimetre:
    national: bool = False
    structures_agent: frozenset[int] = frozenset()
    structures_responsable: frozenset[int] = frozenset()
    departements_animateur: frozenset[int] = frozenset()
    departements_prefecture: frozenset[int] = frozenset()
    # (partenaire_id, departement_id) ; departement_id None : référent national du partenaire.
    partenaires: frozenset[tuple[int, int | None]] = frozenset()
    lieux_mediation: frozenset[int] = frozenset()
    habilitations: tuple[Habilitation, ...] = field(default=(), compare=False)

    @classmethod
    def depuis(cls, habilitations, *, superutilisateur=False) -> "Perimetre":
        habilitations = tuple(habilitations)

        def ids(role, champ):
            return frozenset(getattr(h, f"{champ}_id") for h in habilitations if h.role == role)

        return cls(
            national=superutilisateur or any(h.role == Role.EQUIPE_NATIONALE for h in habilitations),
            structures_agent=ids(Role.AGENT, "structure"),
            structures_responsable=ids(Role.RESPONSABLE, "structure"),
            departements_animateur=ids(Role.ANIMATEUR, "departement"),
            departements_prefecture=ids(Role.COORDINATEUR_PREFECTURE, "departement"),
            partenaires=frozenset(
                (h.partenaire_id, h.departement_id)
                for h in habilitations
                if h.role == Role.REFERENT_PARTENAIRE
            ),
            lieux_mediation=ids(Role.CONSEILLER_NUMERIQUE, "lieu_mediation"),
            habilitations=habilitations,
        )

    # — Ce que la personne voit —

    @property
    def structures(self) -> frozenset[int]:
        return self.structures_agent | self.structures_responsable

    @property
    def departements(self) -> frozenset[int]:
        """Départements vus en entier (animation, préfecture, référents partenaires)."""
        return (
            self.departements_animateur
            | self.departements_prefecture
            | {d for _, d in self.partenaires if d is not None}
        )

    @property
    def partenaires_nationaux(self) -> frozenset[int]:
        """Partenaires dont la personne est référente nationale (tous les territoires)."""
        return frozenset(p for p, d in self.partenaires if d is None)

    @property
    def est_vide(self) -> bool:
        return not (
            self.national or self.structures or self.departements or self.lieux_mediation or self.partenaires
        )

    def filtre_structures(self) -> Q:
        if self.national:
            return Q()
        conditions = []
        if self.structures:
            conditions.append(Q(pk__in=self.structures))
        if self.departements:
            conditions.append(Q(departement_id__in=self.departements))
        return reduce(or_, conditions) if conditions else RIEN

    def filtre_demandes(self) -> Q:
        """Demandes (activité) : celles de mes France services, de mes départements, ou de mon partenaire
        dans mes départements (référent). Les conseillers numériques n'en voient aucune."""
        if self.national:
            return Q()
        conditions = []
        if self.structures:
            conditions.append(Q(structure_id__in=self.structures))
        territoire = self.departements_animateur | self.departements_prefecture
        if territoire:
            conditions.append(Q(structure__departement_id__in=territoire))
        if self.partenaires:
            conditions.append(self.filtre_referents(departement="structure__departement_id"))
        return reduce(or_, conditions) if conditions else RIEN

    def filtre_referents(
        self, *, partenaire: str = "partenaire_id", departement: str = "departement_id"
    ) -> Q:
        """Ce que voit un référent partenaire : son partenaire dans son département (référent national : dans
        tous). `partenaire` et `departement` : les chemins de ces champs dans le modèle filtré."""
        conditions = []
        for partenaire_id, departement_id in self.partenaires:
            q = Q(**{partenaire: partenaire_id})
            if departement_id is not None:
                q &= Q(**{departement: departement_id})
            conditions.append(q)
        return reduce(or_, conditions) if conditions else RIEN

    def filtre_habilitations(self) -> Q | None:
        """Habilitations (actives ou passées) dont la personne peut voir le titulaire."""
        if self.national:
            return Q()
        conditions = []
        if self.structures:
            conditions.append(Q(structure_id__in=self.structures))
        territoire = self.departements_animateur | self.departements_prefecture
        if territoire:
            conditions.append(
                Q(structure__departement_id__in=territoire)
                | Q(departement_id__in=territoire)
                | Q(lieu_mediation__departement_id__in=territoire)
            )
        for partenaire_id, departement_id in self.partenaires:
            referents = Q(role=Role.REFERENT_PARTENAIRE, partenaire_id=partenaire_id)
            if departement_id is not None:
                referents &= Q(departement_id=departement_id)
            conditions.append(referents)
        if self.lieux_mediation:
            conditions.append(Q(lieu_mediation_id__in=self.lieux_mediation))
        return reduce(or_, conditions) if conditions else None

    # — Ce que la personne gère —

    def peut_gerer_structure(self, structure) -> bool:
        """Modifier la fiche (coordonnées, horaires) et l'équipe d'une France services."""
        return (
            self.national
            or structure.pk in self.structures_responsable
            or structure.departement_id in self.departements_animateur
        )

    def roles_invitables(self) -> set[Role]:
        roles = set()
        if self.national:
            roles |= ROLES_INVITABLES[Role.EQUIPE_NATIONALE]
        if self.departements_animateur:
            roles |= ROLES_INVITABLES[Role.ANIMATEUR]
        if self.structures_responsable:
            roles |= ROLES_INVITABLES[Role.RESPONSABLE]
        return roles

    def peut_accorder(self, element) -> bool:
        """Accorder (par invitation) ou retirer cette habilitation : rôle et périmètre dans les miens.

        `element` est une Habilitation ou une Invitation (rôle + élément de périmètre)."""
        if self.national:
            return True
        role = element.role
        if role == Role.AGENT and element.structure_id in self.structures_responsable:
            return True
        if role in {Role.AGENT, Role.RESPONSABLE} and self.departements_animateur and element.structure_id:
            return element.structure.departement_id in self.departements_animateur
        return False

    @property
    def saisit_des_demandes(self) -> bool:
        """Agents et responsables : saisie de l'activité de leurs France services."""
        return bool(self.structures)

    @property
    def voit_statistiques(self) -> bool:
        """Tableaux de bord : tout le monde sauf les conseillers numériques (et les comptes sans habilitation)."""
        return self.national or bool(self.structures or self.departements)

    @property
    def voit_escalades(self) -> bool:
        """Cas escaladés : agents et responsables (leurs structures), référents partenaires, équipe nationale.
        Animateurs, préfectures et conseillers numériques voient les chiffres, pas les cas."""
        return self.national or bool(self.structures or self.partenaires)

    @property
    def voit_agenda(self) -> bool:
        """Agenda des rendez-vous : agents et responsables (leurs structures), équipe nationale (lecture)."""
        return self.national or bool(self.structures)

    @property
    def voit_rappels(self) -> bool:
        """File des rappels : structures, départements (animation, préfecture), partenaires, équipe nationale."""
        return self.national or bool(self.structures or self.departements or self.partenaires)

    @property
    def voit_orientations(self) -> bool:
        """Chiffres du guichet unique : équipe nationale, animateurs, préfectures, référents partenaires."""
        return self.national or bool(self.departements or self.partenaires)

    @property
    def voit_formations(self) -> bool:
        """Catalogue des formations : agents, responsables, animateurs, préfectures, équipe nationale."""
        return self.national or bool(
            self.structures or self.departements_animateur or self.departements_prefecture
        )

    @property
    def organise_formations(self) -> bool:
        """Organiser des sessions de formation : animateurs (leur département) et équipe nationale."""
        return self.national or bool(self.departements_animateur)

    @property
    def voit_reseau(self) -> bool:
        """Pilotage du réseau (accueil départemental, visites, événements organisés, couverture, conformité des
        départements) : animateurs, préfectures (lecture et instruction du label), équipe nationale."""
        return self.national or bool(self.departements_animateur or self.departements_prefecture)

    @property
    def departements_pilotes(self) -> frozenset[int]:
        """Départements dont la personne pilote le réseau (animateur ou préfecture) ; vide pour le national,
        qui les voit tous (tester `national` d'abord)."""
        return self.departements_animateur | self.departements_prefecture

    @property
    def voit_pilotes(self) -> bool:
        return self.national or bool(self.partenaires or self.departements or self.structures)

    @property
    def voit_journal_audit(self) -> bool:
        return self.national

    # — Explication en une phrase —

    def motifs(self) -> list[str]:
        """« animateur départemental du Cantal », « agent de France services Murat »…"""
        motifs = []
        for h in self.habilitations:
            motifs.append(f"{h.get_role_display().lower()} ({h.libelle_perimetre})")
        return motifs

    def explication(self) -> str:
        if not self.habilitations and self.national:
            return "parce que vous êtes administrateur de l'outil"
        motifs = self.motifs()
        if not motifs:
            return "parce que vous n'avez aucune habilitation active"
        if len(motifs) == 1:
            return f"parce que vous êtes {motifs[0]}"
        return "parce que vous êtes " + ", ".join(motifs[:-1]) + " et " + motifs[-1]


VIDE = Perimetre()


def perimetre_de(utilisateur) -> Perimetre:
    """Périmètre de l'utilisateur, calculé une fois et gardé sur l'objet (donc une fois par requête)."""
    if utilisateur is None or not utilisateur.is_authenticated or not utilisateur.is_active:
        return VIDE
    cache = getattr(utilisateur, "_perimetre", None)
    if cache is None:
        habilitations = Habilitation.objects.actives().filter(utilisateur=utilisateur)
        habilitations = habilitations.select_related(
            "structure", "departement", "partenaire", "lieu_mediation"
        )
        cache = Perimetre.depuis(habilitations, superutilisateur=utilisateur.is_superuser)
        utilisateur._perimetre = cache
    return cache
