"""NewStore connector: commercetools orders into NewStore, NewStore ATP back into commercetools."""
