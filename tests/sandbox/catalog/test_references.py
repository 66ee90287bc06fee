"""Key references in drafts become id references once the referenced resources exist."""

import pytest

from ctbridge.sandbox.catalog.references import UnresolvedReference, key_ref, resolve_references

IDS = {("channel", "wh-1"): "id-wh-1", ("category", "cat-001"): "id-cat-1"}


@pytest.mark.parametrize(
    ("draft", "resolved"),
    [
        (key_ref("channel", "wh-1"), {"typeId": "channel", "id": "id-wh-1"}),
        (
            {"sku": "A", "supplyChannel": key_ref("channel", "wh-1")},
            {"sku": "A", "supplyChannel": {"typeId": "channel", "id": "id-wh-1"}},
        ),
        (
            {"attributes": [{"name": "featured-in", "value": key_ref("category", "cat-001")}]},
            {
                "attributes": [
                    {"name": "featured-in", "value": {"typeId": "category", "id": "id-cat-1"}}
                ]
            },
        ),
        ({"typeId": "channel", "id": "already"}, {"typeId": "channel", "id": "already"}),
        ({"key": "P-1", "name": {"en": "x"}}, {"key": "P-1", "name": {"en": "x"}}),
        ([1, "a", None, True], [1, "a", None, True]),
    ],
)
def test_key_references_are_replaced_by_id_references(draft, resolved):
    assert resolve_references(draft, IDS) == resolved


def test_resolving_leaves_the_draft_untouched():
    draft = {"supplyChannel": key_ref("channel", "wh-1")}
    resolve_references(draft, IDS)
    assert draft == {"supplyChannel": {"typeId": "channel", "key": "wh-1"}}


def test_an_unknown_key_is_an_error_unless_its_type_may_stay_by_key():
    draft = {"channel": key_ref("channel", "nowhere")}
    with pytest.raises(UnresolvedReference, match="nowhere"):
        resolve_references(draft, IDS)
    with pytest.raises(UnresolvedReference):
        resolve_references(draft, IDS, keep_unknown={"tax-category"})
    assert resolve_references(draft, IDS, keep_unknown={"channel"}) == draft
