"""Deterministic generator of the OneGrid demo town, Yunyang Bay Town (云阳湾镇, ``YYB``).

``python -m onegrid_demotown --out DIR [--seed 7] [--grids-only]`` writes communities.csv,
grids.geojson, households.csv, residents.csv, committees.csv, mediators.csv and volunteers.csv.
"""

from onegrid_demotown.generate import (
    COMMUNITIES,
    EXPERTISE,
    FILES,
    FLAGS,
    JURISDICTION,
    REFERENCE_DATE,
    age_on,
    generate,
    id_check_digit,
    scaled_grids,
    town_bounds,
)

__all__ = [
    "COMMUNITIES",
    "EXPERTISE",
    "FILES",
    "FLAGS",
    "JURISDICTION",
    "REFERENCE_DATE",
    "age_on",
    "generate",
    "id_check_digit",
    "scaled_grids",
    "town_bounds",
]
