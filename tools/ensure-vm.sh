#!/usr/bin/env bash
# Prepares the full-kernel test VM (hil-tests/vm): QEMU, and Debian's kernel image and busybox-static
# unpacked into the cache directory (ISS_VM_CACHE, default /var/cache/iss-vm). Without them the VLAN tests
# and benchmarks are reported as skipped with the reason.
set -euo pipefail
cache="${ISS_VM_CACHE:-/var/cache/iss-vm}"
if [ "$(id -u)" != 0 ]; then
  echo "iss: the test VM needs root to install qemu-system-x86; VLAN tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/qemu-system-x86_64 ]; then
  echo "iss: installing qemu-system-x86 for the test VM" >&2
  apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
fi
if [ ! -x "$cache/root/bin/busybox" ] || ! ls "$cache"/root/boot/vmlinuz-* >/dev/null 2>&1; then
  mkdir -p "$cache/debs"
  kernel="$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)"
  echo "iss: fetching $kernel and busybox-static for the test VM into $cache" >&2
  (cd "$cache/debs" && apt-get download "$kernel" busybox-static 2>/dev/null)
  rm -rf "$cache/root"
  for deb in "$cache"/debs/*.deb; do dpkg -x "$deb" "$cache/root"; done
fi
