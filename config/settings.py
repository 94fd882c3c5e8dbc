"""Réglages de franceservices, pilotés par l'environnement (valeurs sûres pour le développement)."""

import importlib.util
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(nom: str, defaut: bool) -> bool:
    valeur = os.environ.get(nom)
    if valeur is None:
        return defaut
    return valeur.strip().lower() in {"1", "true", "vrai", "oui", "yes", "on"}


def env_list(nom: str, defaut: str) -> list[str]:
    return [v.strip() for v in os.environ.get(nom, defaut).split(",") if v.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY doit être défini quand DEBUG est désactivé.")
    SECRET_KEY = "dev-seulement-ne-pas-utiliser-en-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "dsfr",
    "django_htmx",
    "axes",
    "mozilla_django_oidc",
    "franceservices.core",
    "franceservices.ui",
    "franceservices.comptes",
    "franceservices.territoires",
    "franceservices.partenaires",
    "franceservices.structures",
    "franceservices.mediation",
    "franceservices.activite",
    "franceservices.bouquet",
    "franceservices.escalades",
    "franceservices.rendezvous",
    "franceservices.rappels",
    "franceservices.formations",
    "franceservices.label",
    "franceservices.animation",
    "franceservices.reseau",
    "franceservices.couverture",
    "franceservices.orientations",
    "franceservices.droits",
    "franceservices.statistiques",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Caractère NUL dans l'adresse : 400 (PostgreSQL le refuse, ce serait une erreur 500).
    "franceservices.core.middleware.RefusCaracteresNuls",
    "franceservices.core.middleware.MethodeNonAutoriseeEnJson",
    # Pages HTML et JSON compressées (les fichiers statiques le sont déjà par WhiteNoise, en .br/.gz).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Équipe nationale (et qui l'a activé) : second facteur exigé avant toute autre page.
    "franceservices.comptes.middleware.DoubleFacteurMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Verrouillage après échecs répétés de connexion (doit rester le dernier).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "franceservices.ui.context_processors.site",
            ],
            "string_if_invalid": os.environ.get("TEMPLATE_STRING_IF_INVALID", ""),
        },
    }
]

# Base de données : SQLite embarquée par défaut (var/), PostgreSQL en production.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'franceservices.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "comptes.Utilisateur"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "franceservices.comptes.backends.ConnexionParCourriel",
    "franceservices.comptes.backends.ProConnectBackend",
]
LOGIN_URL = "comptes:connexion"
LOGIN_REDIRECT_URL = "comptes:espace"
LOGOUT_REDIRECT_URL = "comptes:connexion"
PASSWORD_RESET_TIMEOUT = 3600  # lien de réinitialisation valable une heure
SESSION_COOKIE_AGE = 3600 * 10  # une journée de travail
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Verrouillage (django-axes) : 5 échecs pour un même couple adresse + IP → 15 minutes.
from datetime import timedelta  # noqa: E402

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "franceservices.comptes.views.connexion.verrouille"
AXES_VERBOSE = False

# ProConnect (OpenID Connect des agents publics) : actif dès que PROCONNECT_CLIENT_ID est défini.
# PROCONNECT_URL est la base des points d'accès (ex. https://auth.agentconnect.gouv.fr/api/v2) ;
# chacun peut être remplacé par sa variable OIDC_OP_*.
PROCONNECT_URL = os.environ.get("PROCONNECT_URL", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get(
    "OIDC_OP_AUTHORIZATION_ENDPOINT", f"{PROCONNECT_URL}/authorize"
)
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", f"{PROCONNECT_URL}/token")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", f"{PROCONNECT_URL}/userinfo")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", f"{PROCONNECT_URL}/jwks")
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", f"{PROCONNECT_URL}/session/end")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email given_name usual_name"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_CREATE_USER = False  # pas d'auto-inscription : il faut une habilitation accordée
OIDC_TIMEOUT = 10
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}
OIDC_STORE_ID_TOKEN = True  # pour la déconnexion auprès de ProConnect
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
# Vues publiques (LoginRequiredMiddleware) qui ramènent toute anomalie à la page de connexion, journalisée.
OIDC_AUTHENTICATE_CLASS = "franceservices.comptes.backends.ConnexionProConnect"
OIDC_CALLBACK_CLASS = "franceservices.comptes.backends.RetourProConnect"
LOGIN_REDIRECT_URL_FAILURE = "/connexion/?echec=proconnect"

# Second facteur (TOTP) exigé pour l'équipe nationale ; facultatif pour les autres.
DOUBLE_FACTEUR_EQUIPE_NATIONALE = env_bool("DOUBLE_FACTEUR_EQUIPE_NATIONALE", True)
TOTP_EMETTEUR = "France services"

# Comptes de démonstration (`make run`, DEBUG seulement) : département et mot de passe communs.
DEMO_DEPARTEMENT = os.environ.get("DEMO_DEPARTEMENT", "16")
MOT_DE_PASSE_DEMO = "France-services-demo-2026"

# Durées de conservation (jours) appliquées par `manage.py purger_comptes` (tâche quotidienne).
CONSERVATION_JOURS = {
    "invitations_non_acceptees": 90,  # adresse d'une personne qui n'a pas rejoint l'outil
    "tentatives_de_connexion": 30,  # adresses et IP des échecs (django-axes)
    "connexions_reussies": 365,  # journal des connexions de django-axes
    "jetons_expires_ou_revoques": 90,
    "second_facteur_non_confirme": 1,
}

# Activité : délai pendant lequel l'agent corrige lui-même une demande (ensuite : le responsable).
ACTIVITE_DELAI_CORRECTION_MINUTES = int(os.environ.get("ACTIVITE_DELAI_CORRECTION_MINUTES", str(24 * 60)))
# Données ouvertes : les cases de moins de N demandes sont masquées (personne ne doit être isolable).
SEUIL_SECRET_STATISTIQUE = int(os.environ.get("SEUIL_SECRET_STATISTIQUE", "10"))

INVITATION_DUREE_JOURS = int(os.environ.get("INVITATION_DUREE_JOURS", "7"))
JETON_API_DUREE_MAXIMUM_JOURS = 365

# Limitation de débit (par adresse IP, fenêtre fixe) : nombre de requêtes par minute.
LIMITES_DEBIT = {
    "connexion": int(os.environ.get("LIMITE_CONNEXION_PAR_MINUTE", "20")),
    "mot_de_passe": int(os.environ.get("LIMITE_MOT_DE_PASSE_PAR_MINUTE", "5")),
    "recherche": int(os.environ.get("LIMITE_RECHERCHE_PAR_MINUTE", "120")),
    "api": int(os.environ.get("LIMITE_API_PAR_MINUTE", "300")),
    "guichet": int(os.environ.get("LIMITE_GUICHET_PAR_MINUTE", "60")),
    "rappel": int(os.environ.get("LIMITE_RAPPEL_PAR_MINUTE", "5")),
    "rendez_vous": int(os.environ.get("LIMITE_RENDEZ_VOUS_PAR_MINUTE", "10")),
}
CACHES = {
    "default": {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": os.environ.get("CACHE_LOCATION", "franceservices"),
    }
}

# Courriel : SMTP réel dès que EMAIL_HOST est défini ; sinon, en développement, affiché dans la console.
if os.environ.get("EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "France services <ne-pas-repondre@france-services.gouv.fr>"
)

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Leaflet est livré par django-leaflet ; on ne sert que ses fichiers statiques (son application Django
# importe GeoDjango/GDAL, inutile ici).
STATICFILES_DIRS = [Path(importlib.util.find_spec("leaflet").origin).parent / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600 * 24 * 30 if not DEBUG else 0

# Tâches de fond : framework django.tasks, adossé à la base (SQLite comme PostgreSQL).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Sécurité
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# URL des tuiles cartographiques (IGN Géoplateforme en production). Vide : carte sans fond,
# seules les limites départementales du référentiel sont dessinées (fonctionne hors ligne).
CARTE_TUILES_URL = os.environ.get("CARTE_TUILES_URL", "")
CARTE_TUILES_ATTRIBUTION = os.environ.get("CARTE_TUILES_ATTRIBUTION", "© IGN Géoplateforme")

from urllib.parse import urlsplit  # noqa: E402

from django.utils.csp import CSP  # noqa: E402


def origine(url: str) -> str | None:
    morceaux = urlsplit(url)
    return f"{morceaux.scheme}://{morceaux.netloc}" if morceaux.scheme and morceaux.netloc else None


# La déconnexion (formulaire POST) redirige vers la fin de session ProConnect : son origine doit être
# admise par form-action, et elle seule.
ORIGINE_PROCONNECT = origine(OIDC_OP_LOGOUT_ENDPOINT) if OIDC_RP_CLIENT_ID else None

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [
        CSP.SELF,
        "data:",
        *([os.environ.get("CARTE_TUILES_ORIGINE")] if os.environ.get("CARTE_TUILES_ORIGINE") else []),
    ],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *([ORIGINE_PROCONNECT] if ORIGINE_PROCONNECT else [])],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Données de référence (open data) : lues depuis ce dossier, jamais copiées dans le dépôt.
REFERENCE_DATA_DIR = Path(os.environ.get("REFERENCE_DATA_DIR", BASE_DIR.parent / "shared" / "data"))

# Adresse publique du site, pour les liens envoyés par courriel hors d'une requête (commandes, tâches).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
SITE_NOM = "France services — trouver un lieu"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Seuils de contrôle à l'import (données, pas constantes : cf. référentiel du label du 16 juin 2025).
SEUIL_ANOMALIE_DISTANCE_KM = float(os.environ.get("SEUIL_ANOMALIE_DISTANCE_KM", "20"))
LABEL_HEURES_MINIMUM = float(os.environ.get("LABEL_HEURES_MINIMUM", "24"))
LABEL_JOURS_MINIMUM = int(os.environ.get("LABEL_JOURS_MINIMUM", "5"))
RECHERCHE_RESULTATS_PAR_DEFAUT = 10
RECHERCHE_RESULTATS_MAXIMUM = 50

# Bouquet de services : escalades aux partenaires.
ESCALADES_CONSERVATION_MOIS = int(os.environ.get("ESCALADES_CONSERVATION_MOIS", "6"))
ESCALADES_PIECE_TAILLE_MAX = int(os.environ.get("ESCALADES_PIECE_TAILLE_MAX", str(10 * 1024 * 1024)))
ESCALADES_NOTIFICATION_TENTATIVES_MAX = int(os.environ.get("ESCALADES_NOTIFICATION_TENTATIVES_MAX", "8"))

# Accès : rappels téléphoniques (échéance en heures calendaires, conservation après la clôture).
RAPPELS_DELAI_HEURES = int(os.environ.get("RAPPELS_DELAI_HEURES", "48"))
RAPPELS_CONSERVATION_JOURS = int(os.environ.get("RAPPELS_CONSERVATION_JOURS", "30"))

# Accès : rendez-vous (noms, téléphones et courriels effacés N jours après le rendez-vous ou l'annulation).
RENDEZ_VOUS_CONSERVATION_JOURS = int(os.environ.get("RENDEZ_VOUS_CONSERVATION_JOURS", "30"))

# SMS aux usagers : interface de fournisseur (core/sms.py) ; console en développement, fichier avec make run.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "franceservices.core.sms.ConsoleBackend")
SMS_FICHIER = os.environ.get("SMS_FICHIER", str(BASE_DIR / "var" / "sms.jsonl"))

# Formation des agents : délai (mois depuis le début de l'habilitation d'agent) pour suivre la formation
# initiale ; au-delà, alerte au responsable et à l'animateur. 6 mois : valeur par défaut du projet.
FORMATION_INITIALE_DELAI_MOIS = int(os.environ.get("FORMATION_INITIALE_DELAI_MOIS", "6"))
# Tentatives d'envoi d'un courriel d'inscription avant l'« échec définitif » (reprises par envoyer_courriels_formation).
FORMATION_COURRIEL_TENTATIVES_MAX = int(os.environ.get("FORMATION_COURRIEL_TENTATIVES_MAX", "5"))
# Vie du réseau : taille maximale d'un document joint à un événement ou à une actualité (octets).
RESEAU_DOCUMENT_TAILLE_MAX = int(os.environ.get("RESEAU_DOCUMENT_TAILLE_MAX", str(10 * 1024 * 1024)))
# Couverture du territoire : route estimée = facteur de détour × distance à vol d'oiseau (hypothèse du projet,
# fourchette 1,2–1,4 de la littérature sur la sinuosité des réseaux routiers) ; seuils de distance affichés (km).
COUVERTURE_FACTEUR_DETOUR = float(os.environ.get("COUVERTURE_FACTEUR_DETOUR", "1.3"))
COUVERTURE_SEUILS_KM = (10, 20, 30)
# Estimation des droits : simulateur OpenFisca-France, processus et environnement séparés (simulateur/), sur la
# boucle locale ; délai d'attente d'une estimation (secondes).
SIMULATEUR_URL = os.environ.get("SIMULATEUR_URL", "http://127.0.0.1:5001")
SIMULATEUR_DELAI = float(os.environ.get("SIMULATEUR_DELAI", "10"))
FORMATION_AGENTS_FORMES_MINIMUM = int(os.environ.get("FORMATION_AGENTS_FORMES_MINIMUM", "2"))
