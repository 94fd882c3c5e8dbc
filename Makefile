# franceservices — `make help` liste les cibles.
SHELL := /bin/bash
PORT ?= 8000
export UV_PYTHON_DOWNLOADS ?= never
export UV_PYTHON ?= $(shell command -v python3.12 >/dev/null 2>&1 && python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | head -1)
UV := $(shell if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then echo uv; else echo $(CURDIR)/var/outils/bin/uv; fi)
RUN := $(UV) run --frozen
MANAGE := $(RUN) python manage.py

.DEFAULT_GOAL := help
.PHONY: help uv install simulateur simulateur-serve run worker periodiques migrate import demo serve test lint fix test-unitaires test-navigateur bench chromium clean

help: ## Affiche cette aide
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

uv: ## Installe uv s'il manque (dans var/outils, sans droits particuliers)
	@if ! command -v uv >/dev/null 2>&1 || ! uv --version >/dev/null 2>&1; then \
	  if [ ! -x var/outils/bin/uv ]; then \
	    echo "Installation de uv dans var/outils…"; mkdir -p var; \
	    python3 -m venv var/outils && var/outils/bin/pip install -q uv; \
	  fi; \
	fi

install: uv ## Installe les dépendances (uv sync, selon uv.lock)
	@mkdir -p var/static
	$(UV) sync --frozen

simulateur: uv ## Installe l'environnement séparé du simulateur OpenFisca (simulateur/.venv, selon simulateur/uv.lock)
	$(UV) sync --project simulateur --frozen

simulateur-serve: simulateur ## Lance seul le simulateur d'estimation des droits sur 127.0.0.1:5001
	simulateur/.venv/bin/python simulateur/serveur.py --port 5001

migrate: install ## Applique les migrations
	@mkdir -p var
	$(MANAGE) migrate --no-input -v 0

import: migrate ## Importe le référentiel s'il ne l'est pas encore (REFERENCE_DATA_DIR)
	$(MANAGE) importer_referentiel --si-vide
	$(MANAGE) importer_lieux_mediation
	$(MANAGE) calculer_couverture

demo: import ## Crée (ou remet en état) les comptes de démonstration, un par rôle (DEBUG seulement)
	$(MANAGE) creer_comptes_demo
	$(MANAGE) creer_pilote_demo
	$(MANAGE) charger_fiches_exemple --responsable national@demo.france-services.invalid
	$(MANAGE) generer_activite --departement 16 --par-mois 600 --si-vide
	$(MANAGE) creer_rendez_vous_demo
	$(MANAGE) charger_catalogue_exemple
	$(MANAGE) generer_rappels --effacer --nombre 80 --departement 16 --jours 7

run: demo simulateur ## Installe, migre, importe, crée les comptes de démo et sert sur http://127.0.0.1:$(PORT) (avec le worker)
	@trap 'kill 0' EXIT; export SMS_BACKEND=franceservices.core.sms.FichierBackend; \
	  simulateur/.venv/bin/python simulateur/serveur.py --port 5001 & \
	  $(MANAGE) db_worker & $(MANAGE) runserver 127.0.0.1:$(PORT)

worker: migrate ## Lance seul le worker des tâches de fond (courriels des escalades, confirmations de rendez-vous, SMS d'échec des rappels…)
	$(MANAGE) db_worker

periodiques: migrate ## Tâches périodiques, idempotentes (à lancer toutes les 15 minutes par cron en production)
	$(MANAGE) suivre_escalades
	$(MANAGE) envoyer_notifications
	$(MANAGE) envoyer_rappels_rendez_vous
	$(MANAGE) notifier_rappels_echoues
	$(MANAGE) purger_rendez_vous
	$(MANAGE) purger_rappels
	$(MANAGE) purger_escalades
	$(MANAGE) alerter_formation_initiale
	$(MANAGE) rappeler_sessions_formation
	$(MANAGE) envoyer_courriels_formation
	$(MANAGE) relancer_actions_visite
	$(MANAGE) envoyer_courriels_reseau
	$(MANAGE) suivre_labels
	$(MANAGE) calculer_couverture
	$(MANAGE) relancer_orientations
	$(MANAGE) purger_orientations

lint: install ## Ruff (lint + format) et migrations à jour
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v 1

fix: install ## Corrige automatiquement ce que ruff sait corriger
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

chromium: ## Vérifie la présence de Chromium (Debian) pour les tests navigateur
	@command -v chromium >/dev/null 2>&1 || { echo "Chromium manque : apt-get install -y chromium"; exit 1; }

test: lint simulateur ## Lint + toute la suite de tests (navigateur compris)
	$(RUN) pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: import simulateur ## Mesures de performance (benchmarks/), hors suite de tests
	$(RUN) python benchmarks/lancer.py

clean: ## Supprime la base SQLite et les fichiers générés (var/)
	rm -rf var/*.sqlite3* var/static
