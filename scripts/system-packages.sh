#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Attend needs that are missing.
# Usage: scripts/system-packages.sh run|test
# As root it installs them with apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

# PortAudio for the microphone (sounddevice); the X/xcb, EGL and font libraries Qt 6 loads.
RUN_PACKAGES=(
  libportaudio2
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
)
# Tests also synthesize speech, and play it through a PulseAudio null sink into the microphone path.
TEST_PACKAGES=("${RUN_PACKAGES[@]}" espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox
  pulseaudio pulseaudio-utils libasound2-plugins)

case "${1:-run}" in
  run) wanted=("${RUN_PACKAGES[@]}") ;;
  test) wanted=("${TEST_PACKAGES[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Attend needs these system packages. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
