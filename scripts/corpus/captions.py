# ruff: noqa: E501  (hand-written rule tables read better one rule per line)
"""Name-pattern -> plain-language caption rules for clap-search's training corpus.

`caption_for(package, path)` returns a dict {"kind", "captions"} or None (skip).
kind is one of: effect, animal, nature, instrument, music, speech, vocal (non-verbal human sounds), ui.
Captions are written the way a person would search ("a dog barking", "glass shattering").
Rules are tried on the file's base name first, then on the folder names; the first hit wins.
Only when nothing matches do we fall back to "sound of <cleaned tokens>".
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------- tokenising
GENERIC_DIRS = {
    "usr", "share", "games", "game", "data", "sounds", "sound", "sfx", "snd", "audio", "samples", "sample",
    "media", "resource", "resources", "src", "activities", "base", "packs", "pack", "default", "misc", "wav",
    "ogg", "effects", "fx", "the", "of", "a", "and", "lib", "local", "stereo", "mono", "new", "old", "common",
    "commondata", "techs", "megapack", "factions", "units", "models", "assets", "core", "gcompris",
    "hydrogen", "drumkits", "lmms", "sonic", "pi", "tuxpaint", "stamps", "hedgewars", "warmux", "supertux2",
    "supertux", "freedroidrpg", "wesnoth", "megaglest", "content", "music", "sound_effects", "snd_fx",
}


def split_camel(s: str) -> str:
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    return s


def tokens(s: str) -> list[str]:
    s = split_camel(s)
    s = re.sub(r"\.(wav|ogg|oga|flac|mp3|opus|au|aiff?)$", "", s, flags=re.I)
    parts = re.split(r"[^A-Za-z]+", s)
    return [p.lower() for p in parts if p]


def name_tokens(path: str) -> tuple[list[str], list[str]]:
    """(base-name tokens, folder tokens without generic dirs)."""
    path = path.replace("!", "/")
    segs = [p for p in path.split("/") if p]
    base = tokens(segs[-1]) if segs else []
    folders = []
    for seg in segs[:-1]:
        for t in tokens(seg):
            if t not in GENERIC_DIRS and len(t) > 1:
                folders.append(t)
    return base, folders


# --------------------------------------------------------------------------- rules
# (regex over space-joined tokens, [captions...], kind). Order matters: specific before general.
R = []


def rule(pattern, caps, kind="effect"):
    if isinstance(caps, str):
        caps = [caps]
    R.append((re.compile(r"(?:^| )(?:" + pattern + r")(?: |$)"), caps, kind))


# --- priority rules (multi-word names that a later single-word rule would mis-caption)
rule(r"glass doors? (?:open|close|opening|closing)?|doors glass door(?: open| close)?", ["a glass door sliding open or shut", "a door opening", "a door closing"], "effect")
rule(r"doors? (?:close|closing|closed|slam|shut)|doors door close|close door", ["a door closing", "a door slamming shut", "a door"], "effect")
rule(r"shotgun fire|gun ?fire|fire gun|fire weapon", ["a gunshot", "a gun firing", "gunfire"], "effect")
rule(r"wind ?mill(?: h ?tech)?|windmill\w*", ["a windmill turning", "a creaking windmill", "machinery turning in the wind"], "effect")
rule(r"church ?bells?|churchbell", ["a church bell ringing", "church bells", "a bell tolling"], "effect")
rule(r"car ?horn|carhorn|horn honk|honk", ["a car horn honking", "a car horn", "a horn beeping"], "effect")
rule(r"alarm clock", ["an alarm clock ringing", "an alarm going off"], "effect")
rule(r"sea ?waves|ocean ?waves|oceanwaves", ["sea waves crashing on the shore", "ocean waves", "waves on a beach"], "nature")
rule(r"frogs? in pond\w*|frogs in pond during storm", ["frogs croaking in a pond", "a frog croaking"], "animal")
rule(r"(?:storm|blow|hollow|waste|dizzy)wind", ["wind blowing", "howling wind", "a gust of wind"], "nature")
rule(r"stormrain", ["rain falling", "a rainstorm", "heavy rain pouring down"], "nature")
rule(r"stormbolts", ["thunder rumbling", "a thunderstorm with lightning", "a thunderclap"], "nature")
rule(r"nightcrickets|cycadas|cicadas?|night crickets", ["crickets chirping at night", "insects chirping", "cicadas buzzing"], "animal")
rule(r"cavedrip", ["water dripping in a cave", "water drops echoing"], "nature")
rule(r"distant cars", ["distant traffic noise", "cars passing in the distance", "a car engine far away"], "nature")
rule(r"horse (?:elf )?canter|canter|gallop(?:ing)?|hooves", ["a horse galloping", "horse hooves clopping", "hoofbeats of a horse"], "animal")
rule(r"haha\w*", ["a person laughing", "laughing", "someone laughing out loud"], "vocal")
rule(r"(?:gryphon )?shriek", ["a creature shrieking", "a bird of prey screeching"], "animal")
rule(r"(?:wp \w+|campingrifle|crylink|electro|fireball|grenade|hagar|hook|hookbomb|lasergun|rocket|strength|uzi|bfg|lg|lance|guardian|spaceship|shotty|laser|minelayer|nex|rifle|seeker|tag|porto) fire(?: wv| \w)?", ["a weapon firing", "a video game gun shot", "a sci-fi weapon firing"], "effect")
# --- animals
rule(r"dog (?:bark|barking)|dogs?|bark(?:ing)?|puppy|woof|growl dog", ["a dog barking", "dog bark", "a barking dog"], "animal")
rule(r"black ?cat|cats?|meow|miaow|kitten", ["a cat meowing", "cat meow", "a cat"], "animal")
rule(r"cows?(?: white)?|moo|bull|bison|cattle|ox", ["a cow mooing", "cow moo", "cattle lowing"], "animal")
rule(r"rooster|cockerel|cock a doodle doo", ["a rooster crowing", "cock-a-doodle-doo, a rooster", "a rooster"], "animal")
rule(r"chickens?|hen|chick", ["a chicken clucking", "hens clucking", "a chicken"], "animal")
rule(r"horses?|horseman walk|neigh|whinny|donkey|zebra", ["a horse neighing", "a horse", "horse whinny"], "animal")
rule(r"gallop(?:ing)?|hooves|horseman", ["horse hooves galloping", "a horse galloping", "hoofbeats"], "animal")
rule(r"sheep(?: lamb)?|lamb|goat|ram|baa|mountaingoat", ["a sheep bleating", "sheep baa", "a goat bleating"], "animal")
rule(r"pigs?(?: golden)?|oink|piglet|hog grunt", ["a pig oinking", "pig grunting", "a pig"], "animal")
rule(r"frogs?|toad|croak", ["a frog croaking", "frogs croaking", "a frog"], "animal")
rule(r"bees?|hornet|wasp|beehive|buzz(?:ing)?|insects?|fly buzz|mosquito|xanthia", ["a bee buzzing", "insects buzzing", "a buzzing insect"], "animal")
rule(r"grasshopper|crickets?|cicada", ["crickets chirping", "a cricket chirping at night", "insects chirping"], "animal")
rule(r"owl|hoot", ["an owl hooting", "a bird hooting at night", "an owl"], "animal")
rule(r"ducks?|drake|quack|rubberduck die|duckling", ["a duck quacking", "duck quack", "a duck"], "animal")
rule(r"rubber ?duck(?: drop| water)?|rubberduck(?: drop| water)?|squeak toy", ["a rubber duck squeaking", "a squeaky toy"], "effect")
rule(r"gander|goose|geese", ["a goose honking", "geese honking"], "animal")
rule(r"turkey|gobble", ["a turkey gobbling", "a turkey"], "animal")
rule(r"seagulls?|gulls?", ["seagulls crying", "a seagull", "gulls calling"], "animal")
rule(r"crows?|raven|caw", ["a crow cawing", "crow caw", "a raven"], "animal")
rule(r"cuckoo", ["a cuckoo bird calling", "cuckoo bird"], "animal")
rule(r"eagle|hawk|vulture|heron|thunderbird|tucan|toucan|quetzal|nandou|penguin", ["a large bird calling", "a bird of prey screeching", "bird call"], "animal")
rule(r"birds?(?: chirp| song| sing)?|blackbird|lark|chirp(?:ing)?|tweet|sparrow|songbird|birdy", ["birds chirping", "a bird singing", "birdsong"], "animal")
rule(r"wolf|wolves|howl", ["a wolf howling", "wolves howling"], "animal")
rule(r"lions?|tiger|roar(?:ing)?|big cat", ["a lion roaring", "a big cat roaring", "a roar"], "animal")
rule(r"bear|grizzly", ["a bear growling", "a bear roaring"], "animal")
rule(r"elephant|trumpet elephant", ["an elephant trumpeting", "an elephant"], "animal")
rule(r"monkey|chimp|gorilla|ape", ["a monkey screeching", "an ape calling", "a chimpanzee"], "animal")
rule(r"dolphin|orca|whale", ["a dolphin clicking and whistling", "whale song", "a sea mammal calling"], "animal")
rule(r"sea lion|seal", ["a sea lion barking", "a seal barking"], "animal")
rule(r"mouse|mice|rat|squeak", ["a mouse squeaking", "rodent squeaks"], "animal")
rule(r"bats?(?: left)?", ["bats squeaking", "a bat"], "animal")
rule(r"snake|hiss", ["a snake hissing", "hissing"], "animal")
rule(r"dragon|behemoth|monster|beast|creature|daemon|demon|ogre|troll", ["a monster roaring", "a creature growling", "a beast snarling"], "animal")
rule(r"spider|crawl", ["creepy crawling", "a spider crawling"], "effect")
rule(r"camel|dromedary|caribou|deer|doe|giraffe|hippopotamus|beaver|squirrel|koala|wombat|rabbit|ferret|badger|fox|iguana", ["an animal calling", "a wild animal"], "animal")
# --- weather / nature
rule(r"thunder(?:storm)?|lightning(?: ?bolt)?|lightningbolt", ["thunder rumbling", "a thunderclap", "a thunderstorm"], "nature")
rule(r"heavy rain|rain(?:ing|fall|drops?)?|drizzle|storm", ["rain falling", "rain pouring down", "the sound of rain"], "nature")
rule(r"wind(?:y|s)?|gust|breeze|blizzard|howling wind", ["wind blowing", "a gust of wind", "howling wind"], "nature")
rule(r"waves?|ocean|sea|surf|beach|shore", ["sea waves crashing", "ocean waves on a beach", "the sea"], "nature")
rule(r"stream|river|brook|creek|waterfall|fountain|flowing water|water flow", ["a stream of running water", "water flowing", "a babbling brook"], "nature")
rule(r"splash(?:es|ing)?|splash water|plop|beewater|planewater|water splash|into water", ["water splashing", "a splash of water", "something splashing into water"], "effect")
rule(r"drops?|droplets?|drip(?:ping)?", ["water dripping", "a water droplet", "drip"], "effect")
rule(r"bubbles?|bubbling|underwater|gurgle|blub", ["water bubbling", "bubbles", "underwater bubbles"], "effect")
rule(r"water|liquid|pour(?:ing)?", ["water sloshing", "water", "liquid pouring"], "nature")
rule(r"fire(?:place)?|flames?|burn(?:ing)?|crackl(?:e|ing)|campfire|torch|blowtorch|flamethrower|molotov", ["fire crackling", "flames burning", "a fire"], "nature")
rule(r"forest|jungle|nature|ambience|ambient|night|crickets", ["outdoor nature ambience", "a forest at night", "ambient nature sounds"], "nature")
rule(r"earthquake|rumble|quake", ["a deep rumbling", "an earthquake rumbling"], "nature")
rule(r"snow|ice(?: crack)?|freeze|frozen|icy", ["ice cracking and freezing", "a freezing ice sound"], "effect")
# --- weapons / combat
rule(r"explo(?:sion|de|sions|ding)|blast|boom|detonat\w*|nuke|bomb|kaboom|mortar|grenade impact|grenadeimpact|airstrike|dynamite", ["an explosion", "a loud explosion", "a bomb going off"], "effect")
rule(r"machine ?gun|minigun|chaingun|uzi|gatling|smg", ["a machine gun firing", "rapid gunfire", "automatic gunfire"], "effect")
rule(r"shotgun(?: ?fire)?", ["a shotgun firing", "a shotgun blast", "gunshot"], "effect")
rule(r"shotgun ?reload|reload(?:ing)?|sniper ?reload|cock(?:ing)? gun", ["a gun being reloaded", "reloading a gun", "gun cocking"], "effect")
rule(r"sniper|rifle|pistol|revolver|handgun|gunshot|gun ?shot|gun ?fire|gun|shoot(?:ing)?|shot|bullets?|deagle|musket|cannon(?:ball)?", ["a gunshot", "a gun firing", "gunfire"], "effect")
rule(r"ricochet|bullet reflected|whizz?", ["a bullet ricochet", "ricochet"], "effect")
rule(r"laser(?: rifle| gun| shot)?|phaser|plasma(?: pistol)?|blaster|ray ?gun|pulse|sinegun|zap|beam|ice beam", ["a laser gun firing", "a sci-fi laser shot", "pew pew laser"], "effect")
rule(r"sword(?:s)?|blade|slash|swing then hit|sword hit|clang|swordman attack|stab|knife impact|knife", ["a sword slashing", "swords clashing", "a blade hit"], "effect")
rule(r"swing(?: then nohit)?|whoosh|swoosh|swish|woosh|throw(?:release|powerup)?|whip", ["a whoosh", "something swinging through the air", "swoosh"], "effect")
rule(r"arrows?(?: hit)?|bow|archer attack|firearrowhit", ["an arrow being shot", "an arrow hitting a target", "bow and arrow"], "effect")
rule(r"punch(?:es)?|firepunch(?: hit)?|kick hit|hit|impact|smack|slap|thud|thump|bump|whack|baseballbat|bat hit|melonimpact|mineimpact|graveimpact|airmine impact|frozen hog impact", ["a hard impact", "a punch hit", "a thud"], "effect")
rule(r"axe|chop(?:ping)?|harvest wood|wood chop|lumber", ["an axe chopping wood", "chopping wood"], "effect")
rule(r"anvil|smith|forge|metal hit|hammer(?:ing)?|mallet metal|pickhammer|mine|mining|worker mine|pickaxe", ["hammering on metal", "a hammer striking", "metal clanging"], "effect")
rule(r"saw(?:ing)?|drill(?:gun)?|chainsaw", ["a saw cutting", "a power drill", "sawing"], "effect")
rule(r"catapult|siege|trebuchet", ["a catapult launching", "a wooden catapult creaking"], "effect")
rule(r"building fall|collapse|crumble|destroy(?:ed)?|debris|rubble|tech building fall|magic building fall", ["a building collapsing", "rubble crashing down", "debris falling"], "effect")
rule(r"glass(?: break)?|shatter(?:ing)?|glass break|window break|break glass", ["glass shattering", "glass breaking", "smashing glass"], "effect")
rule(r"magic|spell|summon|heal(?:ing)?|teleport(?:er)?|enchant|mana|shaman heal|archmage attack|sparkle|twinkle|invulnerable|portal\w*|warp|tardis", ["a magic spell being cast", "a magical shimmering sound", "a sci-fi teleport sound"], "effect")
rule(r"ufo|alien|spaceship|space ?ship|thrusters?|jetpack(?:boost)?|rocket|missile|launch", ["a rocket launching", "a spaceship engine", "a jet thruster"], "effect")
rule(r"helicopter|chopper|rotor", ["a helicopter flying", "helicopter rotor blades", "a helicopter"], "effect")
rule(r"planes?|aircraft|airplane|jet|rcplane|propeller|airplane fly|air attack", ["an airplane flying overhead", "a propeller airplane", "an airplane engine"], "effect")
rule(r"cars?|engine|motor|truck|vehicle|tank|rev|accelerat\w*|idle", ["a car engine running", "a car engine revving", "a vehicle motor"], "effect")
rule(r"tires?|skid|screech|brake", ["tires screeching", "a car skidding"], "effect")
rule(r"horn|honk|klaxon", ["a car horn honking", "a horn"], "effect")
rule(r"sirens?|police|ambulance", ["a siren wailing", "an emergency siren", "a police siren"], "effect")
rule(r"alarms?|alarm bell", ["an alarm going off", "an alarm ringing", "a warning alarm"], "effect")
rule(r"trains?|railroad|locomotive|railway", ["a train passing by", "a train on the tracks", "a locomotive train"], "effect")
rule(r"steam|hiss(?:ing)? steam|pressure release", ["steam hissing", "a hiss of steam"], "effect")
rule(r"parachute|cloth|flap|flutter|wings?|fly(?:ing)?|eagle fly|orni fly", ["wings flapping", "cloth flapping in the wind"], "effect")
rule(r"footsteps?|steps?|walk(?:ing)?|foot ?step|tux footstep|stomp|golem walk|catapult walk", ["footsteps", "someone walking", "footsteps on the ground"], "effect")
rule(r"run(?:ning)?", ["someone running", "running footsteps"], "effect")
rule(r"jump(?:ing)?|boing|bounce|spring", ["a cartoon jump", "a springy boing", "bouncing"], "effect")
rule(r"doors?(?: open| close| slam)?|gate|elevator|lift|leave elevator|hatch|chest|open chest|creak(?:ing)?", ["a door opening", "a door creaking", "a door closing"], "effect")
rule(r"lock|unlock|key|latch", ["a lock clicking", "keys jingling"], "effect")
rule(r"knock(?:ing)?", ["knocking on a door", "a knock"], "effect")
rule(r"bells?|church|chime|gong|ding|dong|ring(?:ing)?|doorbell|handbell|sleigh", ["a bell ringing", "bells chiming", "a church bell ringing"], "effect")
rule(r"clock|tick(?:ing)?|tock|minetick|timer", ["a clock ticking", "clock ticking", "a timer ticking"], "effect")
rule(r"countdown", ["a countdown beep", "timer beeps counting down"], "ui")
rule(r"phone|telephone|ringtone|dial", ["a telephone ringing", "a phone ringing"], "effect")
rule(r"camera|shutter(?:click)?|takes picture|camera takes picture", ["a camera shutter clicking", "taking a photo"], "effect")
rule(r"typing|keyboard|typewriter", ["keyboard typing", "typing on a computer keyboard", "a typewriter"], "effect")
rule(r"applause|clap(?:ping)?|cheer(?:ing)?|crowd|audience", ["applause", "a crowd applauding and cheering", "people clapping"], "effect")
rule(r"kiss", ["a kiss", "a smooch sound"], "effect")
rule(r"whistle|yoohoo|whistling", ["a whistle", "someone whistling"], "effect")
rule(r"fireworks?|firecracker", ["fireworks exploding", "fireworks"], "effect")
rule(r"kettle|boil(?:ing)?", ["a kettle whistling", "water boiling in a kettle"], "effect")
rule(r"toilet|flush", ["a toilet flushing", "flushing toilet"], "effect")
rule(r"washing machine|washer|vacuum(?: cleaner)?|hoover|appliance|blender|hairdryer", ["a household appliance running", "a vacuum cleaner", "a washing machine"], "effect")
rule(r"scissors(?: small)?(?: open| closed)?|cut(?:ting)? paper|snip", ["scissors cutting", "snipping scissors"], "effect")
rule(r"bottle|cork|pop", ["a bottle being opened", "a cork popping"], "effect")
rule(r"apple|crunch|eat(?:ing)?|munch|chew(?:ing)?|bite|chomp|gulp|drink(?:ing)?|slurp|burp|cake", ["someone eating", "crunching food", "chewing"], "effect")
rule(r"paper|page|book|drop book|read sign|scroll", ["paper rustling", "pages turning"], "effect")
rule(r"coins?|money|cash|register|purchase|bought|sold|shop item\w*|item bought|gold", ["coins jingling", "a cash register", "money clinking"], "effect")
rule(r"potion|drop potion|cup|mug|dish|plate|clink", ["a glass bottle clinking", "clinking"], "effect")
rule(r"drop(?:ped)?|item drop|put|placed|pickup|pick up|collect(?: crate)?|grab|crate", ["an item being picked up", "a small object dropped", "a game pickup sound"], "ui")
rule(r"electric(?:ity)?|spark|zap|electro|buzz electric|power", ["electricity crackling", "an electric zap", "sparks"], "effect")
rule(r"robot|droid|servo|mech|machine|machinery|factory|generator|motorized|hydraulic", ["a robot moving", "machinery whirring", "mechanical servo noises"], "effect")
rule(r"computer|beep(?:s|ing)?|blip|bleep|chirp beep|sonar|radar|scanner", ["an electronic beep", "a computer beeping", "beeps"], "ui")
rule(r"click(?: [a-d])?|menu ?click|button|tap|select|tech click|magic click|switch", ["a click", "a button click", "clicking"], "ui")
rule(r"error|denied|wrong|fail(?:ed|ure)?|invalid|no ammo|cant|cannot", ["an error buzzer", "a denied sound", "wrong answer buzzer"], "ui")
rule(r"win|won|victory|success|complete|level ?complete|bonus|extra ?time|extratime|correct|achievement|fanfare|tada|hooray", ["a success jingle", "a victory fanfare", "winning chime"], "ui")
rule(r"lose|lost|game ?over|gameover|death jingle", ["a game over jingle", "losing sound"], "ui")
rule(r"notify|notification|message|alert|attention|dialog|info|warning|question|im|new mail|mail", ["a notification chime", "an alert sound", "a message notification"], "ui")
rule(r"login|logout|startup|shutdown|power ?on|power ?off|device (?:added|removed)|plug|unplug|desktop|screen", ["a computer system sound", "a startup chime"], "ui")
rule(r"trash|empty trash|delete|crumple", ["paper crumpling into the trash", "emptying the trash"], "ui")
rule(r"highlight|hover|move menu|menu|item (?:selected|deselected)|menu item (?:selected|deselected)", ["a soft menu blip", "a user interface sound"], "ui")
# --- human vocal (non-verbal)
rule(r"scream(?:ing|s)?|shriek|yell|influencer scream", ["a person screaming", "a loud scream", "screaming"], "vocal")
rule(r"die|death|dying|dies|death sound|killed", ["a death cry", "someone dying with a groan", "a dying scream"], "vocal")
rule(r"ow|ouch|oof|ooff|ugh|hurt|pain|grunt|groan|hell ow|hell ooff|hell ugh|uh|argh|poisonmoan|moan", ["a man grunting in pain", "a pained groan", "ouch"], "vocal")
rule(r"laugh(?:ing|ter)?|giggle|chuckle|hehe|haha", ["a person laughing", "laughing", "people laughing"], "vocal")
rule(r"cough(?:ing)?|poisoncough|sneeze", ["a person coughing", "coughing", "someone coughing"], "vocal")
rule(r"cry(?:ing)?|sob|baby", ["a baby crying", "someone crying"], "vocal")
rule(r"snore|snoring|sleep|yawn", ["someone snoring", "a person yawning"], "vocal")
rule(r"breath(?:ing)?|pant(?:ing)?|sigh|gasp|hmm", ["a person breathing", "a sigh"], "vocal")
rule(r"growl|snarl|hell growl", ["a menacing growl", "growling"], "vocal")
rule(r"chant|hogchant|choir|singing|sing", ["people chanting", "a choir singing"], "vocal")
# --- instruments (real recordings)
rule(r"snare(?: drum)?|snare\w*|rsnare|jsnare|sd|sn", ["a snare drum hit", "snare drum"], "instrument")
rule(r"kick(?: drum)?|bass ?drum|bassdrum|bd|kik", ["a kick drum hit", "a bass drum thump"], "instrument")
rule(r"hi ?hat\w*|hh\w*|chh|ohh|hat(?:closed|open|pedal|semiopen)?", ["a hi-hat cymbal", "a closed hi-hat tick"], "instrument")
rule(r"crash\w*|cymbal(?: crash)?|ride\w*|china|splash cymbal", ["a cymbal crash", "a crash cymbal"], "instrument")
rule(r"tom\w*|floortom|drum tomtom floor", ["a tom drum hit", "a tom-tom drum"], "instrument")
rule(r"rim(?:shot|click)?|sidestick|stick", ["a rimshot", "a drum stick click"], "instrument")
rule(r"cowbell|cb|agogo\w*", ["a cowbell hit", "a cowbell"], "instrument")
rule(r"tambourine\w*|shaker|maracas|cabasa", ["a tambourine shake", "a shaker"], "instrument")
rule(r"conga|bongo|tabla\w*|djembe|hand ?drum|timbale", ["a hand drum hit", "bongos", "a tabla drum"], "instrument")
rule(r"drums?|drumkit|drum kit|percussion|perc|beat|breakbeat|loop drum", ["a drum kit playing", "drums", "a drum beat"], "instrument")
rule(r"triangle", ["a triangle ringing", "a triangle"], "instrument")
rule(r"xylophone|marimba|vibraphone|glockenspiel", ["a xylophone", "mallet percussion notes"], "instrument")
rule(r"piano|keys|rhodes|grand", ["a piano playing", "piano notes"], "instrument")
rule(r"organ", ["an organ playing", "organ chords"], "instrument")
rule(r"violin|fiddle|viola|cello|strings|string|stringsnpads|contrabass|double bass", ["a violin playing", "string instruments", "a cello"], "instrument")
rule(r"guitar\w*|guit|strum\w*|acoustic guitar|electric guitar", ["a guitar playing", "a guitar strum"], "instrument")
rule(r"bass(?:es| guitar| loop| line)?|bassloops|synth bass", ["a bass line", "a bass guitar"], "instrument")
rule(r"flute|piccolo|recorder|pan ?flute", ["a flute playing", "flute notes"], "instrument")
rule(r"clarinet|oboe|bassoon|saxophone|sax", ["a woodwind instrument", "a saxophone playing"], "instrument")
rule(r"trumpet|trombone|horn brass|tuba|brass|french horn", ["a trumpet playing", "brass instruments"], "instrument")
rule(r"harmonica|accordion|bagpipe", ["a harmonica playing", "an accordion"], "instrument")
rule(r"harp|banjo|ukulele|mandolin|sitar|lute", ["a harp being plucked", "a plucked string instrument"], "instrument")
rule(r"synth\w*|pad|lead|arp|saw wave|sawtooth|square wave|sine|waveforms?|lfo|acid|techno\w*|trancegate|glitch|electro|rave|hardelectro", ["an electronic synthesizer", "a synth sound", "electronic music"], "instrument")
rule(r"vinyl|scratch|dj", ["a vinyl record scratch", "DJ scratching"], "instrument")
rule(r"choir|ahh|ooh|vox|vocal", ["a choir singing", "vocal pad"], "instrument")

# --- more specific game names (added after inspecting fallbacks)
rule(r"metal ?bang|metalbang|metal hit ground|metalhitground|metal footstep|metalfootstep", ["metal clanging", "a metal impact", "a bang on metal"], "effect")
rule(r"stone ?bang|stonebang|rockfall", ["rocks falling", "stones crashing"], "effect")
rule(r"crossbow(?: miss)?|sling(?: big)?(?: miss)?|dart(?: miss)?", ["a crossbow bolt being shot", "a projectile whizzing past"], "effect")
rule(r"(?:club|mace|flail|staff|hatchet|spear|tail|claws|pincers|dragonstick|thunderstick|mud fist)(?: miss)?", ["a weapon striking in a fight", "a heavy blow", "melee combat hit"], "effect")
rule(r"cudgel attack|princess attack|valkyrie attack|genie attack|orni attack|tower attack|defense tower attack|ab attack|attack", ["a fighting sound", "combat noises", "a weapon strike"], "effect")
rule(r"gib(?: splat)?|gibimp|splat|squish\w*|squishy(?: miss)?", ["a gory splat", "a wet squelch", "flesh splattering"], "effect")
rule(r"drown|swimstep|swimming|splashin|splashout|swim", ["someone swimming in water", "splashing in water"], "effect")
rule(r"falling|fall|hitground|hit ground|land(?:ing)?", ["a body falling and hitting the ground", "a heavy thud on the ground"], "effect")
rule(r"casings|shell casings", ["bullet casings falling on the floor", "brass shells clinking"], "effect")
rule(r"ric|ricoche", ["a bullet ricochet", "ricochet"], "effect")
rule(r"vulcanf|vulcan", ["a machine gun firing", "rapid gunfire"], "effect")
rule(r"hagexp|hgrenb|medexp", ["an explosion", "a grenade exploding"], "effect")
rule(r"nexwhoosh|whipcrack|whip crack", ["a whoosh", "a whip crack"], "effect")
rule(r"lava|sizzle|fizz|extinguish|env lava", ["something sizzling", "lava bubbling", "a hiss of steam"], "effect")
rule(r"car ?horn|carhorn", ["a car horn honking", "a horn"], "effect")
rule(r"bird ?chirp|birdchirp", ["birds chirping", "a bird singing"], "animal")
rule(r"ocean ?waves|oceanwaves", ["ocean waves crashing", "waves on a beach"], "nature")
rule(r"cheering ?loop|cheeringloop|sports ?croud|sports crowd", ["a crowd cheering", "a stadium crowd"], "effect")
rule(r"city ?sounds|citysounds|trafic(?: high| low)?|traffic(?: high| low)?", ["city traffic noise", "a busy street", "urban ambience"], "nature")
rule(r"factory ?loop|factoryloop|industry(?: high| light)?|mill|pottery|substation|recycle|machinery ?drone|machinerydrone", ["industrial machinery humming", "a factory", "machines running"], "effect")
rule(r"farm|organic farm|commune", ["farm ambience with animals", "a farmyard"], "nature")
rule(r"residential(?: high| low| med)?|shanty", ["a residential neighbourhood ambience", "people and traffic in a town"], "nature")
rule(r"school|university", ["children playing in a schoolyard", "a crowd of people talking"], "nature")
rule(r"harbor|harbour|port", ["a harbour with boats and seagulls", "a harbour"], "nature")
rule(r"blacksmith", ["a blacksmith hammering on an anvil", "hammering metal"], "effect")
rule(r"parkland lake|lake|park", ["a park with birds by a lake", "outdoor park ambience"], "nature")
rule(r"monument|raze|tip", ["construction and demolition noise", "rubble falling"], "effect")
rule(r"cart(?:s)? ?(?:cart )?moving|carts cart moving|cart", ["a cart rolling on rails", "a minecart moving"], "effect")
rule(r"place node|dig node|node", ["a block being placed", "a soft thump"], "effect")
rule(r"static radio|static|radio|noise", ["radio static", "white noise hiss"], "effect")
rule(r"airport pa|restaurant|lenautile restaurant", ["a busy public place with chatter", "background crowd chatter"], "nature")
rule(r"tree howling|howling", ["an eerie howling", "wind howling"], "nature")
rule(r"trampoline", ["a trampoline boing", "a springy bounce"], "effect")
rule(r"icecrash|ice crash|cracking", ["ice cracking", "something cracking"], "effect")
rule(r"card flip|flip|flop", ["a card being flipped", "a quick flip"], "effect")
rule(r"eraser|rub", ["an eraser rubbing on paper"], "effect")
rule(r"castanets", ["castanets clicking"], "instrument")
rule(r"timpani", ["timpani drums", "a kettle drum roll"], "instrument")
rule(r"xylofon\w*", ["a xylophone"], "instrument")
rule(r"applauses?", ["applause", "a crowd clapping"], "effect")
rule(r"fireballs?", ["a fireball whooshing", "a burst of flame"], "effect")
rule(r"object falling|box falling", ["an object falling", "something dropping to the floor"], "effect")
rule(r"syringe|cartridge|load", ["a mechanical click", "loading a weapon"], "effect")
rule(r"airhammer(?: selected| used)?|jackhammer", ["a jackhammer", "a pneumatic drill"], "effect")
rule(r"baseball|homerun", ["a baseball bat hit", "a bat hitting a ball"], "effect")
rule(r"day|sunny day|desertday|nightime|night|good morning", ["outdoor daytime ambience", "ambient outdoor sounds"], "nature")
rule(r"fan", ["a fan whirring", "an air fan humming"], "effect")
rule(r"telein|teleout|emergency tele|jumppad", ["a sci-fi teleport sound", "a whooshing warp"], "effect")
rule(r"ar pkup|health|protect|pickup|pkup|lifeup|upgrade|grow|invincible start", ["a video game power-up sound", "a game pickup chime"], "ui")
rule(r"savebell(?: low)?|minarett", ["a bell ringing", "a chime"], "effect")
# --- misc effects
rule(r"pop(?:ping)?|balloon", ["a pop", "a balloon popping"], "effect")
rule(r"slide|slip|skate|sled|ski", ["sliding on ice", "something sliding"], "effect")
rule(r"rope(?:attach|release|shot)?|grapple|rope shot|rope attach|rope release", ["a rope snapping taut", "a grappling hook being fired"], "effect")
rule(r"dig(?:ging)?|shovel|sand|gravel|dirt|earth", ["digging in dirt", "a shovel in gravel"], "effect")
rule(r"wood(?:en)?|crate break|plank|log", ["wood creaking", "wood knocking"], "effect")
rule(r"metal|clank|steel|iron|armou?r|item armour put|chain", ["metal clanking", "armour rattling", "clanking metal"], "effect")
rule(r"stone|rock|boulder|brick", ["rocks falling", "stone scraping"], "effect")
rule(r"egg|crack", ["something cracking", "an egg cracking"], "effect")
rule(r"build(?:ing)?|construct(?:ion)?|worker build|technician build|shaman build|repair", ["construction work", "building sounds, hammering and sawing"], "effect")
rule(r"hellish|evil|ghost|spooky|haunt|boo", ["a spooky ghostly sound", "an eerie wail"], "effect")
rule(r"pickup|power ?up|powerup|lowgravity|low gravity|coin", ["a video game power-up sound", "a game pickup chime"], "ui")


# hedgewars voice lines: squashed phrases -> text
HW_PHRASES = {
    "amazing": "amazing", "boring": "boring", "brilliant": "brilliant", "bugger": "bugger", "byebye": "bye bye",
    "comeonthen": "come on then", "coward": "coward", "cutitout": "cut it out", "drat": "drat",
    "enemydown": "enemy down", "excellent": "excellent", "fire": "fire!", "firstblood": "first blood",
    "flawless": "flawless", "flyaway": "fly away", "gonnagetyou": "gonna get you", "grenade": "grenade!",
    "hello": "hello", "hurry": "hurry", "illgetyou": "I'll get you", "incoming": "incoming!",
    "justyouwait": "just you wait", "kamikaze": "kamikaze", "leavemealone": "leave me alone", "melon": "melon",
    "missed": "missed", "nooo": "nooo", "nutter": "nutter", "ohdear": "oh dear", "oops": "oops",
    "reinforcements": "reinforcements", "revenge": "revenge", "runaway": "run away", "sameteam": "same team",
    "solong": "so long", "stupid": "stupid", "takecover": "take cover", "thisoneismine": "this one is mine",
    "traitor": "traitor", "uh oh": "uh-oh", "victory": "victory", "watchit": "watch it", "watchthis": "watch this",
    "whatthe": "what the", "yessir": "yes sir", "youllregretthat": "you'll regret that", "watch it": "watch it",
}
HW_VOCAL = {"ow", "ooff", "ouch", "laugh", "hmm", "jump", "firepunch", "poisoncough", "poisonmoan", "uh"}

LANGS = {
    "af": "Afrikaans", "ar": "Arabic", "be": "Belarusian", "bg": "Bulgarian", "br": "Breton", "ca": "Catalan",
    "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fi": "Finnish", "fr": "French", "ga": "Irish",
    "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "nb": "Norwegian", "nl": "Dutch",
    "nn": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian",
    "zh": "Chinese", "ms": "Malay", "kn": "Kannada", "te": "Telugu", "ta": "Tamil", "hr": "Croatian",
    "is": "Icelandic", "ml": "Malayalam", "mr": "Marathi", "gu": "Gujarati", "pa": "Punjabi", "fa": "Persian",
    "th": "Thai", "vi": "Vietnamese", "nds": "Low German", "ie": "Interlingue", "mn": "Mongolian",
    "sc": "Sardinian", "ast": "Asturian", "wa": "Walloon", "hy": "Armenian", "ka": "Georgian", "ckb": "Kurdish",
}

ANIMAL_UNITS = {"cow": "a cow mooing", "pig": "a pig oinking", "chicken": "a chicken clucking",
                "bull": "a bull bellowing", "eagle": "an eagle screeching", "horse": "a horse neighing",
                "sheep": "a sheep bleating", "dragon": "a dragon roaring", "behemoth": "a monster roaring",
                "golem": "a stone golem rumbling", "daemon": "a demon growling", "bee": "bees buzzing, insects"}
MG_ACTION = {"attack": "attacking", "die": "dying", "hit": "being hit", "walk": "walking", "fly": "flying"}


def match_rules(text: str):
    for rx, caps, kind in R:
        if rx.search(text):
            return caps, kind
    return None


MUSIC_DIRS = re.compile(r"(?:^|/)(music|musics|songs?|soundtrack|ost|mus)(?:/|$)", re.I)
GENRES = ["rock", "jazz", "techno", "orchestral", "ambient", "oriental", "pirate", "celtic", "metal", "funk",
          "waltz", "blues", "reggae", "piano", "guitar", "halloween", "christmas", "epic", "battle", "dance",
          "electronic", "indian", "egypt", "chill", "spooky", "snow", "desert", "jungle", "underwater", "medieval"]


def music_caption(path: str):
    t = set(tokens(path.replace("/", " ")))
    g = [x for x in GENRES if x in t]
    extra = {"egypt": "egyptian", "indian": "indian", "halloween": "spooky", "spooky": "spooky", "snow": "wintry",
             "desert": "arabian", "jungle": "tropical", "underwater": "dreamy", "battle": "epic", "medieval": "medieval"}
    if g:
        adj = extra.get(g[0], g[0])
        return [f"{adj} instrumental background music", "instrumental background music",
                f"{adj} music for a video game"]
    return ["instrumental background music", "video game background music", "a music track"]


def fallback(base, folders):
    toks = [t for t in base if len(t) > 1 and t not in GENERIC_DIRS] or folders[-2:]
    if not toks:
        return None
    return ["sound of " + " ".join(toks[:5])]


def generic(path: str):
    base, folders = name_tokens(path)
    m = match_rules(" ".join(base))
    if m is None:
        m = match_rules(" ".join(folders[-3:]))
    if m:
        return {"kind": m[1], "captions": list(m[0])}
    fb = fallback(base, folders)
    return {"kind": "other", "captions": fb} if fb else None


# --------------------------------------------------------------------------- package-specific
def _tux_text(path: str, lang: str | None):
    import os
    d, fn = os.path.split(path)
    stem = re.sub(r"_desc(_[A-Za-z@_]+)?\.ogg$", "", fn)
    txt = os.path.join(d, stem + ".txt")
    try:
        lines = open(txt, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        return None
    if not lines:
        return None
    if lang is None:
        return lines[0].strip()
    for ln in lines[1:]:
        k, _, v = ln.partition("=")
        if k.split(".")[0] == lang:
            return v.strip()
    for ln in lines[1:]:
        k, _, v = ln.partition("=")
        if k.split(".")[0].split("_")[0] == lang.split("_")[0]:
            return v.strip()
    return None


def tuxpaint(path: str):
    fn = path.rsplit("/", 1)[-1]
    m = re.search(r"_desc(?:_([A-Za-z@_]+))?\.ogg$", fn)
    if m:
        lang = m.group(1)
        text = _tux_text(path, lang)
        if not text:
            return None
        lname = LANGS.get((lang or "en").split("_")[0].split("@")[0], None)
        if lname is None:
            return None
        text = text.strip().strip('"')
        return {"kind": "speech", "lang": lname,
                "captions": [f"a person says '{text}' in {lname}", f"someone speaking {lname}",
                             f"a voice saying '{text}'"]}
    if "desc" in fn.lower():
        return None
    if re.search(r"_(filled|outline)", fn) or re.search(r"dreydl", fn) or "/symbols/" in path \
            or re.search(r"_[a-z]{2}(_[A-Z]{2})?\.ogg$", fn) or "/signs/" in path or "feelings" in path:
        return None  # alphabet letters / dreidel spoken -> skip (speech, low value)
    if "final-roll-call" in fn or "gift" in fn or "hard_candy" in fn or "santahat" in fn:
        return None
    return generic(path)


def megaglest(path: str):
    base, folders = name_tokens(path)
    if MUSIC_DIRS.search(path) or "music" in base:
        return {"kind": "music", "captions": music_caption(path)}
    b = [t for t in base if t]
    if not b:
        return None
    action = b[-1] if b[-1] in {"ack", "select", "attack", "die", "hit", "walk", "fly", "standing", "build",
                                "prod", "summon", "heal", "harvest", "work", "end", "mine"} else None
    unit = b[0]
    if action in {"ack", "select", "standing", "prod"}:
        if unit in ANIMAL_UNITS:
            c = ANIMAL_UNITS[unit]
            return {"kind": "animal", "captions": [c, c.split(" ", 1)[1].rsplit(" ", 1)[0] + " sound"]}
        return {"kind": "speech", "captions": ["a man's voice speaking", "a soldier answering an order",
                                               "a man saying something"]}
    if action == "die":
        if unit in ANIMAL_UNITS:
            a = ANIMAL_UNITS[unit].split(" ")[1]
            return {"kind": "animal", "captions": [f"a {a} dying", f"a {a} crying out"]}
        if unit in {"catapult", "tower", "defense", "ab"}:
            return {"kind": "effect", "captions": ["a wooden structure breaking apart", "a crash of debris"]}
        return {"kind": "vocal", "captions": ["a man screaming as he dies", "a death cry", "a man grunting in pain"]}
    if action == "hit" and unit in {"archmage", "battlemage", "summoner", "golem", "dragon", "eagle", "shaman"}:
        return {"kind": "vocal", "captions": ["a creature grunting in pain", "a pained groan"]}
    if action == "attack":
        if unit in ANIMAL_UNITS:
            c = ANIMAL_UNITS[unit]
            return {"kind": "animal", "captions": [c.replace("mooing", "bellowing angrily"), "an angry animal"]}
        if unit in {"archer", "fire"}:
            return {"kind": "effect", "captions": ["an arrow being shot from a bow", "bow and arrow"]}
        if unit in {"archmage", "battlemage", "summoner", "shaman", "daemon"}:
            return {"kind": "effect", "captions": ["a magic spell being cast", "a magical blast"]}
        if unit in {"swordman", "guard", "horseman", "warrior", "spearman", "stickfighter", "axe", "indiattack", "mummy"}:
            return {"kind": "effect", "captions": ["a sword slashing", "weapons clashing in a fight", "melee combat"]}
    return generic(path)


def hedgewars(path: str):
    if "/Music/" in path:
        return {"kind": "music", "captions": music_caption(path)}
    m = re.search(r"/voices/([^/]+)/([^/]+)\.ogg$", path, re.I)
    if m:
        voice = m.group(1).lower()
        w = re.sub(r"[0-9]+$", "", m.group(2).lower()).replace("-", " ")
        who = {"robot": "a robotic voice", "pirate": "a pirate voice", "russian": "a man with a Russian accent",
               "singer": "a singing voice", "british": "a man with a British accent",
               "mobster": "a gangster voice", "surfer": "a surfer dude voice", "hillbilly": "a hillbilly voice",
               "default": "a cartoon voice", "classic": "a cartoon voice"}.get(voice, "a cartoon character")
        if w in HW_VOCAL or w.split(" ")[0] in HW_VOCAL:
            g = generic(w)
            if w in {"jump", "firepunch"}:
                g = {"kind": "vocal", "captions": ["a man grunting with effort", "a short grunt", "a hup! sound"]}
            if g:
                return g
        text = HW_PHRASES.get(w)
        if text:
            return {"kind": "speech", "captions": [f"{who} says '{text}'", f"a cartoon voice saying '{text}'"]}
        return None
    return generic(path)


SONICPI = {"ambi": "ambient", "bass": "bass", "bd": "kick drum", "drum": "drum", "elec": "electronic",
           "guit": "guitar", "loop": "loop", "misc": "", "perc": "percussion", "sn": "snare", "tabla": "tabla",
           "vinyl": "vinyl", "glitch": "glitch"}


def sonicpi(path: str):
    fn = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    toks = fn.lower().split("_")
    if toks[0] == "loop":
        g = generic("_".join(toks[1:]))
        cap = "a drum loop" if not g or g["kind"] != "instrument" else g["captions"][0] + " loop"
        return {"kind": "instrument", "captions": [cap, "a looping beat", "a rhythmic loop"]}
    if toks[0] == "ambi":
        return {"kind": "instrument", "captions": ["an ambient electronic drone", "atmospheric synth texture"]}
    if toks[0] == "bd":
        return {"kind": "instrument", "captions": ["a kick drum hit", "an electronic bass drum"]}
    if toks[0] == "sn":
        return {"kind": "instrument", "captions": ["a snare drum hit", "an electronic snare"]}
    if toks[0] == "elec":
        g = generic("_".join(toks[1:]))
        c = g["captions"][0] if g and g["kind"] == "instrument" else "an electronic percussion hit"
        return {"kind": "instrument", "captions": [c.replace("a ", "an electronic ", 1) if c.startswith("a ") else c,
                                                    "an electronic drum sound"]}
    if toks[0] == "guit":
        return {"kind": "instrument", "captions": ["an electric guitar", "a guitar sound"]}
    if toks[0] == "tabla":
        return {"kind": "instrument", "captions": ["a tabla drum hit", "Indian tabla drums"]}
    if toks[0] == "vinyl":
        return {"kind": "instrument", "captions": ["a vinyl record scratch", "DJ scratching", "record noise"]}
    if toks[0] == "bass":
        return {"kind": "instrument", "captions": ["a deep bass sound", "a synth bass hit"]}
    return generic(path)


def hydrogen(path: str):
    kit_dir = path.split("/drumkits/")[-1].split("/")[0] if "/drumkits/" in path else ""
    fn = path.rsplit("/", 1)[-1]
    low = fn.lower()
    if "guitarstrum" in path.lower() or re.search(r"(major|minor|sharp|flat)", low):
        m = re.match(r"([A-Ga-g])(sharp|flat)?(major|minor)?(7b)?_?(UP|DOWN)?", fn.replace("-", "_"), re.I)
        if m:
            note = m.group(1).upper() + {"sharp": " sharp", "flat": " flat"}.get((m.group(2) or "").lower(), "")
            q = (m.group(3) or "major").lower()
            d = (m.group(5) or "").lower()
            dirw = {"up": " upwards", "down": " downwards"}.get(d, "")
            return {"kind": "instrument", "captions": [f"a guitar strumming a {note} {q} chord{dirw}",
                                                       "an acoustic guitar strum", "a guitar chord"]}
    abbrev = {"tm": "tom", "rd": "ride", "ft": "floortom", "cc": "crash", "rc": "ride", "ho": "hihat",
              "hc": "hihat", "sr": "snare rim", "rs": "rimshot", "bl": "kick", "beats": "drum"}
    t0 = tokens(fn)
    if t0 and t0[0] in abbrev:
        fn = abbrev[t0[0]] + ".wav"
    if "waterglass" in low:
        return {"kind": "instrument", "captions": ["a glass being struck", "a ringing glass tone"]}
    if "cajon" in low:
        return {"kind": "instrument", "captions": ["a cajon drum hit", "a wooden box drum"]}
    g = generic(fn)
    if g is None or g["kind"] not in {"instrument"}:
        g2 = generic(path)
        if g2 and g2["kind"] == "instrument":
            g = g2
    if g is None or g["kind"] != "instrument":
        g = {"kind": "instrument", "captions": ["a drum hit", "a percussion sound"]}
    if g and "808" in kit_dir.lower() or "electric" in kit_dir.lower() or "tr808" in kit_dir.lower():
        g = dict(g)
        g["captions"] = g["captions"] + ["a drum machine sound"]
    return g


def klettres(path: str):
    m = re.search(r"/klettres/([^/]+)/(alpha|syllab)[^/]*/([^/]+)\.(ogg|wav)$", path)
    if not m:
        return None
    lang = LANGS.get(m.group(1).split("_")[0].split(".")[0], None)
    if not lang:
        return None
    name = re.sub(r"-\d+$", "", m.group(3))
    if m.group(2) == "alpha":
        return {"kind": "speech", "captions": [f"a person saying the letter '{name}' in {lang}",
                                               f"someone speaking {lang}"]}
    return {"kind": "speech", "captions": [f"a person saying the syllable '{name}' in {lang}",
                                           f"someone speaking {lang}"]}


_AST = None


def asterisk(path: str):
    global _AST
    if _AST is None:
        import gzip
        _AST = {}
        try:
            with gzip.open("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz", "rt",
                           errors="replace") as f:
                for ln in f:
                    k, sep, v = ln.partition(":")
                    if sep and v.strip():
                        _AST[k.strip()] = v.strip()
        except OSError:
            pass
    m = re.search(r"/sounds/[^/]+/(.+)\.wav$", path)
    if not m:
        return None
    text = _AST.get(m.group(1))
    if not text or len(text) > 200:
        return None
    text = text.replace("'", "’").strip("[] ")
    return {"kind": "speech", "captions": [f"a woman on a phone line says: '{text}'",
                                           "a recorded telephone announcement", "a woman's voice on the phone"]}


def theme(path: str):
    fn = path.rsplit("/", 1)[-1]
    g = generic(fn)
    if g is None:
        return {"kind": "ui", "captions": ["a desktop notification chime", "a system sound"]}
    if g["kind"] == "other":
        g = {"kind": "ui", "captions": ["a desktop notification chime", "a computer system sound"] }
    return g


def gcompris(path: str):
    low = path.lower()
    if "/explore_world_music/" in low or "backgroundmusic" in low:
        return {"kind": "music", "captions": music_caption(path)}
    fn = path.rsplit("/", 1)[-1]
    if fn.startswith("LR") or "memory-sound" in low:
        name = fn[2:] if fn.startswith("LR") else fn
        nm = " ".join(tokens(name))
        g = generic(name)
        if g:
            g = dict(g)
            if nm:
                g["captions"] = g["captions"] + [nm]
            return g
    return generic(path)


def lmms(path: str):
    low = path.lower()
    if "/waveforms/" in low or "/shapes/" in low:
        return None  # single-cycle waveforms
    return generic(path)


FG_MAP = [  # flightgear-data-base: (regex over the file stem, captions, kind); first hit wins
    (r"(?:^|/)(?:mk-viii|tcas)/", None, "speech"),
    (r"checklist|intro|wasp|wave$|^scratch$|scroll|repair|^trim$|rudder-trim|gps_to", "skip", ""),
    (r"coughing", ["an aircraft engine coughing and sputtering", "a piston engine misfiring"], "effect"),
    (r"helicopter-skid", ["a helicopter skid scraping the ground", "metal scraping"], "effect"),
    (r"helicopter|rotor|blade_vortex", ["a helicopter flying", "helicopter rotor blades thumping", "a helicopter"], "effect"),
    (r"jet|turbine|turbojet|exhaust|whine", ["a jet engine roaring", "a jet airplane engine", "a turbine whining"], "effect"),
    (r"turboprop", ["a turboprop airplane engine", "an airplane engine running", "a propeller airplane"], "effect"),
    (r"starter|cranking|engine-crank|engstart|engine-start|p51d_startup", ["an airplane engine starting up", "an engine cranking and starting", "an aircraft starter motor"], "effect"),
    (r"engine-cut|shutdown", ["an airplane engine shutting down", "an engine stopping"], "effect"),
    (r"engine|prop|r-1535|p51d_rpm|rpm", ["a propeller airplane engine running", "an airplane engine", "a piston aircraft engine droning"], "effect"),
    (r"gatling", ["a gatling gun firing", "a machine gun firing", "rapid gunfire"], "effect"),
    (r"crash|damage", ["an airplane crashing", "a loud metal crash", "a crash"], "effect"),
    (r"thunder", ["thunder rumbling", "a thunderclap", "a thunderstorm"], "nature"),
    (r"rain-windshield", ["rain hitting a windshield", "rain falling on glass", "rain"], "nature"),
    (r"^rain", ["rain falling", "rain pouring down", "the sound of rain"], "nature"),
    (r"^wind(?:[-_0-9]|$)", ["wind blowing", "wind rushing past", "a gust of wind"], "nature"),
    (r"water-fast", ["water rushing under a floatplane", "water splashing", "rushing water"], "nature"),
    (r"water", ["water lapping against a boat", "water splashing gently", "water"], "nature"),
    (r"door-closing|door_close", ["a door closing", "a car door slamming shut", "a door"], "effect"),
    (r"door-opening|window-opening|glove_compartment_opening", ["a door opening", "a small hatch opening"], "effect"),
    (r"window-closing|glove_compartment_closing", ["a small hatch closing", "a window being shut"], "effect"),
    (r"tires-screech|squeal", ["tires screeching", "tires squealing on asphalt"], "effect"),
    (r"tires-rolling|rattleroll|rumble", ["wheels rolling on a runway", "a deep rumbling", "tires rolling on the ground"], "effect"),
    (r"gear-hrn|stall|overspeed", ["a cockpit warning horn", "an alarm beeping", "a warning alarm"], "effect"),
    (r"gear", ["landing gear extending with a mechanical whir", "a hydraulic motor"], "effect"),
    (r"flaps", ["an electric motor whirring", "aircraft flaps moving"], "effect"),
    (r"keys", ["keys jingling", "a bunch of keys"], "effect"),
    (r"radionoise", ["radio static", "white noise hiss"], "effect"),
    (r"avionics|gyro|fan", ["an electrical hum", "a gyroscope spinning up", "a fan whirring"], "effect"),
    (r"click|lever|control_lock|primer", ["a click", "a switch clicking", "a mechanical click"], "ui"),
    (r"beep|flarm|vario", ["an electronic beep", "a beeping instrument", "beeps"], "ui"),
]


def flightgear(path: str):
    rel = path.split("/flightgear/", 1)[-1]
    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    sub = rel.lower()
    for rx, caps, kind in FG_MAP:
        target = sub if "mk-viii" in rx else stem
        if re.search(rx, target):
            if caps == "skip":
                return None
            if caps is None:
                text = re.sub(r"[-_]+", " ", stem)
                return {"kind": "speech", "captions": [f"a cockpit warning voice says '{text}'",
                                                       "a synthetic voice in an aircraft cockpit",
                                                       "a recorded voice announcement"]}
            return {"kind": kind, "captions": list(caps)}
    return generic(path)


HANDLERS = {
    "tuxpaint-stamps-default": tuxpaint, "megaglest-data": megaglest, "hedgewars-data": hedgewars,
    "sonic-pi-samples": sonicpi, "hydrogen-drumkits": hydrogen, "hydrogen-drumkits-effects": hydrogen,
    "hydrogen-data": hydrogen, "klettres-data": klettres, "asterisk-core-sounds-en-wav": asterisk,
    "sound-theme-freedesktop": theme, "oxygen-sounds": theme, "yaru-theme-sound": theme,
    "deepin-sound-theme": theme, "lomiri-sounds": theme, "gcompris-qt-data": gcompris, "lmms-common": lmms,
    "flightgear-data-base": flightgear,
}


VOICE_CMD = re.compile(r"/(coms|voice|voices|announcer|vo|taunts?|player)/", re.I)
VOICE_WORDS = {"taunt", "teamshoot", "freelance", "needhelp", "coverme", "incoming", "attackinfive", "defend",
               "meet", "seenflag", "flagseen", "kills", "welcome", "fragsleft", "capture", "waypoint", "affirmative",
               "camphere", "defendthebase", "followme", "getsomeskulls", "getthatflag", "gettingourflag",
               "gofortheflag", "imfollowing", "imgoingin", "imtheleader", "negative", "no", "yes", "rogerthat",
               "whereareyou", "damnit", "gogogo", "hangon", "luckyshot", "niceshot", "noproblem", "sorry", "suckit",
               "thanks", "multikill", "excellent", "welldone", "congratulations", "attack", "left", "right",
               "announcer", "robotic", "hello", "kill", "to", "count", "one", "two", "three", "four", "five",
               "prepare", "fight", "go", "ready", "impressive", "headshot", "firstblood", "humiliation"}


def arena_voice(path):
    base, folders = name_tokens(path)
    if not base:
        return None
    if (VOICE_CMD.search(path) and base[0] in VOICE_WORDS) or (base and base[0] in VOICE_WORDS and
                                                              ("announcer" in folders or "coms" in folders)):
        return {"kind": "speech", "captions": ["a man's voice shouting a command", "a video game announcer voice",
                                               "a man speaking"]}
    return None


def freedroid(path):
    if "/voice_samples/" in path or "first_contact" in path.lower() or "start_attack" in path.lower():
        return {"kind": "speech", "captions": ["a robotic voice speaking", "a synthesized robot voice",
                                               "a computer voice"]}
    if re.search(r"(cantrepair|icantcarry|not_enough|requiresbothhands|thou_art|tux_this)", path, re.I):
        return {"kind": "speech", "captions": ["a man's voice speaking", "a character saying a short phrase"]}
    return generic(path)


def trigger(path):
    if "/codriver/" in path.lower() or re.search(r"/(chicane|hairpin|left|right|finish|square|medium|flat|"
                                                r"hard|long|cut|into|tarmac|mud|grass)\d*\.", path.lower()):
        return {"kind": "speech", "captions": ["a rally co-driver calling out directions", "a man's voice speaking"]}
    return generic(path)


def caption_for(package: str, path: str):
    """Return {"kind", "captions": [...]} or None to skip this source file."""
    from .captions_everyday import EVERYDAY_PACKAGES, everyday_caption

    if package in EVERYDAY_PACKAGES:
        return _tidy(everyday_caption(package, path))
    h = HANDLERS.get(package)
    low = path.lower()
    if h is None and MUSIC_DIRS.search(path):
        return {"kind": "music", "captions": music_caption(path)}
    if package == "nexuiz-data" and "/tutorial/" in low:
        return {"kind": "speech", "captions": ["a man explaining a video game tutorial", "a man speaking"]}
    if "/announcer/" in low or "announcer" in low.rsplit("/", 1)[-1]:
        return {"kind": "speech", "captions": ["a video game announcer voice", "a man announcing something",
                                               "a robotic announcer voice"]}
    if package == "teeworlds-data" and "vo_teefault" in low:
        return {"kind": "vocal", "captions": ["a cute cartoon character's short vocal sound",
                                              "a squeaky cartoon voice"]}
    if package == "warmux-data" and "/voices/" in low:
        if "injured" in low or "hurt" in low:
            return {"kind": "vocal", "captions": ["a cartoon character grunting in pain", "a pained yelp"]}
        return {"kind": "speech", "captions": ["a cartoon voice speaking", "a character saying a short phrase"]}
    if h is None and package in ("nexuiz-data", "openarena-data", "redeclipse-data", "warmux-data",
                                 "supertuxkart-data", "teeworlds-data", "scorched3d-data"):
        r = arena_voice(path)
        if r:
            return r
    if package == "wesnoth-1.16-data" and re.search(r"/drake-(?:die|hit)", low):
        return {"kind": "animal", "captions": ["a dragon roaring", "a dragon creature crying out", "a monster roaring"]}
    if package == "freedroidrpg-data":
        h = freedroid
    if package == "trigger-rally-data":
        h = trigger
    if h is not None:
        r = h(path)
    elif MUSIC_DIRS.search(path):
        r = {"kind": "music", "captions": music_caption(path)}
    else:
        r = generic(path)
    return _tidy(r)


def _tidy(r):
    """Captions without extra spaces or case-insensitive repeats, at most four; None without any."""
    if r and r.get("captions"):
        seen, caps = set(), []
        for c in r["captions"]:
            c = re.sub(r"\s+", " ", c).strip()
            if c and c.lower() not in seen:
                seen.add(c.lower())
                caps.append(c)
        r["captions"] = caps[:4]
        return r
    return None
