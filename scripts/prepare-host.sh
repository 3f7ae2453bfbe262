#!/bin/bash
# Prepares this machine to run vmbackup and its tests: installs libvirt, QEMU and haproxy from Debian if
# missing, starts virtlogd and libvirtd if they are not running (hosts without systemd), and builds
# the test guest into the cache. Safe to run again; it only does what is missing.
set -euo pipefail

log() { echo "prepare-host: $*" >&2; }

PKGS=()
command -v virsh >/dev/null || PKGS+=(libvirt-clients)
command -v libvirtd >/dev/null || PKGS+=(libvirt-daemon-system)
command -v qemu-system-x86_64 >/dev/null || PKGS+=(qemu-system-x86)
command -v qemu-img >/dev/null || PKGS+=(qemu-utils)
command -v mkfs.ext4 >/dev/null || PKGS+=(e2fsprogs)
command -v cpio >/dev/null || PKGS+=(cpio)
# The mutual-TLS test puts haproxy, with certificates made by openssl, in front of the dev server
# (stunnel cannot be used: it negotiates no ALPN, and gRPC clients require h2 by ALPN).
command -v haproxy >/dev/null || PKGS+=(haproxy)
command -v openssl >/dev/null || PKGS+=(openssl)
if ((${#PKGS[@]})); then
  if [[ $(id -u) -ne 0 ]]; then log "missing ${PKGS[*]}; run as root or install them"; exit 1; fi
  log "installing ${PKGS[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${PKGS[@]}" >/dev/null
fi

# Without systemd nothing starts the daemons; start them ourselves when they are not running.
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 50); do
    virsh -c qemu:///system version >/dev/null 2>&1 && break
    sleep 0.2
  done
  virsh -c qemu:///system version >/dev/null 2>&1 || { log "libvirtd did not come up"; exit 1; }
  log "libvirtd started"
fi

"$(dirname "$0")/build-test-guest.sh" >/dev/null
