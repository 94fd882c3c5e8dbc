from dsfr.forms import DsfrBaseForm


class FormulaireDsfr(DsfrBaseForm):
    """Formulaire rendu avec les gabarits django-dsfr (libellés, aides, erreurs accessibles)."""
