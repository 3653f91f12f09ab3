"""LA County geography for the generator: districts, DCFS regional offices and schools.

District county-district codes follow the real LA County pattern (county code 19); the schools,
their 7-digit school codes, addresses and phone numbers (555 exchange) are fictitious.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

ELEMENTARY, MIDDLE, HIGH = "elementary", "middle", "high"
LEVEL_SHARE = {ELEMENTARY: 0.6, MIDDLE: 0.2, HIGH: 0.2}
LEVEL_SUFFIX = {ELEMENTARY: "Elementary School", MIDDLE: "Middle School", HIGH: "High School"}

# LA County bounding box (mainland) used to clamp generated coordinates.
LAT_RANGE = (33.70, 34.82)
LON_RANGE = (-118.95, -117.65)


@dataclass(frozen=True)
class District:
    """A school district: CD code, cities (with ZIPs), centre, spread, weight and DCFS offices."""

    name: str
    cd_code: str
    cities: tuple[tuple[str, tuple[str, ...]], ...]
    center: tuple[float, float]
    spread: float
    weight: float
    levels: tuple[str, ...]
    offices: tuple[str, ...]
    area_codes: tuple[str, ...]


_ALL = (ELEMENTARY, MIDDLE, HIGH)
DISTRICTS: tuple[District, ...] = (
    District("Los Angeles Unified", "1964733",
             (("Los Angeles", ("90011", "90003", "90044", "90022", "90026", "90057")),
              ("Van Nuys", ("91405", "91406")), ("North Hollywood", ("91601", "91605")),
              ("San Pedro", ("90731",)), ("Wilmington", ("90744",))),
             (34.03, -118.30), 0.10, 0.40, _ALL,
             ("Metro North", "Belvedere", "Vermont Corridor", "Wateridge", "Century", "West LA",
              "West San Fernando Valley", "San Fernando Valley"), ("213", "323", "818", "310")),
    District("Long Beach Unified", "1964725", (("Long Beach", ("90805", "90813", "90806", "90810")),),
             (33.81, -118.17), 0.035, 0.07, _ALL, ("South County",), ("562",)),
    District("Pomona Unified", "1964907", (("Pomona", ("91766", "91767", "91768")),),
             (34.06, -117.75), 0.025, 0.045, _ALL, ("Pomona",), ("909",)),
    District("Pasadena Unified", "1964881", (("Pasadena", ("91103", "91104", "91107")), ("Altadena", ("91001",))),
             (34.16, -118.13), 0.025, 0.025, _ALL, ("Metro North",), ("626",)),
    District("Compton Unified", "1973437", (("Compton", ("90220", "90221", "90222")),),
             (33.90, -118.22), 0.018, 0.035, _ALL, ("Compton-Carson",), ("310",)),
    District("Montebello Unified", "1964808",
             (("Montebello", ("90640",)), ("Commerce", ("90040",)), ("Bell Gardens", ("90201",))),
             (34.01, -118.12), 0.02, 0.03, _ALL, ("Belvedere", "Santa Fe Springs"), ("323",)),
    District("Glendale Unified", "1964568", (("Glendale", ("91203", "91205", "91206")),),
             (34.16, -118.25), 0.025, 0.03, _ALL, ("Metro North",), ("818",)),
    District("Antelope Valley Union High", "1964246",
             (("Lancaster", ("93534", "93535")), ("Palmdale", ("93550", "93551"))),
             (34.63, -118.13), 0.05, 0.035, (HIGH,), ("Lancaster", "Palmdale"), ("661",)),
    District("Lancaster Elementary", "1964634", (("Lancaster", ("93534", "93535", "93536")),),
             (34.69, -118.15), 0.035, 0.03, (ELEMENTARY, MIDDLE), ("Lancaster",), ("661",)),
    District("Palmdale Elementary", "1964857", (("Palmdale", ("93550", "93551", "93552")),),
             (34.58, -118.10), 0.035, 0.035, (ELEMENTARY, MIDDLE), ("Palmdale",), ("661",)),
    District("Bonita Unified", "1964295", (("San Dimas", ("91773",)), ("La Verne", ("91750",))),
             (34.10, -117.79), 0.02, 0.012, _ALL, ("Pomona", "Glendora"), ("909",)),
    District("Covina-Valley Unified", "1964469", (("Covina", ("91722", "91723", "91724")),),
             (34.08, -117.88), 0.02, 0.018, _ALL, ("Glendora",), ("626",)),
    District("El Monte City", "1964519", (("El Monte", ("91731", "91732")),),
             (34.07, -118.03), 0.015, 0.012, (ELEMENTARY, MIDDLE), ("El Monte",), ("626",)),
    District("Hacienda La Puente Unified", "1973445",
             (("La Puente", ("91744", "91746")), ("Hacienda Heights", ("91745",))),
             (34.02, -117.96), 0.025, 0.025, _ALL, ("El Monte",), ("626",)),
    District("Inglewood Unified", "1964618", (("Inglewood", ("90301", "90302", "90303")),),
             (33.96, -118.35), 0.015, 0.025, _ALL, ("Century",), ("310",)),
    District("Baldwin Park Unified", "1964261", (("Baldwin Park", ("91706",)),),
             (34.08, -117.97), 0.015, 0.02, _ALL, ("El Monte",), ("626",)),
    District("Torrance Unified", "1965060", (("Torrance", ("90501", "90503", "90504")),),
             (33.84, -118.34), 0.025, 0.02, _ALL, ("Torrance",), ("310",)),
    District("William S. Hart Union High", "1965136",
             (("Santa Clarita", ("91350", "91351", "91355")),), (34.41, -118.54), 0.04, 0.02,
             (HIGH, MIDDLE), ("Santa Clarita",), ("661",)),
    District("Los Angeles County Office of Education", "1910199",
             (("Downey", ("90242",)), ("Los Angeles", ("90033",)), ("Lancaster", ("93534",))),
             (34.00, -118.15), 0.12, 0.008, (HIGH,), ("Compton-Carson", "Lancaster", "Pomona"), ("562",)),
)
DISTRICT_WEIGHTS = [d.weight for d in DISTRICTS]
POMONA = DISTRICTS[2]

# DCFS regional offices, with the share of the county's CSWs each one has.
OFFICES: dict[str, float] = {}
for _district in DISTRICTS:
    for _office in _district.offices:
        OFFICES[_office] = OFFICES.get(_office, 0.0) + _district.weight / len(_district.offices)

NAMESAKES = (
    "César Chávez", "Dolores Huerta", "Sally Ride", "Thurgood Marshall", "Abraham Lincoln",
    "George Washington Carver", "Mary McLeod Bethune", "Jackie Robinson", "Amelia Earhart",
    "Ruben Salazar", "John Muir", "Frida Kahlo", "Theodore Roosevelt", "Thomas Jefferson",
    "James Garfield", "James Madison", "Ralph Waldo Emerson", "John F. Kennedy", "Ellen Ochoa",
    "Sylvia Mendez", "Bernardo Yorba", "Juan Cabrillo", "Biddy Mason", "Ramona", "Sierra Vista",
    "Vista Verde", "Mountain View", "Valle Lindo", "Loma Alta", "Arroyo Seco", "Palm Crest",
    "Oak Knoll", "Willow Creek", "Cedar Grove", "Sunrise", "Harbor View", "Rancho Vista",
    "Los Cerritos", "Buena Vista", "Del Amo", "Alta Loma", "Desert Rose", "Joshua Tree",
    "Mariposa", "Monterey", "Valencia", "Hillcrest", "Lakeview", "Eastside", "Westmont",
    "Northridge", "Lincoln Park", "Madrona", "Garvey", "Figueroa", "Huntington", "Pío Pico",
    "Toypurina", "Octavia Butler", "Anna Bing Arnold", "Fred Korematsu", "Carlos Santana",
)
STREETS = (
    "Holt Ave", "Garey Ave", "Mission Blvd", "Valley Blvd", "Whittier Blvd", "Atlantic Blvd",
    "Western Ave", "Vermont Ave", "Figueroa St", "Central Ave", "Avalon Blvd", "Compton Blvd",
    "Long Beach Blvd", "Pacific Coast Hwy", "Colorado Blvd", "Lake Ave", "Foothill Blvd",
    "Glendale Ave", "Brand Blvd", "Sierra Hwy", "Avenue J", "Avenue K", "Palmdale Blvd",
    "Arrow Hwy", "Azusa Ave", "Hacienda Blvd", "Manchester Blvd", "Crenshaw Blvd", "Sepulveda Blvd",
    "Van Nuys Blvd", "Sherman Way", "Lankershim Blvd", "Gaffey St", "Anaheim St", "Florence Ave",
    "Slauson Ave", "Olympic Blvd", "Cesar E Chavez Ave", "Soto St", "Ramona Blvd", "Towne Ave",
)


@dataclass(frozen=True)
class School:
    """A generated school row (its CSV columns) plus its level and district for placement."""

    cds_code: str
    name: str
    district: District
    level: str
    address: str
    city: str
    zip: str
    phone: str
    latitude: float
    longitude: float


def phone(rng: random.Random, area_code: str) -> str:
    """A fictitious phone number in the 555-01xx range reserved for fiction."""
    return f"({area_code}) 555-01{rng.randrange(100):02d}"


def _allocate(total: int) -> dict[tuple[int, str], int]:
    """Schools per (district index, level): largest remainder on district weight x level share."""
    shares = {}
    for i, district in enumerate(DISTRICTS):
        level_total = sum(LEVEL_SHARE[lv] for lv in district.levels)
        for level in district.levels:
            shares[(i, level)] = district.weight / sum(DISTRICT_WEIGHTS) * LEVEL_SHARE[level] / level_total
    # Pomona Unified always has one school of each level: the demo caseload lives there.
    fixed = {(2, level): 1 for level in POMONA.levels}
    remaining = total - len(fixed)
    exact = {key: share * remaining for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    leftover = remaining - sum(counts.values())
    for key in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:leftover]:
        counts[key] += 1
    for key, n in fixed.items():
        counts[key] += n
    return counts


def make_schools(rng: random.Random, total: int) -> list[School]:
    """``total`` schools over the districts (at least one per level county-wide and in Pomona)."""
    schools: list[School] = []
    used_codes: set[str] = set()
    for (index, level), count in _allocate(total).items():
        district = DISTRICTS[index]
        used_names: set[str] = set()
        for _ in range(count):
            code = f"{rng.randrange(1_000_000, 10_000_000):07d}"
            while code in used_codes:
                code = f"{rng.randrange(1_000_000, 10_000_000):07d}"
            used_codes.add(code)
            namesake = rng.choice(NAMESAKES)
            suffix = "County Community School" if district.cd_code == "1910199" else LEVEL_SUFFIX[level]
            name = f"{namesake} {suffix}"
            n = 2
            while name in used_names:
                name = f"{namesake} {suffix} {n}"
                n += 1
            used_names.add(name)
            city, zips = rng.choice(district.cities)
            lat = min(max(rng.gauss(district.center[0], district.spread), LAT_RANGE[0]), LAT_RANGE[1])
            lon = min(max(rng.gauss(district.center[1], district.spread), LON_RANGE[0]), LON_RANGE[1])
            schools.append(School(
                cds_code=f"{district.cd_code}{code}", name=name, district=district, level=level,
                address=f"{rng.randrange(100, 20000)} {rng.choice(('N ', 'S ', 'E ', 'W ', ''))}{rng.choice(STREETS)}",
                city=city, zip=rng.choice(zips), phone=phone(rng, rng.choice(district.area_codes)),
                latitude=round(lat, 6), longitude=round(lon, 6),
            ))
    return schools


def level_of(grade: int) -> str:
    """School level of a grade index (-1 TK-age, 0 KN, 1..12)."""
    return ELEMENTARY if grade <= 5 else MIDDLE if grade <= 8 else HIGH


def grade_code(grade: int) -> str:
    """CSV grade level code of a grade index: KN (a TK-age child too, Guide 2.1.3), 01..12."""
    return "KN" if grade <= 0 else f"{grade:02d}"
