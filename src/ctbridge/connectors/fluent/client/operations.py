"""The GraphQL documents ctbridge sends to Fluent, in one place."""

FIND_ORDER = """
query FindOrder($ref: [String]) {
  orders(ref: $ref, first: 1) {
    edges { node { id ref status financialTransactions(first: 100) { edges { node { ref } } } } }
  }
}
"""

CREATE_ORDER = """
mutation CreateOrder($input: CreateOrderInput!) {
  createOrder(input: $input) { id ref status }
}
"""

FIND_CUSTOMER = """
query FindCustomer($ref: String!) {
  customer(ref: $ref) { id ref username }
}
"""

CREATE_CUSTOMER = """
mutation CreateCustomer($input: CreateCustomerInput!) {
  createCustomer(input: $input) { id ref }
}
"""

UPDATE_CUSTOMER = """
mutation UpdateCustomer($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { id ref }
}
"""

CREATE_FINANCIAL_TRANSACTION = """
mutation CreateFinancialTransaction($input: CreateFinancialTransactionInput!) {
  createFinancialTransaction(input: $input) { id ref }
}
"""

SETTINGS = """
query Settings($name: [String], $context: [String], $contextId: [Int]) {
  settings(name: $name, context: $context, contextId: $contextId, first: 10) {
    edges { node { id name valueType value lobValue context contextId } }
  }
}
"""

# --- Fluent → commercetools -------------------------------------------------------------------
ORDER_FIELDS = "id ref type status attributes { name type value }"

ORDER_BY_ID = f"""
query OrderById($id: ID!) {{
  orderById(id: $id) {{ {ORDER_FIELDS} }}
}}
"""

ORDER_BY_REF = f"""
query OrderByRef($ref: [String]) {{
  orders(ref: $ref, first: 1) {{ edges {{ node {{ {ORDER_FIELDS} }} }} }}
}}
"""

FULFILMENT_FIELDS = f"""
id ref status type deliveryType
fromLocation {{ ref name }}
order {{ {ORDER_FIELDS} }}
items(first: 500) {{
  edges {{ node {{ id ref requestedQuantity filledQuantity rejectedQuantity orderItem {{ ref }} }} }}
}}
"""

FULFILMENT_BY_ID = f"""
query FulfilmentById($id: ID!) {{
  fulfilmentById(id: $id) {{ {FULFILMENT_FIELDS} }}
}}
"""

FULFILMENT_BY_REF = f"""
query FulfilmentByRef($ref: [String]) {{
  fulfilments(ref: $ref, first: 1) {{ edges {{ node {{ {FULFILMENT_FIELDS} }} }} }}
}}
"""

CONSIGNMENT_FIELDS = f"""
id ref status trackingLabel labelUrl updatedOn
attributes {{ name type value }}
carrier {{ ref name }}
consignmentArticles(first: 100) {{
  edges {{ node {{ article {{
    id ref status
    items(first: 500) {{ edges {{ node {{ ref quantity orderItem {{ ref }} }} }} }}
    fulfilments(first: 10) {{ edges {{ node {{ id ref order {{ {ORDER_FIELDS} }} }} }} }}
  }} }} }}
}}
"""

CONSIGNMENT_BY_ID = f"""
query ConsignmentById($id: ID!) {{
  consignmentById(id: $id) {{ {CONSIGNMENT_FIELDS} }}
}}
"""

CONSIGNMENT_BY_REF = f"""
query ConsignmentByRef($ref: [String]) {{
  consignments(ref: $ref, first: 1) {{ edges {{ node {{ {CONSIGNMENT_FIELDS} }} }} }}
}}
"""

VIRTUAL_POSITIONS = """
query VirtualPositions($catalogue: VirtualCatalogueKey, $updatedOn: DateRange, $first: Int,
                       $after: String) {
  virtualPositions(catalogue: $catalogue, updatedOn: $updatedOn, first: $first, after: $after) {
    edges { cursor node { ref productRef quantity status updatedOn } }
    pageInfo { hasNextPage }
  }
}
"""

LOCATIONS = """
query Locations($updatedOn: DateRange, $first: Int, $after: String) {
  locations(updatedOn: $updatedOn, first: $first, after: $after) {
    edges { cursor node {
      ref name supportPhoneNumber createdOn updatedOn type status
      openingSchedule { allHours monStart monEnd tueStart tueEnd wedStart wedEnd thuStart thuEnd
                        friStart friEnd satStart satEnd sunStart sunEnd }
      attributes { name type value }
      primaryAddress { street city state postcode country region latitude longitude timeZone }
      networks(first: 100) { edges { node { ref } } }
    } }
    pageInfo { hasNextPage }
  }
}
"""

FULFILMENT_OPTIONS = """
mutation FulfilmentOptions($input: CreateFulfilmentOptionInput) {
  createFulfilmentOption(input: $input, executionMode: AWAIT_ORCHESTRATION) {
    id status
    plans(first: 50) { edges { node {
      ref type status
      fulfilments { fulfilmentType locationRef items { productRef availableQuantity requestedQuantity } }
    } } }
  }
}
"""
