from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class UtilisateurManager(UserManager):
    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username or email, email, password, **extra_fields)


class Utilisateur(AbstractUser):
    """Utilisateur de l'outil. Les habilitations (rôle × périmètre) arrivent avec les comptes.

    Modèle personnalisé dès la première migration : il ne peut plus être remplacé ensuite.
    """

    email = models.EmailField("adresse électronique", unique=True)

    objects = UtilisateurManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def __str__(self):
        return self.get_full_name() or self.email
