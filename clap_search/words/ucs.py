"""Universal Category System names: `CatID_FXName_CreatorID_SourceID.wav` -> category and words."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The UCS main categories by their CatID prefix (UCS v8.2 list, universalcategorysystem.com).
# The full list also names ~750 subcategories; their CatID suffix is itself a word
# ("ANMLFarm" -> farm), so the main category and the split suffix carry most of the meaning.
CATEGORIES = {
    "AERO": "aircraft", "AIR": "air", "ALRM": "alarms", "AMB": "ambience", "ANML": "animals",
    "ARCHV": "archived", "BEEP": "beeps", "BELL": "bells", "BIRD": "birds", "BOAT": "boats",
    "BULT": "bullets", "CART": "cartoon", "TOON": "cartoon", "CERM": "ceramics", "CHAIN": "chains",
    "CHEM": "chemicals", "CLOCK": "clocks", "CLOK": "clocks", "CLOTH": "cloth",
    "COMM": "communications", "COMP": "computers", "CREA": "creatures", "CROWD": "crowds",
    "DSGN": "designed", "DEST": "destruction", "DIRT": "dirt sand", "DOOR": "doors",
    "DRWR": "drawers", "ELEC": "electricity", "EQUIP": "equipment", "EXPL": "explosions",
    "FART": "farts", "FGHT": "fight", "FIRE": "fire", "FIREWRK": "fireworks", "FOLY": "foley",
    "FOOD": "food drink", "FEET": "footsteps", "GAME": "games", "GEOT": "geothermal",
    "GLAS": "glass", "GORE": "gore", "GUNS": "guns", "HORN": "horns", "HUMN": "human",
    "ICE": "ice", "LASR": "lasers", "LETH": "leather", "LIQ": "liquid mud", "MACH": "machines",
    "MAGC": "magic", "MECH": "mechanical", "METL": "metal", "MOTR": "motors", "MOVE": "movement",
    "MUSC": "musical", "NATDIS": "natural disaster", "OBJ": "objects", "PAPR": "paper",
    "PLAS": "plastic", "RAIN": "rain", "ROBO": "robots", "ROCK": "rocks", "ROPE": "rope",
    "RUBR": "rubber", "SCIFI": "sci-fi", "SNOW": "snow", "SPRT": "sports", "SWSH": "swooshes",
    "TOOL": "tools", "TOY": "toys", "TRAN": "trains", "UI": "user interface",
    "VEG": "vegetation", "VEH": "vehicles", "VOX": "voices", "WATR": "water", "WEAP": "weapons",
    "WTHR": "weather", "WHSH": "whooshes", "WIND": "wind", "WNDW": "windows", "WING": "wings",
    "WOOD": "wood",
}
# Longest prefix first, so "FIREWRK" wins over "FIRE".
_CODES = sorted(CATEGORIES, key=len, reverse=True)
_NAME = re.compile(
    r"^(?P<catid>[A-Z]{2,7}[A-Za-z0-9]*)(?:-[^_]*)?_(?P<fx>[^_]+)"
    r"(?:_(?P<creator>[^_]*))?(?:_(?P<source>.*))?$"
)


@dataclass(frozen=True)
class UCSName:
    """The parts of a UCS file name that say what the sound is."""

    cat_id: str
    category: str
    subcategory: str
    fx_name: str
    creator: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {"cat_id": self.cat_id, "category": self.category, "subcategory": self.subcategory,
                "fx_name": self.fx_name, "creator": self.creator, "source": self.source}


def parse_ucs(stem: str) -> UCSName | None:
    """A UCS name when `stem` starts with a known CatID followed by an FX name, else None."""
    m = _NAME.match(stem)
    if m is None:
        return None
    cat_id = m["catid"]
    code = next((c for c in _CODES if cat_id.startswith(c)), None)
    if code is None:
        return None
    sub = cat_id[len(code):]
    if sub and not sub[0].isupper():
        return None  # "AIRplane_..." is a word, not a CatID
    return UCSName(cat_id, CATEGORIES[code], sub.lower(), m["fx"].strip(),
                   (m["creator"] or "").strip(), (m["source"] or "").strip())
