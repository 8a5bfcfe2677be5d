#!/bin/sh
# Install the Debian packages scripts/build_corpus.py reads (the sources the model card lists; DATA.md in the shared folder).
# ~5 GB for the first list, ~4 GB more for the everyday recordings (second and third lists).
# Usage: sudo scripts/install_corpus_packages.sh [--first-only]
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends \
  megaglest-data tuxpaint-stamps-default gcompris-qt-data hedgewars-data warmux-data supertux-data \
  freedroidrpg-data wesnoth-1.16-data redeclipse-data sound-theme-freedesktop oxygen-sounds yaru-theme-sound \
  deepin-sound-theme lomiri-sounds hydrogen-drumkits hydrogen-drumkits-effects hydrogen-data sonic-pi-samples \
  lmms-common klettres-data asterisk-core-sounds-en-wav asterisk-core-sounds-en nexuiz-data openarena-data \
  supertuxkart-data naev-data scorched3d-data lincity-ng-data minetest-data teeworlds-data trigger-rally-data \
  extremetuxracer-data wordwarvi-sound endless-sky-data freeciv-data powermanga-data \
  flightgear-data-base fluidsynth fluid-soundfont-gm timgm6mb-soundfont ffmpeg
[ "$1" = "--first-only" ] && exit 0
# everyday recordings added for the second default model (DATA.md "More real sounds")
apt-get install -y --no-install-recommends \
  openclonk-data openttd-opensfx flare-game lugaru-data searchandrescue-data ufoai-sound unknown-horizons \
  btanks-data gnome-shell-pomodoro-data pekka-kana-2-data micropolis-data bucklespring-data ardentryst
# a few to ~25 everyday clips each (some pull program dependencies)
apt-get install -y --no-install-recommends \
  castle-game-engine-doc libreoffice-common minetest-mod-homedecor brainparty-data ukui-media \
  crossfire-client plee-the-bear-data simutrans-pak64 torcs-data 7kaa-data orage-data etw-data tuxfootball \
  heroes-sound-effects fillets-ng-data afterstep-data emacspeak sound-icons tuxpaint-data \
  tuxpaint-plugins-default mazeofgalious-data freedink-data enigma-data kolf crrcsim-data acm gl-117-data \
  moon-lander-data trophy-data netpanzer-data mirrormagic-data csoundqt-examples qtmultimedia5-examples \
  caveexpress-data warzone2100-data colobot-common-sounds xemacs21-basesupport
