"""The catalogue's type (`entitySubtype`) comes from FLUENT_CATALOGUE_TYPE, else Fluent's setting."""

import pytest
from tests.connectors.fluent.test_fluent_connector import message, seed_catalog

from ctbridge.connectors.fluent.to_fluent.catalogue_type import type_from_setting
from ctbridge.sandbox.fluent import FluentEmulator
from ctbridge.sandbox.server import BackgroundServer

GENERAL = "fc.connect.commercetools.general"


@pytest.fixture
def fluent():
    # A catalogue of type DEFAULT, as in the Product Catalog workflow contract's examples.
    emu = FluentEmulator(catalogue_refs=("DEFAULT:1",))
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


@pytest.fixture
def catalogue_type():
    return None


@pytest.fixture
def fluent_settings(fluent_settings, catalogue_type):
    return fluent_settings.model_copy(
        update={"fluent_catalogue_ref": "DEFAULT:1", "fluent_catalogue_type": catalogue_type}
    )


async def publish_one(ct, engine) -> None:
    product = seed_catalog(ct)[0]
    projection = ct.projection(product["id"], staged=False)
    await engine.runtime.enqueue(
        message("ProductPublished", "product", product["id"], productProjection=projection)
    )
    await engine.run_until_idle(timeout=20)


async def test_without_configuration_the_type_comes_from_fluents_general_setting(
    ct, fluent, engine
):
    fluent.put_setting(
        GENERAL, {"productCatalogue": {"entityRef": "DEFAULT:1", "entitySubType": "DEFAULT"}}
    )
    await publish_one(ct, engine)
    fluent.wait_for_events(5)
    events = fluent.events()
    assert len(events) == 6
    assert {(e["entitySubtype"], e["eventStatus"]) for e in events} == {("DEFAULT", "COMPLETE")}
    assert fluent.product("shirt-0", catalogue="DEFAULT:1") is not None


@pytest.mark.parametrize("catalogue_type", ["DEFAULT"])
async def test_configured_type_wins_over_fluents_setting(ct, fluent, engine):
    fluent.put_setting(GENERAL, {"productCatalogue": {"entitySubType": "MASTER"}})
    await publish_one(ct, engine)
    fluent.wait_for_events(5)
    assert {(e["entitySubtype"], e["eventStatus"]) for e in fluent.events()} == {
        ("DEFAULT", "COMPLETE")
    }
    assert fluent.operations["settings"] == 0


def test_a_setting_about_another_catalogue_says_nothing_about_ours():
    setting = {"productCatalogue": {"entityRef": "PC:MASTER:67", "entitySubType": "MASTER"}}
    assert type_from_setting(setting, "DEFAULT:1") is None
    assert type_from_setting(setting, "PC:MASTER:67") == "MASTER"
    assert type_from_setting({"productCatalogue": {"entitySubType": "X"}}, "A:1") == "X"
    assert type_from_setting({"productCatalogue": {"entitySubType": ""}}, "A:1") is None
    assert type_from_setting("not json", "A:1") is None
