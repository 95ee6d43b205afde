#!/usr/bin/env bash
# Makes sure the Debian packages the tests need are installed: installs them with apt-get
# when running as root, otherwise prints the exact command to run and fails.
set -euo pipefail
# espeak-ng: the MCP speaks real phrases with it where it is installed (and its tests check that).
# sip-tester: SIPp, the SIPREC recording client (SRC) of the recording server's tests.
# tshark: Wireshark's dissectors, the independent reader the generated RTP captures are checked with.
# nginx: the load balancer in front of two backends sharing one database (the cluster tests).
packages=(chromium xvfb xauth fonts-liberation espeak-ng sip-tester tshark nginx)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
install_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo sh -c '$install_line'" >&2
  exit 1
fi
echo "Installing Debian packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
