# ruff: noqa: E501  (hand-written rule tables read better one rule per line)
"""Captions for the everyday-recording packages added for the second default model (DATA.md, "More real
sounds"). Same contract as captions.caption_for: {"kind", "captions"[, "windows"]} or None (skip).

Per package, hand-written rules over the lower-cased path (archive members included) come first; the
first hit wins; ``None`` captions skip the file. Files no rule names fall back to captions.generic(); in
the small packages (SMALL_PACKAGES) only the base name may match one of captions.py's rules, and
anything else is skipped: their folder names and fallbacks are too noisy to train on. A rule with ``windows`` marks a long ambience: it is cut
into up to that many 10 s windows, all with the same caption family.
"""

from __future__ import annotations

import re

from .captions import MUSIC_DIRS, generic, match_rules, music_caption, name_tokens
from .everyday_tables import AMB, OPENCLONK, OPENSFX, STEPS, prule
from .sources import SMALL
from .stable_hash import hfrac

RULES = {
    "openclonk-data": OPENCLONK,
    "flare-game": [
        prule(r"music/wind_ambient", ["wind blowing", "a windy landscape", "howling wind"], "nature", AMB),
        prule(r"/music/", "MUSIC"),
        prule(r"falling_rocks", ["rocks falling", "a rockfall", "stones tumbling down"]),
        prule(r"minecart", ["a mine cart rolling on rails", "a metal cart rattling on tracks"]),
        prule(r"environment/rain", ["rain falling", "steady rain", "the sound of rain"], "nature", AMB),
        prule(r"anvil_loop", ["a blacksmith hammering on an anvil", "hammering on metal"], "effect", AMB),
        prule(r"bird_twitter", ["birds chirping", "birdsong in a forest", "birds singing outdoors"], "animal", AMB),
        prule(r"cave_droplets", ["water dripping in a cave", "water drops echoing", "dripping water"], "nature", AMB),
        prule(r"cave_wind", ["wind in a cave", "a hollow wind howling", "wind blowing"], "nature", AMB),
        prule(r"forest_owl", ["an owl hooting at night", "an owl in a forest at night", "an owl"], "animal", AMB),
        prule(r"open_fire", ["fire crackling", "a campfire burning", "flames burning"], "nature", AMB),
        prule(r"raven_loop", ["ravens cawing", "crows cawing", "a crow"], "animal", AMB),
        prule(r"river_loop", ["a river flowing", "a stream of running water", "water flowing"], "nature", AMB),
        prule(r"wind_loop", ["wind blowing", "howling wind", "a strong wind"], "nature", AMB),
        prule(r"environment/stairs", ["footsteps on stairs", "someone walking down stairs"]),
        prule(r"stone_open", ["a heavy stone door grinding open", "stone scraping on stone"]),
        prule(r"(?:door|wood)_open", ["a door creaking open", "a door opening", "a wooden door"]),
        prule(r"enemies/zombie", ["a zombie groaning", "a monster moaning", "a creature growling"], "animal"),
        prule(r"enemies/(?:goblin|antlion)", ["a creature screeching", "a monster shrieking"], "animal"),
        prule(r"enemies/(?:minotaur|wyvern)", ["a monster roaring", "a beast roaring", "a creature growling"], "animal"),
        prule(r"enemies/skeleton", ["bones rattling", "a skeleton clattering"]),
        prule(r"enemies/", None),
        prule(r"female_(?:die|hit)", ["a woman crying out in pain", "a woman screaming", "a pained female grunt"], "vocal"),
        prule(r"male_(?:die|hit)", ["a man groaning in pain", "a man crying out", "a pained grunt"], "vocal"),
        prule(r"npcs/female", ["a woman's voice speaking", "a woman saying a short phrase"], "speech"),
        prule(r"npcs/male", ["a man's voice speaking", "a man saying a short phrase"], "speech"),
        prule(r"heartbeat", ["a heartbeat", "a heart beating", "a pounding heartbeat"]),
        prule(r"inventory_book", ["a book being put down", "a heavy book thud"]),
        prule(r"inventory_(?:cloth|leather)", ["cloth rustling", "leather creaking"]),
        prule(r"inventory_coins|flying_loot", ["coins jingling", "money clinking", "a handful of coins"]),
        prule(r"inventory_(?:gem|potion)", ["a glass bottle clinking", "glass clinking"]),
        prule(r"inventory_maille", ["chain mail rattling", "metal rings jingling"]),
        prule(r"inventory_(?:metal|heavy)", ["metal clanking", "a heavy metal object put down"]),
        prule(r"inventory_page", ["a page turning", "paper rustling"]),
        prule(r"inventory_wood", ["a wooden object knocked", "wood knocking"]),
        prule(r"inventory_", None),
        prule(r"powers/quake", ["an earthquake rumbling", "a deep rumbling", "the ground shaking"], "nature"),
        prule(r"powers/thunder", ["a thunderclap", "thunder rumbling"], "nature"),
        prule(r"powers/warcry", ["a man shouting a battle cry", "a loud war cry"], "vocal"),
        prule(r"powers/(?:potion)", ["someone drinking a potion", "gulping a drink"]),
        prule(r"powers/(?:shoot|arrow_wall)", ["an arrow shot from a bow", "arrows flying"]),
        prule(r"powers/(?:burn|fireball)", ["a fireball whooshing", "a burst of flame"]),
        prule(r"powers/shock", ["electricity crackling", "an electric zap"]),
        prule(r"powers/freeze", ["ice freezing and cracking", "a freezing ice sound"]),
        prule(r"steps/step_echo", ["footsteps echoing in a hall", "footsteps in a large room", "footsteps"]),
        prule(r"steps/step_metal", ["clanking footsteps in armour", "footsteps with metal armour"]),
        prule(r"steps/step_(?:cloth|leather)", ["soft footsteps", "footsteps", "someone walking"]),
    ],
    "lugaru-data": [
        prule(r"/music", "MUSIC"),
        prule(r"/barkgrowl", ["a dog barking and growling", "an angry dog", "a dog barking"], "animal"),
        prule(r"/bark\d*\.", ["a dog barking", "dog bark", "a barking dog"], "animal"),
        prule(r"/growl\d*\.|/snarl\d*\.", ["a wolf growling", "a dog growling", "an animal snarling"], "animal"),
        prule(r"/hawk", ["a hawk screeching", "a bird of prey calling", "a hawk"], "animal"),
        prule(r"/footstepgrass", STEPS["grass"]),
        prule(r"/footstepsnow", STEPS["snow"]),
        prule(r"/footstepstone", STEPS["stone"]),
        prule(r"/bushrustle", ["bushes rustling", "leaves rustling", "rustling foliage"]),
        prule(r"/desertambient", ["desert wind ambience", "wind blowing over a desert", "wind blowing"], "nature", AMB),
        prule(r"/wind\.", ["wind blowing", "howling wind", "a strong wind"], "nature", AMB),
        prule(r"/fire(?:start|end)?\.", ["fire crackling", "flames burning", "a fire"], "nature"),
        prule(r"/rabbit", None),
        prule(r"/knifedraw|/knifesheathe", ["a knife being drawn from a sheath", "a blade sliding"]),
        prule(r"/snowskid", ["sliding on snow", "skidding on snow"]),
        prule(r"/skid", ["sliding on the ground", "skidding on dirt"]),
        prule(r"/(?:staff|sword)", ["a sword slashing", "weapons clashing", "a blade hit"]),
        prule(r"/console", None),
    ],
    "searchandrescue-data": [
        prule(r"/music/", "MUSIC"),
        prule(r"helicopter_wheel_screech", ["tires screeching", "wheels skidding on tarmac"]),
        prule(r"helicopter_engine_start|hh6\d/engine_start", ["a helicopter engine starting up", "helicopter rotor blades spinning up", "a helicopter"], "effect"),
        prule(r"helicopter_engine_shutdown|hh6\d/engine_shutdown", ["a helicopter engine shutting down", "helicopter rotor blades slowing", "a helicopter"], "effect"),
        prule(r"helicopter_engine_inside|hh6\d/engine_inside", ["inside a helicopter cabin", "a helicopter engine heard from inside", "a helicopter flying"], "effect", AMB),
        prule(r"helicopter_engine", ["a helicopter flying", "helicopter rotor blades thumping", "a helicopter"], "effect", AMB),
        prule(r"jet_engine_start", ["a jet engine starting up", "a turbine spinning up"]),
        prule(r"jet_engine_shutdown", ["a jet engine shutting down", "a turbine winding down"]),
        prule(r"jet_engine", ["a jet engine roaring", "a jet airplane engine", "a turbine whining"], "effect", AMB),
        prule(r"crash_", ["an aircraft crashing", "a loud metal crash", "a crash"]),
        prule(r"air_brake", ["an air brake hissing", "a hiss of compressed air"]),
        prule(r"door_close", ["a door closing", "a door shutting"]),
        prule(r"flap_|gear_", ["an electric motor whirring", "landing gear moving", "a hydraulic motor"]),
        prule(r"flir_|screenshot", None),
        prule(r"land_belly", ["an aircraft scraping along the ground", "metal scraping on the ground"]),
        prule(r"land_ski", ["skis sliding on snow", "sliding on snow"]),
        prule(r"land_wheel_skid", ["tires screeching", "wheels skidding on a runway"]),
        prule(r"overspeed|stall", ["a cockpit warning alarm", "a warning buzzer", "an alarm beeping"], "ui"),
        prule(r"splash_", ["a big splash into water", "something falling into water", "water splashing"], "nature"),
        prule(r"thunder_", ["thunder rumbling", "a thunderclap", "a thunderstorm"], "nature"),
        prule(r"thud_", ["a heavy thud", "a dull impact"]),
    ],
    "unknown-horizons": [
        prule(r"music/waves", ["sea waves crashing on the shore", "ocean waves", "waves on a beach"], "nature", AMB),
        prule(r"/music/", "MUSIC"),
        prule(r"/voice/en/", ["a man narrating in English", "a man speaking"], "speech"),
        prule(r"/voice/de/", ["a man narrating in German", "a man speaking German"], "speech"),
        prule(r"/voice/fr/", ["a man narrating in French", "a man speaking French"], "speech"),
        prule(r"sounds/chapel", ["a church bell ringing", "church bells", "a bell tolling"], "effect", AMB),
        prule(r"sounds/ships_bell", ["a ship's bell ringing", "a bell ringing"]),
        prule(r"sounds/lumberjack", ["an axe chopping wood", "chopping wood", "a woodcutter at work"], "effect", AMB),
        prule(r"sounds/smith", ["a blacksmith hammering on an anvil", "hammering on metal"], "effect", AMB),
        prule(r"sounds/stonemason", ["a stonemason chiselling stone", "a hammer and chisel on stone"], "effect", AMB),
        prule(r"sounds/sheepfield", ["sheep bleating in a field", "a flock of sheep", "a sheep bleating"], "animal", AMB),
        prule(r"sounds/windmill", ["a windmill turning", "a creaking windmill", "machinery turning in the wind"], "effect", AMB),
        prule(r"sounds/tavern", ["a noisy tavern", "people talking and laughing in a pub", "crowd chatter indoors"], "effect", AMB),
        prule(r"sounds/main_square", ["a busy town square", "crowd chatter outdoors", "a crowd of people talking"], "effect", AMB),
        prule(r"sounds/warehouse", ["a busy warehouse", "crates and barrels being moved"], "effect", AMB),
        prule(r"sounds/build", ["hammering and construction noise", "building construction"]),
        prule(r"sounds/flippage", ["a page turning", "flipping a page"]),
        prule(r"sounds/(?:click|events|invalid|refresh|success)", ["a user interface sound", "a game menu sound"], "ui"),
    ],
    "btanks-data": [
        prule(r"/tunes/", "MUSIC"),
        prule(r"ambient/city", ["city street ambience with traffic", "traffic noise in a city", "a busy city street"], "nature", AMB),
        prule(r"ambient/country", ["countryside ambience with birds", "birds and insects in the countryside", "a quiet rural field"], "nature", AMB),
        prule(r"ambient/forest", ["forest ambience with birds", "birds singing in a forest", "a forest"], "nature", AMB),
        prule(r"ambient/swamp", ["swamp ambience with frogs and insects", "frogs croaking in a swamp", "a marsh at night"], "nature", AMB),
        prule(r"ambient/horror", ["an eerie horror ambience", "a creepy atmosphere"], "effect", AMB),
        prule(r"ambient/space", None),
        prule(r"klaxon-funny", ["a funny clown horn", "a comedy horn honking"]),
        prule(r"klaxon", ["a car horn honking", "a car horn", "a horn beeping"]),
        prule(r"man-steps", ["footsteps", "someone walking", "footsteps on the ground"]),
        prule(r"laugh\d*", ["a man laughing", "laughing", "someone laughing out loud"], "vocal"),
        prule(r"kamikaze-scream", ["a man screaming", "a loud scream", "screaming"], "vocal"),
        prule(r"deadman", ["a man dying scream", "a man crying out in pain"], "vocal"),
        prule(r"taking-item|respawn|menu/|slime-", None),
        prule(r"submarine", ["a submarine sonar ping", "sonar"]),
        prule(r"(?:engine-car|engine-vehicle|vehicle-sound|tank-move)", ["a car engine running", "a vehicle motor", "an engine idling"]),
        prule(r"engine-start", ["a car engine starting", "an engine cranking and starting"]),
        prule(r"cannon", ["a cannon firing", "a tank cannon shot", "a loud gun blast"]),
    ],
    "gnome-shell-pomodoro-data": [
        prule(r"/birds\.", ["birds chirping", "birdsong in a garden", "birds singing outdoors"], "animal", AMB),
        prule(r"/clock\.", ["a clock ticking", "clock ticking", "a ticking clock"], "effect", AMB),
        prule(r"/timer\.", ["a kitchen timer ticking", "a mechanical timer ticking", "a clock ticking"], "effect", AMB),
        prule(r"bell\.", ["a bell ringing", "a small bell chiming", "a ding of a bell"]),
    ],
    "pekka-kana-2-data": [
        prule(r"/moo\.", ["a cow mooing", "cow moo", "cattle lowing"], "animal"),
        prule(r"/bee(?:hive)?\.", ["a bee buzzing", "bees buzzing", "a buzzing insect"], "animal"),
        prule(r"/bee_ko", ["a bee buzzing away", "an insect buzzing"], "animal"),
        prule(r"/bird\.", ["a bird chirping", "a bird singing", "birdsong"], "animal"),
        prule(r"/chick\.", ["a chick peeping", "a baby chicken chirping", "a chick"], "animal"),
        prule(r"/crow(?:_ko)?\.", ["a crow cawing", "crow caw", "a crow"], "animal"),
        prule(r"/frog_", ["a frog croaking", "frogs croaking", "a frog"], "animal"),
        prule(r"/hen\.|p_layegg", ["a chicken clucking", "hens clucking", "a hen"], "animal"),
        prule(r"/pig\d?\.", ["a pig oinking", "pig grunting", "a pig"], "animal"),
        prule(r"/pig_ko", ["a pig squealing", "a squealing pig"], "animal"),
        prule(r"doodle", ["a rooster crowing", "cock-a-doodle-doo, a rooster", "a rooster"], "animal"),
        prule(r"wolf_ko", ["a wolf yelping", "a dog yelping in pain"], "animal"),
        prule(r"eggcrack", ["an egg cracking", "an eggshell breaking"]),
        prule(r"app_bite|apple", ["a bite into an apple", "crunching an apple", "someone eating"]),
        prule(r"tennis", ["a tennis ball being hit", "a ball bouncing"]),
        prule(r"boxcrack", ["a wooden box breaking", "wood cracking"]),
        prule(r"tankshot", ["a cannon firing", "a gunshot"]),
        prule(r"explot", ["an explosion", "a loud explosion"]),
        prule(r"/splash\.", ["water splashing", "a splash"], "nature"),
        prule(r"bunny|robo_|boss|p_damage|p_ko|/ko1|/damage|bonus|counter|menu|switch|jump|pump|openlock", None),
    ],
    "micropolis-data": [
        prule(r"/airport\.", ["an airplane flying overhead", "an airplane engine"]),
        prule(r"/rail\.", ["a train passing by", "a train on the tracks", "a locomotive train"]),
        prule(r"/stadium\.", ["a crowd cheering in a stadium", "a cheering crowd", "applause"]),
        prule(r"/heavytraffic\.", ["heavy traffic noise", "a busy road with cars", "traffic noise"], "nature"),
        prule(r"/honkhonk", ["a car horn honking", "car horns", "a horn beeping"]),
        prule(r"/police\.", ["a police siren", "a siren wailing", "an emergency siren"]),
        prule(r"/siren\.", ["a siren wailing", "an emergency siren", "an air raid siren"]),
        prule(r"/quack", ["a duck quacking", "duck quack", "a duck"], "animal"),
        prule(r"/cuckoo\.", ["a cuckoo bird calling", "cuckoo bird"], "animal"),
        prule(r"/bulldozer\.", ["a bulldozer engine", "heavy machinery"]),
        prule(r"/ignition\.", ["a car engine starting", "an engine cranking and starting"]),
        prule(r"/chalk\.", ["chalk writing on a blackboard", "chalk scratching"]),
        prule(r"/rumble\.", ["an earthquake rumbling", "a deep rumbling"], "nature"),
        prule(r"/monster\.", ["a monster roaring", "a beast roaring"], "animal"),
        prule(r"/(?:explosion|fire|skid|whip|woosh|boing|beep|computer)", "GENERIC"),
        prule(r".", None),  # the rest are tool names (res, com, ind, zone, road, ...) or a synthetic voice
    ],
    "bucklespring-data": [
        prule(r"/[0-9a-f]+-0\.wav$", ["a mechanical keyboard key being pressed", "a keyboard click", "typing on a mechanical keyboard"]),
        prule(r"/[0-9a-f]+-1\.wav$", ["a mechanical keyboard key being released", "a keyboard click", "typing on a mechanical keyboard"]),
    ],
    "ufoai-sound": [
        prule(r"footsteps/(?:carpet|linoleum|tile)", ["footsteps indoors", "footsteps on a hard floor", "someone walking"]),
        prule(r"footsteps/(?:crouch|stand)", None),
        prule(r"footsteps/splash", ["splashing footsteps in water", "walking through water", "water splashing"]),
        prule(r"footsteps/hitground", ["a body falling to the ground", "a heavy thud"]),
        prule(r"civilians/civfem(?:death|scream)|soldiers/female(?:death|hurt)", ["a woman screaming", "a woman crying out in pain", "a pained female scream"], "vocal"),
        prule(r"(?:civilians|soldiers)/(?:civ)?male(?:death|hurt)", ["a man groaning in pain", "a man crying out", "a pained grunt"], "vocal"),
        prule(r"misc/breakglass", ["glass shattering", "glass breaking", "smashing glass"]),
        prule(r"misc/breakwood", ["wood breaking", "wood splintering", "a wooden crate smashed"]),
        prule(r"misc/breakmetal", ["metal crashing", "a metal object breaking", "metal clanging"]),
        prule(r"misc/breakelectric", ["an electrical short circuit", "electric sparks crackling"]),
        prule(r"ambience/(?:fire\d*|firesoft|smallfire)\.", ["fire crackling", "flames burning", "a fire"], "nature", AMB),
        prule(r"ambience/cricket", ["crickets chirping", "crickets chirping at night", "insects chirping"], "animal", AMB),
        prule(r"ambience/arcticwind", ["cold wind howling", "arctic wind blowing", "wind blowing"], "nature", AMB),
        prule(r"ambience/waterfontain", ["a fountain splashing", "water flowing in a fountain", "running water"], "nature", AMB),
        prule(r"ambience/water\d*\.", ["water lapping", "water flowing", "water"], "nature", AMB),
        prule(r"ambience/thunder", ["thunder rumbling", "a thunderclap", "a thunderstorm"], "nature"),
        prule(r"ambience/tv_static", ["tv static noise", "white noise hiss", "radio static"]),
        prule(r"ambience/creak", ["a creaking sound", "wood creaking"]),
        prule(r"ambience/steam", ["steam hissing", "a hiss of steam"]),
        prule(r"ambience/wind_turbine", ["a wind turbine whirring", "a large fan turning"], "effect", AMB),
        prule(r"ambience/(?:hum|minepump|machine)", ["machinery humming", "an electrical hum", "a machine running"], "effect", AMB),
        prule(r"ambience/", None),
        prule(r"ugv/diesel", ["a diesel engine running", "a vehicle motor", "an engine idling"]),
        prule(r"ugv/|aliens/|geoscape/|seq/|misc/|ui/item|weapons/(?:ptl|psi|irgoggles|medikit|grenade-pin|flamer)", None),
    ],
    "ardentryst": [
        prule(r"/music/", "MUSIC"),
        prule(r"voi_intro", ["a man narrating a story", "a man speaking"], "speech"),
        prule(r"amb_intro", None),
        prule(r"_step_(snow|grass|dirt|concrete)", "STEP"),
        prule(r"nyx_pain", ["a woman crying out in pain", "a pained female grunt"], "vocal"),
        prule(r"pyr_pain", ["a man groaning in pain", "a pained grunt"], "vocal"),
        prule(r"_jump\d", ["a grunt while jumping", "a short effort grunt"], "vocal"),
        prule(r"_land\d", ["landing on the ground", "a thud of feet landing"]),
        prule(r"rain_loop", ["rain falling", "steady rain", "the sound of rain"], "nature", AMB),
        prule(r"fire_loop", ["fire crackling", "flames burning", "a fire"], "nature", AMB),
        prule(r"cavewind", ["wind in a cave", "a hollow wind howling", "wind blowing"], "nature", AMB),
        prule(r"/drink\.", ["someone drinking", "gulping a drink", "swallowing"]),
        prule(r"/quake\.", ["an earthquake rumbling", "a deep rumbling"], "nature"),
        prule(r"wasp/", ["a wasp buzzing", "an insect buzzing"], "animal"),
        prule(r"(?:spider|cspider|snowbat)/squeak", ["a small creature squeaking", "squeaking"], "animal"),
        prule(r"monstersounds/", None),
        prule(r"menu-|/msg\.|newgame|equip|/fail\.|/orb\.|/treasure\.|/maea\.|/obelisk\.|magicpower|mdrain", None),
    ],
}


_OPENSFX_BY_MEMBER = {k.replace("/", "-"): v for k, v in OPENSFX.items()}  # member names have no '/'


def opensfx_caption(path: str):
    """Path is '<cat>!NN <title>.wav' (see sources.iter_sources); the title comes from the catalogue."""
    member = path.rsplit("!", 1)[-1]
    title = re.sub(r"^\d+ ", "", member)[: -len(".wav")] if member.endswith(".wav") else member
    caps = _OPENSFX_BY_MEMBER.get(title)
    if caps is None:
        return None
    # the catalogue's own sentence, cleaned ("Lumber mill: Chainsaw" -> "lumber mill, chainsaw"), as the
    # last phrasing (captions.caption_for keeps four)
    own = re.sub(r"^(?:Tropical|Toyland): ", "", title).replace(": ", ", ").replace("-", "/")
    own = re.sub(r"\s*\(\d\)$", "", own).strip().lower()
    return {"kind": "effect", "captions": list(caps)[:3] + [own]}


SMALL_PACKAGES = set(SMALL)  # the package list lives in sources.py
EVERYDAY_PACKAGES = {"openttd-opensfx", "ufoai-sound", *RULES} | SMALL_PACKAGES


def _ufoai(path: str):
    low = path.lower()
    m = re.search(r"footsteps?/(?:\w*?)(snow|grass|sand|metal|wood|water|gravel|concrete|stone|dirt)", low)
    if m:
        return {"kind": "effect", "captions": list(STEPS[m.group(1)])}
    if re.search(r"/music/", low):
        return {"kind": "music", "captions": music_caption(path)}
    return None


def everyday_caption(package: str, path: str):
    """Caption for a file of one of EVERYDAY_PACKAGES, or None (skip)."""
    low = path.lower()
    if package == "openttd-opensfx":
        return opensfx_caption(path)
    if package == "bucklespring-data" and hfrac(path) >= 0.34:
        return None  # 171 single key clicks: a third is plenty of one class
    if package == "ufoai-sound":
        r = _ufoai(path)
        if r:
            return r
    for rx, caps, kind, windows in RULES.get(package, ()):
        if not rx.search(low):
            continue
        if caps is None:
            return None
        if caps == ["MUSIC"]:
            return {"kind": "music", "captions": music_caption(path)}
        if caps == ["STEP"]:
            return {"kind": "effect", "captions": list(STEPS[rx.search(low).group(1)])}
        if caps == ["GENERIC"]:
            break
        r = {"kind": kind, "captions": list(caps)}
        if windows:
            r["windows"] = windows
        return r
    if MUSIC_DIRS.search(path) or re.search(r"/(?:tunes|musique|musik)/", low):
        return {"kind": "music", "captions": music_caption(path)}
    if package in SMALL_PACKAGES:
        return _small(package, path)
    return generic(path)


SMALL_RULES = [  # (package or "*", rule): before the base-name rules, for names they would mis-read
    ("tuxpaint-plugins-default", prule(r".", None)),  # the paint tools' effect sounds ("blur", "confetti")
    ("netpanzer-data", prule(r"-fire\.wav$", ["a tank cannon firing", "a cannon shot", "a gunshot"])),
    ("etw-data", prule(r"/crowd\d*\.", ["a football crowd cheering", "a stadium crowd", "a crowd cheering"])),
    ("fillets-ng-data", prule(r"/(?:[a-z]+-[a-z]-|unlocking)", None)),  # character lines and jingles
    ("*", prule(r"boat-?horn\.\w+$", ["a ship horn blowing", "a boat horn", "a ship's foghorn"])),
    ("*", prule(r"(?:crash\d*|metalcrash|bottom_crash)\.\w+$", ["a crash", "a loud metal crash", "something crashing"])),
    ("*", prule(r"(?:skid\w*)\.\w+$", ["tires screeching", "a car skidding"])),
]


def _small(package: str, path: str):
    """The small packages: only the base name may name the sound (folders there are game areas or
    characters: "plee/jump" is not a bear), and only a hand rule's caption is kept."""
    low = path.lower()
    for pkg, (rx, caps, kind, _windows) in SMALL_RULES:
        if pkg in ("*", package) and rx.search(low):
            return None if caps is None else {"kind": kind, "captions": list(caps)}
    base, _ = name_tokens(path)
    m = match_rules(" ".join(base))
    if m is None or m[1] in ("speech", "music"):
        return None
    return {"kind": m[1], "captions": list(m[0])}
