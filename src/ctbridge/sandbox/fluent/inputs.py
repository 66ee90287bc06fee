"""Fluent's GraphQL input types the emulator accepts, checked the way graphql-java checks them."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.fluent.graphql import validation_error

# Per input type: field -> (type name, required, max length). Type names ending in "[]" are lists.
ADDRESS = {
    "ref": ("String", False, None),
    "name": ("String", False, None),
    "companyName": ("String", False, None),
    "street": ("String", False, None),
    "city": ("String", False, None),
    "state": ("String", False, None),
    "postcode": ("String", False, None),
    "region": ("String", False, None),
    "country": ("String", False, None),
    "latitude": ("Float", False, None),
    "longitude": ("Float", False, None),
    "timeZone": ("String", False, None),
}
ATTRIBUTE = {
    "name": ("String", True, None),
    "type": ("String", True, None),
    "value": ("Json", True, None),
}
ID_INPUT = {"id": ("ID", True, None)}
CUSTOMER = {
    "username": ("String", True, 250),
    "attributes": ("AttributeInput[]", False, None),
    "title": ("String", False, 50),
    "department": ("String", False, None),
    "country": ("String", False, 100),
    "firstName": ("String", False, 50),
    "lastName": ("String", False, 50),
    "primaryEmail": ("String", True, 250),
    "primaryPhone": ("String", False, 20),
    "timezone": ("String", False, 32),
    "promotionOptIn": ("Boolean", True, None),
    "retailer": ("RetailerId", True, None),
}
UPDATE_CUSTOMER = {
    name: (kind, name == "username", limit)
    for name, (kind, _, limit) in CUSTOMER.items()
    if name != "retailer"
}
TRANSACTION_FIELDS = {
    "ref": ("String", True, None),
    "type": ("String", True, 25),
    "amount": ("Float", True, None),
    "scale": ("Int", False, None),
    "unscaledValue": ("Int", False, None),
    "currency": ("String", True, 3),
    "externalTransactionCode": ("String", False, None),
    "externalTransactionId": ("String", False, None),
    "cardType": ("String", False, None),
    "paymentMethod": ("String", True, None),
    "paymentProvider": ("String", False, None),
    "attributes": ("AttributeInput[]", False, None),
}
TRANSACTION = {
    **TRANSACTION_FIELDS,
    "amount": ("Float", False, None),
    "preciseAmount": ("Float", False, None),
    "order": ("OrderId", True, None),
}
ITEM = {
    "ref": ("String", True, None),
    "productRef": ("String", True, None),
    "productCatalogueRef": ("String", False, None),
    "fulfilmentChoiceRef": ("String", False, None),
    "quantity": ("Int", True, None),
    "paidPrice": ("Float", False, None),
    "currency": ("String", False, 3),
    "price": ("Float", False, None),
    "taxPrice": ("Float", False, None),
    "taxType": ("String", False, None),
    "totalPrice": ("Float", False, None),
    "totalTaxPrice": ("Float", False, None),
    "attributes": ("AttributeInput[]", False, None),
}
FULFILMENT_CHOICE = {
    "ref": ("String", False, None),
    "type": ("String", False, None),
    "currency": ("String", False, 3),
    "deliveryInstruction": ("String", False, 250),
    "deliveryType": ("String", True, None),
    "fulfilmentPrice": ("Float", False, None),
    "fulfilmentTaxPrice": ("Float", False, None),
    "fulfilmentType": ("String", False, None),
    "pickupLocationRef": ("String", False, None),
    "deliveryFirstName": ("String", False, None),
    "deliveryLastName": ("String", False, None),
    "deliveryContact": ("String", False, None),
    "deliveryEmail": ("String", False, None),
    "deliverAfter": ("DateTime", False, None),
    "deliverBefore": ("DateTime", False, None),
    "dispatchOn": ("DateTime", False, None),
    "attributes": ("AttributeInput[]", False, None),
    "deliveryAddress": ("CreateCustomerAddressInput", False, None),
}
ORDER = {
    "ref": ("String", True, None),
    "type": ("String", True, None),
    "attributes": ("AttributeInput[]", False, None),
    "retailer": ("RetailerId", True, None),
    "totalPrice": ("Float", False, None),
    "totalTaxPrice": ("Float", False, None),
    "payment": ("Json", False, None),
    "billingAddress": ("CreateBillingAddressInput", False, None),
    "fulfilmentChoice": ("CreateFulfilmentChoiceWithOrderInput", False, None),
    "fulfilmentChoices": ("CreateFulfilmentChoiceWithOrderInput[]", False, None),
    "customer": ("CustomerId", True, None),
    "items": ("CreateOrderItemWithOrderInput[]", True, None),
    "financialTransactions": ("CreateFinancialTransactionWithOrderInput[]", False, None),
}
ORDER_AND_CUSTOMER = {**ORDER, "customer": ("CreateCustomerInput", True, None)}
SETTING = {
    "name": ("String", True, None),
    "valueType": ("String", True, None),
    "lobValue": ("Json", False, None),
    "value": ("String", False, None),
    "context": ("String", True, None),
    "contextId": ("Int", True, None),
}
UPDATE_SETTING = {
    "id": ("ID", True, None),
    **{k: (t, False, m) for k, (t, _, m) in SETTING.items()},
}

TYPES: dict[str, dict[str, tuple[str, bool, int | None]]] = {
    "AttributeInput": ATTRIBUTE,
    "RetailerId": ID_INPUT,
    "CustomerId": ID_INPUT,
    "OrderId": ID_INPUT,
    "CreateCustomerAddressInput": ADDRESS,
    "CreateBillingAddressInput": ADDRESS,
    "CreateCustomerInput": CUSTOMER,
    "UpdateCustomerInput": UPDATE_CUSTOMER,
    "CreateFinancialTransactionInput": TRANSACTION,
    "CreateFinancialTransactionWithOrderInput": TRANSACTION_FIELDS,
    "CreateOrderItemWithOrderInput": ITEM,
    "CreateFulfilmentChoiceWithOrderInput": FULFILMENT_CHOICE,
    "CreateOrderInput": ORDER,
    "CreateOrderAndCustomerInput": ORDER_AND_CUSTOMER,
    "CreateSettingInput": SETTING,
    "UpdateSettingInput": UPDATE_SETTING,
}
SCALARS = {
    "String": (str,),
    "ID": (str, int),
    "Int": (int,),
    "Float": (int, float),
    "Boolean": (bool,),
    "DateTime": (str,),
    "Json": (object,),
}


def check(type_name: str, value: Any, path: str = "input") -> None:
    """Raises a ValidationError naming the first field that does not fit `type_name`."""
    if value is None:
        return
    if type_name.endswith("[]"):
        if not isinstance(value, list):
            raise _invalid(path, f"Expected type '[{type_name[:-2]}]'")
        for index, item in enumerate(value):
            if item is None:
                raise _invalid(f"{path}[{index}]", "null item in a list of non-null items")
            check(type_name[:-2], item, f"{path}[{index}]")
        return
    if type_name in SCALARS:
        expected = SCALARS[type_name]
        if isinstance(value, bool) and type_name not in ("Boolean", "Json"):
            raise _invalid(path, f"Expected type '{type_name}'")
        if not isinstance(value, expected):
            raise _invalid(path, f"Expected type '{type_name}'")
        return
    fields = TYPES[type_name]
    if not isinstance(value, dict):
        raise _invalid(path, f"Expected type '{type_name}'")
    for name in value:
        if name not in fields:
            raise _invalid(path, f"contains a field not in '{type_name}': '{name}'")
    for name, (field_type, required, limit) in fields.items():
        field_value = value.get(name)
        if field_value is None:
            if required:
                raise _invalid(
                    f"{path}.{name}", f"coerced Null value for NonNull type '{field_type}!'"
                )
            continue
        check(field_type, field_value, f"{path}.{name}")
        if limit is not None and isinstance(field_value, str) and len(field_value) > limit:
            raise _invalid(f"{path}.{name}", f"is longer than {limit} characters")


def _invalid(path: str, problem: str) -> Exception:
    return validation_error(f"Variable 'input' has an invalid value: field '{path}' {problem}")
