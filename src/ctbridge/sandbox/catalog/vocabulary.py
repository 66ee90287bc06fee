"""English and German words that product, category and people names are made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Noun:
    en: str
    de: str
    gender: str  # "m", "f" or "n": picks the German adjective ending


@dataclass(frozen=True)
class Adjective:
    en: str
    de_stem: str

    def de(self, gender: str) -> str:
        return self.de_stem + {"m": "er", "f": "e", "n": "es"}[gender]


NOUNS: tuple[Noun, ...] = (
    Noun("Shirt", "Hemd", "n"),
    Noun("Jacket", "Jacke", "f"),
    Noun("Coat", "Mantel", "m"),
    Noun("Sweater", "Pullover", "m"),
    Noun("Dress", "Kleid", "n"),
    Noun("Skirt", "Rock", "m"),
    Noun("Scarf", "Schal", "m"),
    Noun("Bag", "Tasche", "f"),
    Noun("Belt", "Gürtel", "m"),
    Noun("Cap", "Mütze", "f"),
    Noun("Blouse", "Bluse", "f"),
    Noun("Vest", "Weste", "f"),
    Noun("Backpack", "Rucksack", "m"),
    Noun("Towel", "Handtuch", "n"),
    Noun("Blanket", "Decke", "f"),
    Noun("Pillow", "Kissen", "n"),
)

ADJECTIVES: tuple[Adjective, ...] = (
    Adjective("Classic", "Klassisch"),
    Adjective("Light", "Leicht"),
    Adjective("Warm", "Warm"),
    Adjective("Soft", "Weich"),
    Adjective("Robust", "Robust"),
    Adjective("Elegant", "Elegant"),
    Adjective("Casual", "Lässig"),
    Adjective("Slim", "Schmal"),
    Adjective("Wide", "Weit"),
    Adjective("Modern", "Modern"),
    Adjective("Rustic", "Rustikal"),
    Adjective("Sporty", "Sportlich"),
)

MATERIALS: tuple[tuple[str, str], ...] = (
    ("Linen", "Leinen"),
    ("Cotton", "Baumwolle"),
    ("Wool", "Wolle"),
    ("Silk", "Seide"),
    ("Denim", "Denim"),
    ("Leather", "Leder"),
    ("Cashmere", "Kaschmir"),
    ("Hemp", "Hanf"),
)

COLORS: tuple[tuple[str, str, str], ...] = (
    ("black", "Black", "Schwarz"),
    ("white", "White", "Weiß"),
    ("navy", "Navy", "Marineblau"),
    ("red", "Red", "Rot"),
    ("green", "Green", "Grün"),
    ("grey", "Grey", "Grau"),
)

SIZES: tuple[tuple[str, str], ...] = (
    ("XS", "Extra small"),
    ("S", "Small"),
    ("M", "Medium"),
    ("L", "Large"),
    ("XL", "Extra large"),
)

CATEGORY_NAMES: tuple[tuple[str, str], ...] = (
    ("Women", "Damen"),
    ("Men", "Herren"),
    ("Kids", "Kinder"),
    ("Home", "Wohnen"),
    ("Accessories", "Accessoires"),
    ("Outdoor", "Outdoor"),
    ("Sale", "Sale"),
    ("New In", "Neuheiten"),
    ("Basics", "Basics"),
    ("Gifts", "Geschenke"),
)

FIRST_NAMES: tuple[str, ...] = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jonas",
    "Kenji",
    "Lea",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Yuki",
    "Sara",
    "Tom",
    "Fatima",
)
LAST_NAMES: tuple[str, ...] = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Smith",
    "Johnson",
    "Dubois",
    "de Vries",
    "Tanaka",
    "Sato",
    "Al-Sabah",
    "Huber",
)
STREETS: tuple[str, ...] = (
    "Hauptstraße",
    "Bahnhofstraße",
    "Main Street",
    "Rue de la Paix",
    "Keizersgracht",
    "Ginza",
    "Gulf Road",
    "Ringstraße",
    "Oak Avenue",
    "Schillerweg",
)
CITIES: dict[str, tuple[str, ...]] = {
    "DE": ("Berlin", "Hamburg", "München", "Köln"),
    "AT": ("Wien", "Graz", "Salzburg"),
    "FR": ("Paris", "Lyon", "Marseille"),
    "NL": ("Amsterdam", "Rotterdam", "Utrecht"),
    "GB": ("London", "Leeds", "Bristol"),
    "CH": ("Zürich", "Bern", "Basel"),
    "US": ("New York", "Chicago", "Austin"),
    "JP": ("Tokyo", "Osaka", "Kyoto"),
    "KW": ("Kuwait City", "Hawalli", "Salmiya"),
}

_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", " ": "-"})


def slugify(text: str) -> str:
    """A commercetools slug fragment: lower-case ASCII letters, digits and dashes."""
    lowered = text.lower().translate(_ASCII)
    return "".join(ch for ch in lowered if ch.isascii() and (ch.isalnum() or ch == "-"))
