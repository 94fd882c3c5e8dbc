"""Le calcul de couverture, fait une fois par session de test sur le référentiel réel (≈ 2 s), validé en
base : les vues et les parcours dans le navigateur le lisent ; un test qui le modifie le fait dans sa
transaction (annulée à la fin)."""

import pytest

from franceservices.couverture import calcul


@pytest.fixture(scope="session")
def couverture_calculee(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        calcul_, _ = calcul.enregistrer_couverture()
    return calcul_
