"""Payments: planned amount, method, transactions and their messages."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import CUSTOM_ACTIONS, custom_from_draft
from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import duplicate_field, invalid_operation
from ctbridge.sandbox.commercetools.kinds import Mutation, ResourceKind, key_identifier, required
from ctbridge.sandbox.commercetools.money import typed_money

TYPE_ID = "payment"
TRANSACTION_STATES = {"Initial", "Pending", "Success", "Failure"}


def _transaction(m: Mutation, draft: dict[str, Any]) -> dict[str, Any]:
    transaction = {
        "id": m.new_id(),
        "type": required(draft, "type"),
        "amount": typed_money(draft.get("amount"), "amount"),
        "state": draft.get("state", "Initial"),
        "timestamp": draft.get("timestamp") or m.now(),
    }
    if draft.get("interactionId"):
        transaction["interactionId"] = draft["interactionId"]
    return transaction


def _create(m: Mutation, draft: dict[str, Any]) -> None:
    payment = m.resource
    if draft.get("key"):
        if m.store.find(TYPE_ID, "key", draft["key"]) is not None:
            raise duplicate_field("key", draft["key"])
        payment["key"] = draft["key"]
    payment["amountPlanned"] = typed_money(required(draft, "amountPlanned"), "amountPlanned")
    payment["paymentMethodInfo"] = draft.get("paymentMethodInfo") or {}
    payment["paymentStatus"] = draft.get("paymentStatus") or {}
    payment["transactions"] = [_transaction(m, t) for t in draft.get("transactions") or []]
    payment["interfaceInteractions"] = []
    for name in ("interfaceId", "customer", "anonymousId"):
        if draft.get(name) is not None:
            payment[name] = draft[name]
    if draft.get("custom"):
        payment["custom"] = custom_from_draft(m, draft["custom"])
    m.emit("PaymentCreated", payment=clone(payment))


def _add_transaction(m: Mutation, action: dict[str, Any]) -> None:
    transaction = _transaction(m, required(action, "transaction"))
    m.resource["transactions"].append(transaction)
    m.emit("PaymentTransactionAdded", transaction=clone(transaction))


def _change_transaction_state(m: Mutation, action: dict[str, Any]) -> None:
    transaction_id = required(action, "transactionId")
    state = required(action, "state")
    if state not in TRANSACTION_STATES:
        raise invalid_operation(f"Unknown transaction state '{state}'.")
    for transaction in m.resource["transactions"]:
        if transaction["id"] == transaction_id:
            transaction["state"] = state
            m.emit("PaymentTransactionStateChanged", transactionId=transaction_id, state=state)
            return
    raise invalid_operation(f"The payment has no transaction '{transaction_id}'.")


def _status(name: str) -> Any:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        m.resource["paymentStatus"][name] = action.get(name)
        if name == "interfaceCode":
            m.emit(
                "PaymentStatusInterfaceCodeSet",
                paymentId=m.resource["id"],
                interfaceCode=action.get(name),
            )

    return handler


def _method(name: str) -> Any:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        m.resource["paymentMethodInfo"][name] = action.get(name)

    return handler


def _set_key(m: Mutation, action: dict[str, Any]) -> None:
    key = action.get("key")
    other = m.store.find(TYPE_ID, "key", key)
    if other is not None and other["id"] != m.resource["id"]:
        raise duplicate_field("key", key)
    if key:
        m.resource["key"] = key
    else:
        m.resource.pop("key", None)


def _change_amount_planned(m: Mutation, action: dict[str, Any]) -> None:
    m.resource["amountPlanned"] = typed_money(required(action, "amount"), "amount")


KIND = ResourceKind(
    url="payments",
    type_id=TYPE_ID,
    create=_create,
    identifiers=key_identifier,
    actions={
        "setKey": _set_key,
        "addTransaction": _add_transaction,
        "changeTransactionState": _change_transaction_state,
        "setStatusInterfaceCode": _status("interfaceCode"),
        "setStatusInterfaceText": _status("interfaceText"),
        "setMethodInfoMethod": _method("method"),
        "setMethodInfoName": _method("name"),
        "setMethodInfoInterface": _method("paymentInterface"),
        "changeAmountPlanned": _change_amount_planned,
        **CUSTOM_ACTIONS,
    },
)
