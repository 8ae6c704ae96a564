#!/usr/bin/env bash
# Installs what `npm start`, `npm test` and `npm run bench` need on a fresh machine of this kind, once:
# the Debian packages that provide the kernel tools and real protocol peers, and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(iproute2 nftables socat tshark procps slapd ldap-utils keepalived iputils-ping python3 snmp snmptrapd smitools)
commands=(ip nft socat tshark pkill ldapadd ldapsearch ping python3 snmpget smilint)

missing=0
for c in "${commands[@]}"; do command -v "$c" >/dev/null 2>&1 || missing=1; done
[ -x /usr/sbin/slapd ] || missing=1 # slapd, slaptest and keepalived live in /usr/sbin, not always on PATH
[ -x /usr/sbin/keepalived ] || missing=1
[ -x /usr/sbin/snmptrapd ] || missing=1
if [ "$missing" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "iss: the Debian packages ${debian_packages[*]} are missing and installing them needs root (run as root or with sudo)" >&2
    exit 1
  fi
  echo "iss: installing Debian packages: ${debian_packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  # slapd: install the binaries only; tests run their own slapd, no system directory is configured or started
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${debian_packages[@]}" >/dev/null
fi

# The full-kernel test VM for the switch's VLAN tests; without it they are reported as skipped.
bash tools/ensure-vm.sh || echo "iss: the test VM could not be prepared; VLAN tests will be skipped" >&2

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "iss: installing npm dependencies from the lockfile" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
