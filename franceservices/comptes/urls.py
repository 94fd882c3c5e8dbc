from django.urls import path

from .views import compte, connexion, equipe, jetons

app_name = "comptes"

urlpatterns = [
    # Connexion (connexion.py)
    path("connexion/", connexion.connexion, name="connexion"),
    path("deconnexion/", connexion.deconnexion, name="deconnexion"),
    path("connexion/second-facteur/", connexion.double_facteur, name="double_facteur"),
    path("mot-de-passe/oublie/", connexion.mot_de_passe_oublie, name="mot_de_passe_oublie"),
    path("mot-de-passe/oublie/envoye/", connexion.mot_de_passe_envoye, name="mot_de_passe_envoye"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/", connexion.mot_de_passe_nouveau, name="mot_de_passe_nouveau"
    ),
    path("mot-de-passe/modifie/", connexion.mot_de_passe_modifie, name="mot_de_passe_modifie"),
    # Espace personnel (compte.py)
    path("espace/", compte.espace, name="espace"),
    path("compte/", compte.mon_compte, name="mon_compte"),
    path("compte/mot-de-passe/", compte.changer_mot_de_passe, name="changer_mot_de_passe"),
    path("compte/second-facteur/", compte.second_facteur, name="second_facteur"),
    # Jetons d'API personnels (jetons.py)
    path("compte/jetons/", jetons.jetons, name="jetons"),
    path("compte/jetons/<int:pk>/revoquer/", jetons.revoquer_jeton, name="revoquer_jeton"),
    # Équipe, habilitations, invitations (equipe.py)
    path("equipe/", equipe.liste, name="equipe"),
    path("equipe/export.csv", equipe.export, name="equipe_export"),
    path("equipe/<int:pk>/", equipe.fiche, name="personne"),
    path("equipe/<int:pk>/desactiver/", equipe.desactiver, name="desactiver"),
    path("equipe/<int:pk>/reactiver/", equipe.reactiver, name="reactiver"),
    path("habilitations/<int:pk>/retirer/", equipe.retirer_habilitation, name="retirer_habilitation"),
    path("invitations/", equipe.invitations, name="invitations"),
    path("invitations/nouvelle/", equipe.inviter, name="inviter"),
    path("invitations/<int:pk>/annuler/", equipe.annuler_invitation, name="annuler_invitation"),
    path("invitation/<str:jeton>/", equipe.accepter_invitation, name="accepter_invitation"),
]
