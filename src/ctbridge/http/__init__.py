"""The one way ctbridge calls an external system: what every target client shares."""
