"""Webhooks are accepted only with a SHA512withRSA signature over the raw body by a configured key."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from ctbridge.connectors.fluent.to_commercetools.webhook_event import WebhookRejected, parse_webhook
from ctbridge.connectors.fluent.to_commercetools.webhook_verifier import (
    FluentWebhookVerifier,
    PublicKeyInvalid,
    parse_public_keys,
)
from ctbridge.sandbox.fluent.webhooks import WebhookSigner

BODY = json.dumps({"id": "w-1", "name": "x", "entityStatus": "BOOKED"}).encode()


@pytest.fixture(scope="module")
def signers():
    return WebhookSigner(), WebhookSigner()


def test_a_signature_by_the_configured_key_verifies(signers):
    signer, _ = signers
    verifier = FluentWebhookVerifier(parse_public_keys(signer.public_key_pem))
    assert verifier.verify(BODY, signer.sign(BODY))


def test_a_changed_body_does_not_verify_even_by_one_byte(signers):
    signer, _ = signers
    verifier = FluentWebhookVerifier(parse_public_keys(signer.public_key_pem))
    assert not verifier.verify(BODY.replace(b"BOOKED", b"BOOKEd"), signer.sign(BODY))
    # Same JSON, other bytes: the raw body is what was signed, not its parsed meaning.
    assert not verifier.verify(BODY + b" ", signer.sign(BODY))


def test_a_signature_by_another_key_does_not_verify(signers):
    signer, forger = signers
    verifier = FluentWebhookVerifier(parse_public_keys(signer.public_key_pem))
    assert not verifier.verify(BODY, forger.sign(BODY))


def test_several_keys_allow_a_rotation(signers):
    old, new = signers
    verifier = FluentWebhookVerifier(
        parse_public_keys(old.public_key_pem + "\n" + new.public_key_pem)
    )
    assert verifier.verify(BODY, old.sign(BODY)) and verifier.verify(BODY, new.sign(BODY))


def test_keys_may_be_base64_der_as_fluents_sdk_ships_them(signers):
    old, new = signers
    keys = parse_public_keys(f"{old.public_key_der_base64}, {new.public_key_der_base64}")
    assert FluentWebhookVerifier(keys).verify(BODY, new.sign(BODY))


@pytest.mark.parametrize("header", [None, "", "not base64!", base64.b64encode(b"short").decode()])
def test_missing_or_malformed_signatures_do_not_verify(signers, header):
    signer, _ = signers
    assert not FluentWebhookVerifier(parse_public_keys(signer.public_key_pem)).verify(BODY, header)


def test_without_a_configured_key_nothing_verifies(signers):
    signer, _ = signers
    assert not FluentWebhookVerifier([]).verify(BODY, signer.sign(BODY))


def test_a_pkcs1v15_sha256_signature_is_not_accepted_for_sha512(signers):
    signer, _ = signers
    other = base64.b64encode(signer._key.sign(BODY, padding.PKCS1v15(), hashes.SHA256())).decode()
    assert not FluentWebhookVerifier(parse_public_keys(signer.public_key_pem)).verify(BODY, other)


def test_keys_that_are_not_rsa_public_keys_are_refused():
    with pytest.raises(PublicKeyInvalid):
        parse_public_keys("bm90IGEga2V5")
    from cryptography.hazmat.primitives import serialization

    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(PublicKeyInvalid, match="RSA"):
        parse_public_keys(ec_pem)


WEBHOOK = {
    "id": "b34281d0",
    "name": "fc.connect.order.webhook.order-status-update",
    "accountId": "ACME",
    "retailerId": "1",
    "entityId": "123",
    "entityRef": "HD_1",
    "entityType": "ORDER",
    "entityStatus": "BOOKED",
}


def test_a_complete_webhook_becomes_a_message_keyed_by_its_id():
    webhook = parse_webhook(WEBHOOK, account_id="acme", retailer_id="1")
    message = webhook.message()
    assert (message.id, message.type, message.source) == ("b34281d0", WEBHOOK["name"], "fluent")
    assert (message.resource_type, message.resource_id, message.sequence_number) == (
        "ORDER",
        "HD_1",
        None,
    )
    assert message.payload == WEBHOOK


# The Order Update contract's JSON schema: required id, name, accountId, retailerId, entityId,
# entityRef, entityType (docs.fluentcommerce.com/building-blocks/
# connector-contracts-order-update-contract).
@pytest.mark.parametrize(
    "missing", ["id", "name", "accountId", "retailerId", "entityId", "entityRef", "entityType"]
)
def test_each_required_field_is_checked(missing):
    with pytest.raises(WebhookRejected, match=missing):
        parse_webhook({**WEBHOOK, missing: None}, account_id=None, retailer_id="1")


def test_entity_status_is_optional():
    body = {k: v for k, v in WEBHOOK.items() if k != "entityStatus"}
    webhook = parse_webhook(body, account_id=None, retailer_id="1")
    assert (webhook.entity_status, webhook.entity) == (None, "HD_1")
    assert parse_webhook({**body, "entityId": 7}, account_id=None, retailer_id="1").entity_id == "7"


def test_webhooks_of_another_account_or_retailer_are_refused():
    with pytest.raises(WebhookRejected, match="account"):
        parse_webhook(WEBHOOK, account_id="OTHER", retailer_id="1")
    with pytest.raises(WebhookRejected, match="retailer"):
        parse_webhook({**WEBHOOK, "retailerId": 2}, account_id=None, retailer_id="1")


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(WebhookRejected):
        parse_webhook([WEBHOOK], account_id=None, retailer_id="1")
