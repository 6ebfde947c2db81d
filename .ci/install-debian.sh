#!/usr/bin/env bash
# Debian packages the tests need, installed idempotently (skips apt when all are present).
set -euo pipefail
pkgs=(
  gdal-bin libgdal-dev python3-gdal               # GDAL: viewshed cross-check, vector formats
  gir1.2-gst-rtsp-server-1.0 python3-gi            # a real RTSP server for the feeds tests
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-tools
  gstreamer1.0-plugins-bad                         # H.265 (x265enc) and h264parse for the feeds server
  gstreamer1.0-x                                   # timeoverlay/textoverlay (pango) in the feeds server
  libegl1 libgl1-mesa-dri libgles2 libgl1          # Panda3D offscreen through Mesa's llvmpipe
  xvfb xauth                                       # a real desktop window in tests
  ffmpeg                                           # test clips and MP4 output
  libvulkan1 mesa-vulkan-drivers                   # Monado (../shared/tools/monado) at run time: Vulkan on the CPU (lavapipe)
  libglx0 libcjson1 libbsd0 libusb-1.0-0 libudev1 libx11-xcb1 libxcb-randr0  # Monado's other run-time libraries
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
