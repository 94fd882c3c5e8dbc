"""Vérification publique d'une attestation de formation : saisir un code, ou suivre l'adresse imprimée sur
l'attestation. La page confirme le nom de l'agent, le module et la date de réussite, ou dit qu'aucune
attestation ne porte ce code. Pages sans connexion, limitées en débit (portée « recherche »)."""

import re

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from franceservices.core.limitation import limiter_debit

from .attestations import nom_agent
from .models import ALPHABET_CODE, LONGUEUR_CODE, Inscription, Statut

FORMAT_CODE = re.compile(f"[{ALPHABET_CODE}]{{{LONGUEUR_CODE}}}")


def normaliser_code(texte: str) -> str:
    """Majuscules, sans espaces ni tirets (un code recopié à la main : « abcd-efgh 23 »)."""
    return re.sub(r"[\s\-.]", "", texte or "").upper()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code de vérification",
        max_length=40,
        help_text=f"{LONGUEUR_CODE} caractères, lettres et chiffres, imprimés sur l'attestation. Exemple : 7KQ2MZP4XD",
    )

    def clean_code(self):
        code = normaliser_code(self.cleaned_data["code"])
        if not FORMAT_CODE.fullmatch(code):
            raise forms.ValidationError(
                f"Ce code n'a pas le bon format : {LONGUEUR_CODE} caractères (lettres et chiffres, sans 0, O, 1, I "
                "ni L). Recopiez-le tel qu'il est imprimé sur l'attestation."
            )
        return code


@login_not_required
@require_GET
@limiter_debit("recherche", methodes=("GET",))
def formulaire(request):
    form = CodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("attestations:verifier", code=form.cleaned_data["code"])
    return render(
        request,
        "formations/attestations/formulaire.html",
        {"titre": "Vérifier une attestation de formation", "form": form},
    )


@login_not_required
@require_GET
@limiter_debit("recherche", methodes=("GET",))
def verifier(request, code):
    code = normaliser_code(code)
    inscription = None
    if FORMAT_CODE.fullmatch(code):
        inscription = (
            Inscription.objects.filter(
                code_attestation=code, reussie_le__isnull=False, statut=Statut.CONFIRMEE
            )
            .select_related("agent", "session__module")
            .first()
        )
    contexte = {
        "titre": "Attestation vérifiée" if inscription else "Aucune attestation pour ce code",
        "code": code[:40],
        "inscription": inscription,
        "agent": nom_agent(inscription.agent) if inscription else "",
        "form": CodeForm(),
    }
    return render(request, "formations/attestations/verification.html", contexte)
