"""Name pools for the generator, drawn once from seeded Faker (en_US, es_MX) plus curated names.

Faker is called only while building the pools; the hot loop picks from these lists with
``random.Random``, which keeps the generator fast and its output a pure function of the seed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

# Names that exercise search folding: accents, Ñ, apostrophes, hyphens, particles, two words.
CURATED_FIRST_FEMALE = ("María José", "Ximena", "Sofía", "Zoë", "Anaïs", "Begoña", "Noémi", "Ana Lucía",
                        "Mary-Kate", "Nguyễn Thảo", "Siobhán", "Renée", "Yésica", "Guadalupe", "Daniela")
CURATED_FIRST_MALE = ("José Luis", "Juan Pablo", "Íñigo", "Andrés", "Jesús", "Ángel", "Joaquín",
                      "Jean-Luc", "Seán", "Efraín", "Ramón", "Thiago", "DeShawn", "Jamal", "Darnell")
CURATED_LAST = ("Ñúñez", "Núñez", "De La Cruz", "de la Rosa", "O'Brien", "O'Connor", "D'Angelo",
                "Smith-Jones", "Van der Berg", "St. John", "McDonald", "Muñoz", "Peña", "Ibáñez",
                "García-López", "Del Río", "Nguyễn", "Kim", "Tran", "Petrosyan", "Washington", "Jackson")
NICKNAMES = {
    "Guadalupe": "Lupe", "José": "Pepe", "Francisco": "Paco", "Jesús": "Chuy", "Ignacio": "Nacho",
    "Alejandro": "Alex", "Alejandra": "Alex", "Elizabeth": "Liz", "Christopher": "Chris",
    "Jonathan": "Jon", "Katherine": "Kate", "William": "Billy", "Robert": "Bobby", "Daniela": "Dani",
    "Gabriela": "Gaby", "Fernando": "Nando", "Rafael": "Rafa", "Margarita": "Maggie",
    "María José": "Majo", "Juan Pablo": "JP", "Jacqueline": "Jackie", "Samantha": "Sam",
}
OTHER_LANGUAGES = ("Armenian", "Korean", "Tagalog", "Vietnamese", "Mandarin", "Cantonese", "Russian",
                   "Farsi", "Arabic", "Khmer", "Japanese", "Thai")
RELATIONSHIPS = ("mother", "father", "grandmother", "grandfather", "aunt", "uncle", "resource parent",
                 "foster parent", "legal guardian", "court-appointed educational representative")


@dataclass
class NamePools:
    """First names by culture and gender, surnames with natural repeats."""

    hispanic_female: list[str]
    hispanic_male: list[str]
    anglo_female: list[str]
    anglo_male: list[str]
    hispanic_last: list[str]
    anglo_last: list[str]

    def first(self, rng: random.Random, hispanic: bool, gender: str) -> str:
        """A first name for a student of ``gender`` (X draws from either list)."""
        if gender == "X":
            gender = rng.choice("FM")
        if rng.random() < 0.02:
            return rng.choice(CURATED_FIRST_FEMALE if gender == "F" else CURATED_FIRST_MALE)
        if hispanic:
            return rng.choice(self.hispanic_female if gender == "F" else self.hispanic_male)
        return rng.choice(self.anglo_female if gender == "F" else self.anglo_male)

    def last(self, rng: random.Random, hispanic: bool) -> str:
        """A surname: single, double (Hispanic), hyphenated, or a curated edge case."""
        roll = rng.random()
        if roll < 0.03:
            return rng.choice(CURATED_LAST)
        if hispanic:
            name = rng.choice(self.hispanic_last)
            if roll < 0.13:
                return f"{name} {rng.choice(self.hispanic_last)}"
            if roll < 0.17:
                return f"{name}-{rng.choice(self.hispanic_last)}"
            return name
        name = rng.choice(self.anglo_last)
        if roll < 0.07:
            return f"{name}-{rng.choice(self.anglo_last)}"
        return name

    def adult_name(self, rng: random.Random) -> str:
        """A caregiver's or worker's full name."""
        hispanic = rng.random() < 0.5
        return f"{self.first(rng, hispanic, rng.choice('FM'))} {self.last(rng, hispanic)}"


def build_pools(seed: int, size: int = 1500) -> NamePools:
    """Draw the pools from Faker seeded with ``seed`` (weighted draws give common surnames)."""
    mx = Faker("es_MX")
    us = Faker("en_US")
    mx.seed_instance(seed)
    us.seed_instance(seed + 1)
    return NamePools(
        hispanic_female=[mx.first_name_female() for _ in range(size)],
        hispanic_male=[mx.first_name_male() for _ in range(size)],
        anglo_female=[us.first_name_female() for _ in range(size)],
        anglo_male=[us.first_name_male() for _ in range(size)],
        # Few distinct surnames drawn many times: García, Hernández... repeat like in LA.
        hispanic_last=[mx.last_name() for _ in range(size)] + ["García", "Hernández", "López", "Martínez",
                                                                 "González", "Rodríguez", "Pérez"] * 40,
        anglo_last=[us.last_name() for _ in range(size)],
    )
