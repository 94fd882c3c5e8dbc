import pytest

from .outils import couverture_calculee  # noqa: F401


@pytest.fixture(autouse=True)
def _couverture(couverture_calculee):  # noqa: F811
    return couverture_calculee
