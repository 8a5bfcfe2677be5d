#!/bin/sh
# Install the Debian packages scripts/build_corpus.py reads (the sources the model card lists). ~5 GB.
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
