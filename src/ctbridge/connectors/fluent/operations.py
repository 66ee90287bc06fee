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
