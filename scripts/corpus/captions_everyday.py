# ruff: noqa: E501  (hand-written rule tables read better one rule per line)
"""Captions for the everyday-recording packages added for the second default model (DATA.md, "More real
sounds"). Same contract as captions.caption_for: {"kind", "captions"[, "windows"]} or None (skip).

Per package, hand-written rules over the lower-cased path (archive members included) come first; the
first hit wins; ``None`` captions skip the file. Files no rule names fall back to captions.generic(), and
in the small packages (SMALL_PACKAGES) a file that only gets generic's "sound of <tokens>" fallback is
skipped: their names are too noisy to train on. A rule with ``windows`` marks a long ambience: it is cut
into up to that many 10 s windows, all with the same caption family.
"""

from __future__ import annotations

import re

from .captions import MUSIC_DIRS, generic, match_rules, music_caption, name_tokens
from .stable_hash import hfrac

AMB = 12  # windows (10 s each) kept from a long ambience


def _r(rx, caps, kind="effect", windows=None):
    return (re.compile(rx), caps if caps is None or isinstance(caps, list) else [caps], kind, windows)


STEPS = {
    "snow": ["footsteps on snow", "walking through crunchy snow", "footsteps crunching in snow"],
    "grass": ["footsteps on grass", "walking on grass", "soft footsteps in a meadow"],
    "stone": ["footsteps on stone", "walking on a stone floor", "footsteps on hard ground"],
    "concrete": ["footsteps on concrete", "walking on a concrete floor", "footsteps on hard ground"],
    "dirt": ["footsteps on dirt", "walking on a dirt path", "footsteps on gravel"],
    "metal": ["footsteps on metal", "clanking footsteps on a metal floor", "footsteps"],
    "wood": ["footsteps on a wooden floor", "walking on wooden boards", "footsteps on wood"],
    "sand": ["footsteps on sand", "walking on sand", "footsteps"],
    "water": ["footsteps in shallow water", "splashing footsteps", "walking through water"],
    "gravel": ["footsteps on gravel", "walking on gravel", "crunching footsteps"],
}

RULES = {
    "openclonk-data": [
        _r(r"music\.ocg/", None),
        _r(r"skin\.ocg/.*/(?:die|hurt)\d*\.", ["a man groaning in pain", "a pained grunt", "someone getting hurt"], "vocal"),
        _r(r"skin\.ocg/.*/laughter\d*\.", ["a man laughing", "laughing", "someone laughing out loud"], "vocal"),
        _r(r"skin\.ocg/.*/scream\d*\.", ["a man screaming", "a loud scream", "screaming"], "vocal"),
        _r(r"skin\.ocg/.*/shock\d*\.", ["a man gasping in shock", "a startled gasp", "someone shouting in surprise"], "vocal"),
        _r(r"skin\.ocg/.*/singing\d*\.", ["a man singing a short tune", "someone humming a melody"], "vocal"),
        _r(r"skin\.ocg/", ["a cartoon character's short vocal sound", "a character mumbling"], "vocal"),
        _r(r"/breathing\.", ["heavy breathing", "a person breathing hard", "panting"], "vocal"),
        _r(r"dig\.ocg/dig\d*\.", ["digging in earth with a shovel", "a shovel digging soil"]),
        _r(r"/munch\d*\.", ["someone munching food", "chewing", "crunching food"]),
        _r(r"/stephard\d*\.", ["footsteps on hard ground", "footsteps on stone", "walking on a stone floor"]),
        _r(r"/stepsoft\d*\.", ["soft footsteps on grass", "footsteps on soft ground", "walking on grass"]),
        _r(r"/rustle(?:land)?\d*\.", ["leaves rustling", "rustling in bushes", "rustling foliage"]),
        _r(r"/divingloop\d*\.", ["swimming underwater", "underwater bubbles and movement", "diving in water"], "nature"),
        _r(r"bat\.ocg/flutter\d*\.", ["wings flapping", "a bat flapping its wings", "fluttering wings"], "animal"),
        _r(r"bat\.ocg/", ["bats squeaking", "a bat chirping", "high-pitched squeaks"], "animal"),
        _r(r"mosquitobuzz", ["a mosquito buzzing", "an insect buzzing", "buzzing insects"], "animal"),
        _r(r"zap\.ocg/", ["bees buzzing", "a swarm of insects buzzing", "an angry bee"], "animal"),
        _r(r"wipf\.ocg/aroof", ["a small dog yapping", "a small animal yelping", "a puppy barking"], "animal"),
        _r(r"wipf\.ocg/snuff", ["an animal sniffing", "a dog sniffing around", "sniffing"], "animal"),
        _r(r"wipf\.ocg/", ["a puppy whining", "a small animal whimpering", "a dog whining"], "animal"),
        _r(r"mooq\.ocg/snort", ["an animal snorting", "a pig-like snort", "a large animal grunting"], "animal"),
        _r(r"mooq\.ocg/spit", ["spitting", "an animal spitting"], "animal"),
        _r(r"mooq\.ocg/munch", ["an animal munching", "chewing loudly"], "animal"),
        _r(r"(?:mooq|puka|monster)\.ocg/(?:die|hurt|growl)", ["a creature growling", "a monster growling", "a beast snarling"], "animal"),
        _r(r"puka\.ocg/hiss", ["hissing", "a snake hissing"], "animal"),
        _r(r"chippie\.ocg/", ["a small creature chirping", "an insect clicking and chirping"], "animal"),
        _r(r"fish\.ocg/", ["a fish munching", "a small bite in water"], "animal"),
        _r(r"birdsloop", ["birds chirping", "birdsong in a forest", "birds singing outdoors"], "animal", AMB),
        _r(r"earthquakeend", ["an earthquake rumbling to a stop", "a deep rumbling fading out"], "nature"),
        _r(r"earthquake", ["an earthquake rumbling", "a deep rumbling", "the ground shaking"], "nature"),
        _r(r"lightning\.ocg/thunder", ["thunder rumbling", "a thunderclap", "a thunderstorm"], "nature"),
        _r(r"tree\.ocg/chop", ["an axe chopping wood", "chopping a tree", "a woodcutter's axe"]),
        _r(r"tree\.ocg/crack", ["a tree cracking before it falls", "wood splintering", "a tree creaking"]),
        _r(r"tree\.ocg/landing", ["a tree falling to the ground", "a heavy thud of a falling tree"]),
        _r(r"vine\.ocg/", ["leaves rustling", "grabbing a vine"]),
        _r(r"environment\.ocg/waterfall", ["a waterfall", "rushing water of a waterfall", "water flowing"], "nature", AMB),
        _r(r"windloop", ["wind blowing", "howling wind", "a strong wind"], "nature", AMB),
        _r(r"fire\.ocg/blastfirework", ["fireworks exploding", "a firework bang", "fireworks"]),
        _r(r"fire\.ocg/blastliquid", ["an explosion under water", "an explosion with a splash"]),
        _r(r"fire\.ocg/blastmetal", ["a metallic explosion", "an explosion"]),
        _r(r"fire\.ocg/blast", ["an explosion", "a loud explosion", "a bomb going off"]),
        _r(r"fire\.ocg/cracker", ["a firecracker popping", "firecrackers", "small bangs"]),
        _r(r"fire\.ocg/fire\.", ["fire crackling", "flames burning", "a fire"], "nature", AMB),
        _r(r"fire\.ocg/fireball", ["a fireball whooshing", "a burst of flame"]),
        _r(r"fire\.ocg/fuse", ["a burning fuse hissing", "a sizzling fuse"]),
        _r(r"fire\.ocg/inflame", ["something catching fire with a whoosh", "flames igniting"]),
        _r(r"fire\.ocg/spark", ["sparks crackling", "electric sparks"]),
        _r(r"glass\.ocg/glass(?:break|shatter)", ["glass shattering", "glass breaking", "smashing glass"]),
        _r(r"glass\.ocg/glasshit", ["glass clinking", "a glass being tapped"]),
        _r(r"metal\.ocg/|buckethit|/metalhit\d*\.|clanghard|pickaxe\.ocg/clang", ["metal clanging", "a metal object being struck", "a clang"]),
        _r(r"rock\.ocg/rockfall", ["rocks falling", "a rockfall", "stones tumbling down"]),
        _r(r"rock\.ocg/", ["a rock hitting stone", "stones knocking together"]),
        _r(r"wood\.ocg/woodcreak", ["wood creaking", "a creaking wooden beam"]),
        _r(r"wood\.ocg/|shield\.ocg/woodhit", ["wood knocking", "a wooden knock", "hitting wood"]),
        _r(r"icehit", ["ice being struck", "hitting ice"]),
        _r(r"(?:organic|softhit|projectilehitliving)", ["a soft thud", "a dull hit"]),
        _r(r"softtouch", None),
        _r(r"liquids\.ocg/boiling", ["water boiling", "a pot of boiling water bubbling"], "nature"),
        _r(r"liquids\.ocg/bubble", ["water bubbling", "bubbles rising", "underwater bubbles"], "nature"),
        _r(r"liquids\.ocg/(?:corrode|sizzle|smokesizzle)", ["sizzling", "something sizzling in a hot pan", "acid hissing"]),
        _r(r"liquids\.ocg/pshshsh", ["steam hissing", "a hiss of steam"]),
        _r(r"liquids\.ocg/splash", ["water splashing", "a splash", "something splashing into water"], "nature"),
        _r(r"liquids\.ocg/stereorain", ["rain falling", "steady rain", "the sound of rain"], "nature", AMB),
        _r(r"liquids\.ocg/swim", ["someone swimming", "splashing while swimming"], "nature"),
        _r(r"liquids\.ocg/waterdrop", ["water dripping", "a water droplet", "drip"], "nature"),
        _r(r"balloon\.ocg/inflate", ["a balloon being inflated", "air hissing into a balloon"]),
        _r(r"balloon\.ocg/pop", ["a balloon popping", "a pop"]),
        _r(r"(?:bow|arrow)\.ocg/shoot", ["an arrow shot from a bow", "a bow twang"]),
        _r(r"arrow\.ocg/hitground|javelin\.ocg/hitground", ["an arrow hitting the ground", "a thud in the dirt"]),
        _r(r"bow\.ocg/draw|javelin\.ocg/draw", ["a bowstring being drawn", "a bow creaking"]),
        _r(r"bow\.ocg/", ["an arrow drawn from a quiver", "wood and leather rattling"]),
        _r(r"javelin\.ocg/throw|weaponswing", ["a whoosh", "something swinging through the air", "swoosh"]),
        _r(r"blunderbuss\.ocg/(?:gunshoot|bulletshot)", ["a gunshot", "an old musket firing", "a gun firing"]),
        _r(r"blunderbuss\.ocg/bullethitground", ["a bullet hitting the ground", "a bullet impact"]),
        _r(r"blunderbuss\.ocg/click", ["a gun clicking", "a trigger click"]),
        _r(r"weaponhit", ["a weapon hitting", "a sword hitting a shield", "a blade hit"]),
        _r(r"plane\.ocg/planecrash", ["an airplane crashing", "a loud metal crash"]),
        _r(r"propellerloop", ["a propeller airplane engine", "an airplane engine droning"], "effect", AMB),
        _r(r"linesnap", ["a rope snapping", "a rope breaking"]),
        _r(r"lorry\.ocg/dump", ["rocks being dumped from a cart", "rubble pouring out"]),
        _r(r"spraycan", ["a spray can hissing", "spray paint"]),
        _r(r"windbag\.ocg/gust", ["a gust of wind", "a blast of air"], "nature"),
        _r(r"chest\.ocg/open", ["a wooden chest opening", "a creaking lid opening"]),
        _r(r"chest\.ocg/close", ["a wooden chest closing", "a lid shutting"]),
        _r(r"/doorclose\d*\.", ["a door closing", "a door shutting"]),
        _r(r"/dooropen\d*\.", ["a door opening", "a door creaking open"]),
        _r(r"/doorunlock", ["a door being unlocked", "a lock clicking"]),
        _r(r"elevator\.ocg/drilling", ["a drill boring into rock", "a power drill"]),
        _r(r"elevator\.ocg/", ["an elevator moving", "machinery whirring"]),
        _r(r"fanloop", ["a fan whirring", "a ventilator humming"]),
        _r(r"furnace\.ocg/", ["a furnace roaring", "a fire roaring in a furnace"]),
        _r(r"hingecreak", ["a hinge creaking", "a creaky door hinge"]),
        _r(r"pumpjack", ["an oil pump working", "machinery pumping rhythmically"]),
        _r(r"sawmillripcut", ["a sawmill cutting wood", "a circular saw cutting wood"]),
        _r(r"sawmill\.ocd/engine", ["an engine running", "a motor humming"]),
        _r(r"steamengine", ["a steam engine chugging", "a steam engine running"]),
        _r(r"stonegate\.ocg/chain", ["a chain rattling", "a heavy chain being pulled"]),
        _r(r"stonegate\.ocg/", ["a heavy stone gate grinding", "stone scraping on stone"]),
        _r(r"wheelsturn", ["wooden wheels turning", "a creaking wheel"]),
        _r(r"bigvolcanobubble", ["lava bubbling", "a thick liquid bubbling"], "nature"),
        _r(r"ui\.ocg/tick", ["a clock ticking", "a tick"], "ui"),
        _r(r"ui\.ocg/fanfare|ui\.ocg/trumpet", ["a victory fanfare", "a trumpet fanfare"], "ui"),
        _r(r"ui\.ocg/", ["a user interface sound", "a game menu sound"], "ui"),
    ],
    "flare-game": [
        _r(r"music/wind_ambient", ["wind blowing", "a windy landscape", "howling wind"], "nature", AMB),
        _r(r"/music/", "MUSIC"),
        _r(r"falling_rocks", ["rocks falling", "a rockfall", "stones tumbling down"]),
        _r(r"minecart", ["a mine cart rolling on rails", "a metal cart rattling on tracks"]),
        _r(r"environment/rain", ["rain falling", "steady rain", "the sound of rain"], "nature", AMB),
        _r(r"anvil_loop", ["a blacksmith hammering on an anvil", "hammering on metal"], "effect", AMB),
        _r(r"bird_twitter", ["birds chirping", "birdsong in a forest", "birds singing outdoors"], "animal", AMB),
        _r(r"cave_droplets", ["water dripping in a cave", "water drops echoing", "dripping water"], "nature", AMB),
        _r(r"cave_wind", ["wind in a cave", "a hollow wind howling", "wind blowing"], "nature", AMB),
        _r(r"forest_owl", ["an owl hooting at night", "an owl in a forest at night", "an owl"], "animal", AMB),
        _r(r"open_fire", ["fire crackling", "a campfire burning", "flames burning"], "nature", AMB),
        _r(r"raven_loop", ["ravens cawing", "crows cawing", "a crow"], "animal", AMB),
        _r(r"river_loop", ["a river flowing", "a stream of running water", "water flowing"], "nature", AMB),
        _r(r"wind_loop", ["wind blowing", "howling wind", "a strong wind"], "nature", AMB),
        _r(r"environment/stairs", ["footsteps on stairs", "someone walking down stairs"]),
        _r(r"stone_open", ["a heavy stone door grinding open", "stone scraping on stone"]),
        _r(r"(?:door|wood)_open", ["a door creaking open", "a door opening", "a wooden door"]),
        _r(r"enemies/zombie", ["a zombie groaning", "a monster moaning", "a creature growling"], "animal"),
        _r(r"enemies/(?:goblin|antlion)", ["a creature screeching", "a monster shrieking"], "animal"),
        _r(r"enemies/(?:minotaur|wyvern)", ["a monster roaring", "a beast roaring", "a creature growling"], "animal"),
        _r(r"enemies/skeleton", ["bones rattling", "a skeleton clattering"]),
        _r(r"enemies/", None),
        _r(r"female_(?:die|hit)", ["a woman crying out in pain", "a woman screaming", "a pained female grunt"], "vocal"),
        _r(r"male_(?:die|hit)", ["a man groaning in pain", "a man crying out", "a pained grunt"], "vocal"),
        _r(r"npcs/female", ["a woman's voice speaking", "a woman saying a short phrase"], "speech"),
        _r(r"npcs/male", ["a man's voice speaking", "a man saying a short phrase"], "speech"),
        _r(r"heartbeat", ["a heartbeat", "a heart beating", "a pounding heartbeat"]),
        _r(r"inventory_book", ["a book being put down", "a heavy book thud"]),
        _r(r"inventory_(?:cloth|leather)", ["cloth rustling", "leather creaking"]),
        _r(r"inventory_coins|flying_loot", ["coins jingling", "money clinking", "a handful of coins"]),
        _r(r"inventory_(?:gem|potion)", ["a glass bottle clinking", "glass clinking"]),
        _r(r"inventory_maille", ["chain mail rattling", "metal rings jingling"]),
        _r(r"inventory_(?:metal|heavy)", ["metal clanking", "a heavy metal object put down"]),
        _r(r"inventory_page", ["a page turning", "paper rustling"]),
        _r(r"inventory_wood", ["a wooden object knocked", "wood knocking"]),
        _r(r"inventory_", None),
        _r(r"powers/quake", ["an earthquake rumbling", "a deep rumbling", "the ground shaking"], "nature"),
        _r(r"powers/thunder", ["a thunderclap", "thunder rumbling"], "nature"),
        _r(r"powers/warcry", ["a man shouting a battle cry", "a loud war cry"], "vocal"),
        _r(r"powers/(?:potion)", ["someone drinking a potion", "gulping a drink"]),
        _r(r"powers/(?:shoot|arrow_wall)", ["an arrow shot from a bow", "arrows flying"]),
        _r(r"powers/(?:burn|fireball)", ["a fireball whooshing", "a burst of flame"]),
        _r(r"powers/shock", ["electricity crackling", "an electric zap"]),
        _r(r"powers/freeze", ["ice freezing and cracking", "a freezing ice sound"]),
        _r(r"steps/step_echo", ["footsteps echoing in a hall", "footsteps in a large room", "footsteps"]),
        _r(r"steps/step_metal", ["clanking footsteps in armour", "footsteps with metal armour"]),
        _r(r"steps/step_(?:cloth|leather)", ["soft footsteps", "footsteps", "someone walking"]),
    ],
    "lugaru-data": [
        _r(r"/music", "MUSIC"),
        _r(r"/barkgrowl", ["a dog barking and growling", "an angry dog", "a dog barking"], "animal"),
        _r(r"/bark\d*\.", ["a dog barking", "dog bark", "a barking dog"], "animal"),
        _r(r"/growl\d*\.|/snarl\d*\.", ["a wolf growling", "a dog growling", "an animal snarling"], "animal"),
        _r(r"/hawk", ["a hawk screeching", "a bird of prey calling", "a hawk"], "animal"),
        _r(r"/footstepgrass", STEPS["grass"]),
        _r(r"/footstepsnow", STEPS["snow"]),
        _r(r"/footstepstone", STEPS["stone"]),
        _r(r"/bushrustle", ["bushes rustling", "leaves rustling", "rustling foliage"]),
        _r(r"/desertambient", ["desert wind ambience", "wind blowing over a desert", "wind blowing"], "nature", AMB),
        _r(r"/wind\.", ["wind blowing", "howling wind", "a strong wind"], "nature", AMB),
        _r(r"/fire(?:start|end)?\.", ["fire crackling", "flames burning", "a fire"], "nature"),
        _r(r"/rabbit", None),
        _r(r"/knifedraw|/knifesheathe", ["a knife being drawn from a sheath", "a blade sliding"]),
        _r(r"/snowskid", ["sliding on snow", "skidding on snow"]),
        _r(r"/skid", ["sliding on the ground", "skidding on dirt"]),
        _r(r"/(?:staff|sword)", ["a sword slashing", "weapons clashing", "a blade hit"]),
        _r(r"/console", None),
    ],
    "searchandrescue-data": [
        _r(r"/music/", "MUSIC"),
        _r(r"helicopter_wheel_screech", ["tires screeching", "wheels skidding on tarmac"]),
        _r(r"helicopter_engine_start|hh6\d/engine_start", ["a helicopter engine starting up", "helicopter rotor blades spinning up", "a helicopter"], "effect"),
        _r(r"helicopter_engine_shutdown|hh6\d/engine_shutdown", ["a helicopter engine shutting down", "helicopter rotor blades slowing", "a helicopter"], "effect"),
        _r(r"helicopter_engine_inside|hh6\d/engine_inside", ["inside a helicopter cabin", "a helicopter engine heard from inside", "a helicopter flying"], "effect", AMB),
        _r(r"helicopter_engine", ["a helicopter flying", "helicopter rotor blades thumping", "a helicopter"], "effect", AMB),
        _r(r"jet_engine_start", ["a jet engine starting up", "a turbine spinning up"]),
        _r(r"jet_engine_shutdown", ["a jet engine shutting down", "a turbine winding down"]),
        _r(r"jet_engine", ["a jet engine roaring", "a jet airplane engine", "a turbine whining"], "effect", AMB),
        _r(r"crash_", ["an aircraft crashing", "a loud metal crash", "a crash"]),
        _r(r"air_brake", ["an air brake hissing", "a hiss of compressed air"]),
        _r(r"door_close", ["a door closing", "a door shutting"]),
        _r(r"flap_|gear_", ["an electric motor whirring", "landing gear moving", "a hydraulic motor"]),
        _r(r"flir_|screenshot", None),
        _r(r"land_belly", ["an aircraft scraping along the ground", "metal scraping on the ground"]),
        _r(r"land_ski", ["skis sliding on snow", "sliding on snow"]),
        _r(r"land_wheel_skid", ["tires screeching", "wheels skidding on a runway"]),
        _r(r"overspeed|stall", ["a cockpit warning alarm", "a warning buzzer", "an alarm beeping"], "ui"),
        _r(r"splash_", ["a big splash into water", "something falling into water", "water splashing"], "nature"),
        _r(r"thunder_", ["thunder rumbling", "a thunderclap", "a thunderstorm"], "nature"),
        _r(r"thud_", ["a heavy thud", "a dull impact"]),
    ],
    "unknown-horizons": [
        _r(r"music/waves", ["sea waves crashing on the shore", "ocean waves", "waves on a beach"], "nature", AMB),
        _r(r"/music/", "MUSIC"),
        _r(r"/voice/en/", ["a man narrating in English", "a man speaking"], "speech"),
        _r(r"/voice/de/", ["a man narrating in German", "a man speaking German"], "speech"),
        _r(r"/voice/fr/", ["a man narrating in French", "a man speaking French"], "speech"),
        _r(r"sounds/chapel", ["a church bell ringing", "church bells", "a bell tolling"], "effect", AMB),
        _r(r"sounds/ships_bell", ["a ship's bell ringing", "a bell ringing"]),
        _r(r"sounds/lumberjack", ["an axe chopping wood", "chopping wood", "a woodcutter at work"], "effect", AMB),
        _r(r"sounds/smith", ["a blacksmith hammering on an anvil", "hammering on metal"], "effect", AMB),
        _r(r"sounds/stonemason", ["a stonemason chiselling stone", "a hammer and chisel on stone"], "effect", AMB),
        _r(r"sounds/sheepfield", ["sheep bleating in a field", "a flock of sheep", "a sheep bleating"], "animal", AMB),
        _r(r"sounds/windmill", ["a windmill turning", "a creaking windmill", "machinery turning in the wind"], "effect", AMB),
        _r(r"sounds/tavern", ["a noisy tavern", "people talking and laughing in a pub", "crowd chatter indoors"], "effect", AMB),
        _r(r"sounds/main_square", ["a busy town square", "crowd chatter outdoors", "a crowd of people talking"], "effect", AMB),
        _r(r"sounds/warehouse", ["a busy warehouse", "crates and barrels being moved"], "effect", AMB),
        _r(r"sounds/build", ["hammering and construction noise", "building construction"]),
        _r(r"sounds/flippage", ["a page turning", "flipping a page"]),
        _r(r"sounds/(?:click|events|invalid|refresh|success)", ["a user interface sound", "a game menu sound"], "ui"),
    ],
    "btanks-data": [
        _r(r"/tunes/", "MUSIC"),
        _r(r"ambient/city", ["city street ambience with traffic", "traffic noise in a city", "a busy city street"], "nature", AMB),
        _r(r"ambient/country", ["countryside ambience with birds", "birds and insects in the countryside", "a quiet rural field"], "nature", AMB),
        _r(r"ambient/forest", ["forest ambience with birds", "birds singing in a forest", "a forest"], "nature", AMB),
        _r(r"ambient/swamp", ["swamp ambience with frogs and insects", "frogs croaking in a swamp", "a marsh at night"], "nature", AMB),
        _r(r"ambient/horror", ["an eerie horror ambience", "a creepy atmosphere"], "effect", AMB),
        _r(r"ambient/space", None),
        _r(r"klaxon-funny", ["a funny clown horn", "a comedy horn honking"]),
        _r(r"klaxon", ["a car horn honking", "a car horn", "a horn beeping"]),
        _r(r"man-steps", ["footsteps", "someone walking", "footsteps on the ground"]),
        _r(r"laugh\d*", ["a man laughing", "laughing", "someone laughing out loud"], "vocal"),
        _r(r"kamikaze-scream", ["a man screaming", "a loud scream", "screaming"], "vocal"),
        _r(r"deadman", ["a man dying scream", "a man crying out in pain"], "vocal"),
        _r(r"taking-item|respawn|menu/|slime-", None),
        _r(r"submarine", ["a submarine sonar ping", "sonar"]),
        _r(r"(?:engine-car|engine-vehicle|vehicle-sound|tank-move)", ["a car engine running", "a vehicle motor", "an engine idling"]),
        _r(r"engine-start", ["a car engine starting", "an engine cranking and starting"]),
        _r(r"cannon", ["a cannon firing", "a tank cannon shot", "a loud gun blast"]),
    ],
    "gnome-shell-pomodoro-data": [
        _r(r"/birds\.", ["birds chirping", "birdsong in a garden", "birds singing outdoors"], "animal", AMB),
        _r(r"/clock\.", ["a clock ticking", "clock ticking", "a ticking clock"], "effect", AMB),
        _r(r"/timer\.", ["a kitchen timer ticking", "a mechanical timer ticking", "a clock ticking"], "effect", AMB),
        _r(r"bell\.", ["a bell ringing", "a small bell chiming", "a ding of a bell"]),
    ],
    "pekka-kana-2-data": [
        _r(r"/moo\.", ["a cow mooing", "cow moo", "cattle lowing"], "animal"),
        _r(r"/bee(?:hive)?\.", ["a bee buzzing", "bees buzzing", "a buzzing insect"], "animal"),
        _r(r"/bee_ko", ["a bee buzzing away", "an insect buzzing"], "animal"),
        _r(r"/bird\.", ["a bird chirping", "a bird singing", "birdsong"], "animal"),
        _r(r"/chick\.", ["a chick peeping", "a baby chicken chirping", "a chick"], "animal"),
        _r(r"/crow(?:_ko)?\.", ["a crow cawing", "crow caw", "a crow"], "animal"),
        _r(r"/frog_", ["a frog croaking", "frogs croaking", "a frog"], "animal"),
        _r(r"/hen\.|p_layegg", ["a chicken clucking", "hens clucking", "a hen"], "animal"),
        _r(r"/pig\d?\.", ["a pig oinking", "pig grunting", "a pig"], "animal"),
        _r(r"/pig_ko", ["a pig squealing", "a squealing pig"], "animal"),
        _r(r"doodle", ["a rooster crowing", "cock-a-doodle-doo, a rooster", "a rooster"], "animal"),
        _r(r"wolf_ko", ["a wolf yelping", "a dog yelping in pain"], "animal"),
        _r(r"eggcrack", ["an egg cracking", "an eggshell breaking"]),
        _r(r"app_bite|apple", ["a bite into an apple", "crunching an apple", "someone eating"]),
        _r(r"tennis", ["a tennis ball being hit", "a ball bouncing"]),
        _r(r"boxcrack", ["a wooden box breaking", "wood cracking"]),
        _r(r"tankshot", ["a cannon firing", "a gunshot"]),
        _r(r"explot", ["an explosion", "a loud explosion"]),
        _r(r"/splash\.", ["water splashing", "a splash"], "nature"),
        _r(r"bunny|robo_|boss|p_damage|p_ko|/ko1|/damage|bonus|counter|menu|switch|jump|pump|openlock", None),
    ],
    "micropolis-data": [
        _r(r"/airport\.", ["an airplane flying overhead", "an airplane engine"]),
        _r(r"/rail\.", ["a train passing by", "a train on the tracks", "a locomotive train"]),
        _r(r"/stadium\.", ["a crowd cheering in a stadium", "a cheering crowd", "applause"]),
        _r(r"/heavytraffic\.", ["heavy traffic noise", "a busy road with cars", "traffic noise"], "nature"),
        _r(r"/honkhonk", ["a car horn honking", "car horns", "a horn beeping"]),
        _r(r"/police\.", ["a police siren", "a siren wailing", "an emergency siren"]),
        _r(r"/siren\.", ["a siren wailing", "an emergency siren", "an air raid siren"]),
        _r(r"/quack", ["a duck quacking", "duck quack", "a duck"], "animal"),
        _r(r"/cuckoo\.", ["a cuckoo bird calling", "cuckoo bird"], "animal"),
        _r(r"/bulldozer\.", ["a bulldozer engine", "heavy machinery"]),
        _r(r"/ignition\.", ["a car engine starting", "an engine cranking and starting"]),
        _r(r"/chalk\.", ["chalk writing on a blackboard", "chalk scratching"]),
        _r(r"/rumble\.", ["an earthquake rumbling", "a deep rumbling"], "nature"),
        _r(r"/monster\.", ["a monster roaring", "a beast roaring"], "animal"),
        _r(r"/(?:explosion|fire|skid|whip|woosh|boing|beep|computer)", "GENERIC"),
        _r(r".", None),  # the rest are tool names (res, com, ind, zone, road, ...) or a synthetic voice
    ],
    "bucklespring-data": [
        _r(r"/[0-9a-f]+-0\.wav$", ["a mechanical keyboard key being pressed", "a keyboard click", "typing on a mechanical keyboard"]),
        _r(r"/[0-9a-f]+-1\.wav$", ["a mechanical keyboard key being released", "a keyboard click", "typing on a mechanical keyboard"]),
    ],
    "ufoai-sound": [
        _r(r"footsteps/(?:carpet|linoleum|tile)", ["footsteps indoors", "footsteps on a hard floor", "someone walking"]),
        _r(r"footsteps/(?:crouch|stand)", None),
        _r(r"footsteps/splash", ["splashing footsteps in water", "walking through water", "water splashing"]),
        _r(r"footsteps/hitground", ["a body falling to the ground", "a heavy thud"]),
        _r(r"civilians/civfem(?:death|scream)|soldiers/female(?:death|hurt)", ["a woman screaming", "a woman crying out in pain", "a pained female scream"], "vocal"),
        _r(r"(?:civilians|soldiers)/(?:civ)?male(?:death|hurt)", ["a man groaning in pain", "a man crying out", "a pained grunt"], "vocal"),
        _r(r"misc/breakglass", ["glass shattering", "glass breaking", "smashing glass"]),
        _r(r"misc/breakwood", ["wood breaking", "wood splintering", "a wooden crate smashed"]),
        _r(r"misc/breakmetal", ["metal crashing", "a metal object breaking", "metal clanging"]),
        _r(r"misc/breakelectric", ["an electrical short circuit", "electric sparks crackling"]),
        _r(r"ambience/(?:fire\d*|firesoft|smallfire)\.", ["fire crackling", "flames burning", "a fire"], "nature", AMB),
        _r(r"ambience/cricket", ["crickets chirping", "crickets chirping at night", "insects chirping"], "animal", AMB),
        _r(r"ambience/arcticwind", ["cold wind howling", "arctic wind blowing", "wind blowing"], "nature", AMB),
        _r(r"ambience/waterfontain", ["a fountain splashing", "water flowing in a fountain", "running water"], "nature", AMB),
        _r(r"ambience/water\d*\.", ["water lapping", "water flowing", "water"], "nature", AMB),
        _r(r"ambience/thunder", ["thunder rumbling", "a thunderclap", "a thunderstorm"], "nature"),
        _r(r"ambience/tv_static", ["tv static noise", "white noise hiss", "radio static"]),
        _r(r"ambience/creak", ["a creaking sound", "wood creaking"]),
        _r(r"ambience/steam", ["steam hissing", "a hiss of steam"]),
        _r(r"ambience/wind_turbine", ["a wind turbine whirring", "a large fan turning"], "effect", AMB),
        _r(r"ambience/(?:hum|minepump|machine)", ["machinery humming", "an electrical hum", "a machine running"], "effect", AMB),
        _r(r"ambience/", None),
        _r(r"ugv/diesel", ["a diesel engine running", "a vehicle motor", "an engine idling"]),
        _r(r"ugv/|aliens/|geoscape/|seq/|misc/|ui/item|weapons/(?:ptl|psi|irgoggles|medikit|grenade-pin|flamer)", None),
    ],
    "ardentryst": [
        _r(r"/music/", "MUSIC"),
        _r(r"voi_intro", ["a man narrating a story", "a man speaking"], "speech"),
        _r(r"amb_intro", None),
        _r(r"_step_(snow|grass|dirt|concrete)", "STEP"),
        _r(r"nyx_pain", ["a woman crying out in pain", "a pained female grunt"], "vocal"),
        _r(r"pyr_pain", ["a man groaning in pain", "a pained grunt"], "vocal"),
        _r(r"_jump\d", ["a grunt while jumping", "a short effort grunt"], "vocal"),
        _r(r"_land\d", ["landing on the ground", "a thud of feet landing"]),
        _r(r"rain_loop", ["rain falling", "steady rain", "the sound of rain"], "nature", AMB),
        _r(r"fire_loop", ["fire crackling", "flames burning", "a fire"], "nature", AMB),
        _r(r"cavewind", ["wind in a cave", "a hollow wind howling", "wind blowing"], "nature", AMB),
        _r(r"/drink\.", ["someone drinking", "gulping a drink", "swallowing"]),
        _r(r"/quake\.", ["an earthquake rumbling", "a deep rumbling"], "nature"),
        _r(r"wasp/", ["a wasp buzzing", "an insect buzzing"], "animal"),
        _r(r"(?:spider|cspider|snowbat)/squeak", ["a small creature squeaking", "squeaking"], "animal"),
        _r(r"monstersounds/", None),
        _r(r"menu-|/msg\.|newgame|equip|/fail\.|/orb\.|/treasure\.|/maea\.|/obelisk\.|magicpower|mdrain", None),
    ],
}

# openttd-opensfx: the catalogue's own descriptions, as a person would search for them (None = skip)
OPENSFX = {
    "Good Year": None, "Bad Year": None, "Oooh sound": None,
    "Splat (building docks/canals/river)": ["a wet splat", "mud splashing"],
    "Factory Whistle": ["a factory steam whistle blowing", "a loud steam whistle"],
    "Steam train station departure": ["a steam train whistle", "a steam locomotive leaving a station", "a steam train"],
    "Steam engine going in tunnel": ["a steam train whistle", "a steam locomotive whistling", "a steam train"],
    "Ship horn": ["a ship horn blowing", "a ship's foghorn", "a boat horn"],
    "Ferry horn": ["a ferry horn blowing", "a ship's horn", "a boat horn"],
    "Propeller plane start": ["a propeller plane engine starting", "a small airplane taking off", "a propeller airplane"],
    "Early jet take off": ["a jet airplane taking off", "a passenger jet departing", "an airplane flying overhead"],
    "Diesel/electric train station departure": ["a train horn", "a diesel locomotive horn in the distance", "a train"],
    "Mining machinery": ["an old elevator running", "mining machinery rumbling"],
    "Electric sparking": ["electric sparks crackling", "electricity arcing", "high voltage buzzing"],
    "Steam (of steam engine)": ["steam hissing", "a hiss of steam from an engine"],
    "Level crossing": ["a railroad crossing bell ringing", "a level crossing signal dinging"],
    "Road vehicle breakdown": ["a heavy metal object dropped", "a metal clunk"],
    "Train/ship breakdown": ["metal clanging and rattling", "junk being thrown into a dumpster"],
    "Crash": ["a crash", "a loud metal crash"], "Big crash": ["a big crash", "a loud metal crash"],
    "Explosion": ["an explosion", "a loud explosion", "a bomb going off"],
    "Cash till": ["a cash register ringing", "a cash till opening", "money"],
    "Beep": None, "Morse": ["morse code beeping", "a telegraph beeping"],
    "Plane wheels touching ground": ["airplane tires touching the runway", "tires squealing briefly"],
    "Helicopter": ["a helicopter flying", "helicopter rotor blades thumping", "a helicopter"],
    "Truck/old bus start, pull away": ["an old truck starting and pulling away", "a diesel engine starting", "a truck engine"],
    "Truck/old bus start, pull away with horn": ["a truck starting and honking its air horn", "a truck horn", "an air horn"],
    "Modern bus start": ["a bus pulling away", "a city bus engine", "a bus driving off"],
    "Old bus start": ["an old bus engine starting", "a vehicle pulling away"],
    "Applause": ["applause", "an audience applauding", "a crowd clapping"],
    "Splat (terraform/non-rail builds": ["a dull splat", "a soft thud"], "Splat (rail builds)": ["a short thud", "a kick drum thump"],
    "Jackhammer": ["a jackhammer drilling", "a pneumatic drill hammering", "roadworks"],
    "Modern car horn": ["a car horn honking", "a car horn", "a horn beeping"],
    "Sheep": ["a sheep bleating", "sheep in a field", "sheep baa"],
    "Cow": ["a cow mooing", "cow moo", "cattle lowing"],
    "Horse": ["a horse neighing", "horse whinny", "a horse"],
    "Building bridge": ["hammering on metal in a smithy", "a blacksmith hammering"],
    "Sawmill": ["a circular saw cutting wood", "a sawmill", "sawing wood"],
    "Wind": ["wind blowing", "a gust of wind", "howling wind"], "Heavy wind": ["strong wind howling", "a storm wind", "wind blowing"],
    "Lumber mill: Crashing tree": ["a tree crashing to the ground", "a falling tree"],
    "Lumber mill: Falling tree": ["a tree being cut down and falling", "a falling tree", "chopping a tree"],
    "Lumber mill: Chainsaw": ["a chainsaw cutting", "a chainsaw running", "a chainsaw"],
    "Mach 1+ Jet take off": ["a jet fighter roaring past", "a jet airplane taking off", "a loud jet engine"],
    "Modern jet take off": ["jet fighters flying over", "a jet airplane taking off", "a jet engine roaring"],
    "Maglev train station departure": ["a metro train leaving a station", "an electric train", "a subway train"],
    "Monorail train station departure": ["a train passing by", "a train on the tracks", "a train"],
    "Tropical: Bird (1)": ["a tropical bird calling", "a bird call", "a bird singing"],
    "Tropical: Bird (2)": ["a tropical bird calling", "a bird call", "a bird singing"],
    "Tropical: Lion roar": ["a lion roaring", "a big cat growling", "a roar"],
    "Tropical: Monkeys": ["monkeys screeching", "a monkey calling", "apes shrieking"],
    "Toyland: Propeller plane take off": ["a propeller airplane taking off", "a propeller airplane", "an airplane engine"],
    "Toyland: Bubble generated": ["bubbles bubbling", "water bubbling"],
    "Toyland: Bubble plop": ["a bubble plopping", "a plop"],
}


_OPENSFX_BY_MEMBER = {k.replace("/", "-"): v for k, v in OPENSFX.items()}  # member names have no '/'


def opensfx_caption(path: str):
    """Path is '<cat>!NN <title>.wav' (see sources.iter_sources); the title comes from the catalogue."""
    member = path.rsplit("!", 1)[-1]
    title = re.sub(r"^\d+ ", "", member)[: -len(".wav")] if member.endswith(".wav") else member
    caps = _OPENSFX_BY_MEMBER.get(title)
    if caps is None:
        return None
    return {"kind": "effect", "captions": list(caps)}


SMALL_PACKAGES = {
    "castle-game-engine-doc", "libreoffice-common", "minetest-mod-homedecor", "brainparty-data", "ukui-media",
    "crossfire-client", "plee-the-bear-data", "simutrans-pak64", "torcs-data", "7kaa-data", "orage-data",
    "etw-data", "tuxfootball", "heroes-sound-effects", "fillets-ng-data", "afterstep-data", "emacspeak",
    "sound-icons", "tuxpaint-data", "tuxpaint-plugins-default", "mazeofgalious-data", "freedink-data",
    "enigma-data", "kolf", "crrcsim-data", "acm", "gl-117-data", "moon-lander-data", "trophy-data",
    "netpanzer-data", "mirrormagic-data", "csoundqt-examples", "qtmultimedia5-examples", "caveexpress-data",
    "warzone2100-data", "colobot-common-sounds", "xemacs21-basesupport",
}
EVERYDAY_PACKAGES = {"openttd-opensfx", "ufoai-sound", *RULES} | SMALL_PACKAGES
ANIMAL_PACKAGES = {"pekka-kana-2-data", "micropolis-data"}


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
    ("tuxpaint-plugins-default", _r(r".", None)),  # the paint tools' effect sounds ("blur", "confetti")
    ("netpanzer-data", _r(r"-fire\.wav$", ["a tank cannon firing", "a cannon shot", "a gunshot"])),
    ("etw-data", _r(r"/crowd\d*\.", ["a football crowd cheering", "a stadium crowd", "a crowd cheering"])),
    ("fillets-ng-data", _r(r"/(?:[a-z]+-[a-z]-|unlocking)", None)),  # character lines and jingles
    ("*", _r(r"boat-?horn\.\w+$", ["a ship horn blowing", "a boat horn", "a ship's foghorn"])),
    ("*", _r(r"(?:crash\d*|metalcrash|bottom_crash)\.\w+$", ["a crash", "a loud metal crash", "something crashing"])),
    ("*", _r(r"(?:skid\w*)\.\w+$", ["tires screeching", "a car skidding"])),
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
