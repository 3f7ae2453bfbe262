#!/bin/bash
# Builds the tiny test guest used by the demo, the tests and the benchmarks: the Debian cloud kernel
# plus a busybox initramfs that runs qemu-guest-agent and appends numbered records to every disk.
#
# Output (cached, rebuilt only when this script changes):
#   $VMBACKUP_CACHE/guest/vmlinuz
#   $VMBACKUP_CACHE/guest/initrd.img
# VMBACKUP_CACHE defaults to /var/cache/vmbackup: QEMU runs as its own user and must be able to read
# the kernel and initramfs, which it cannot under root's home directory.
#
# The guest's /init mounts every /dev/vdX (ext4) on /mnt/vdX and, five times a second, appends the line
# "<bootId> <n>" to /mnt/vdX/records.log on each disk, runs sync, and prints "record <bootId> <n>" on
# the serial console. A restored disk therefore shows whether its log has gaps, and after a memory
# restore the counter goes on from where it was (same bootId) instead of starting again.
# With "vmbackup.churn_kib=N" on the kernel command line it also rewrites N KiB of random data per
# record in /mnt/vdX/churn (a ring of 64 slots), so that overlays fill up and merges take a while.
set -euo pipefail

CACHE="${VMBACKUP_CACHE:-/var/cache/vmbackup}"
OUT="$CACHE/guest"
STAMP="$(sha256sum "$0" | cut -c1-16)"

if [[ -f "$OUT/stamp" && "$(cat "$OUT/stamp")" == "$STAMP" && -f "$OUT/vmlinuz" && -f "$OUT/initrd.img" ]]; then
  echo "$OUT"
  exit 0
fi

need() { command -v "$1" >/dev/null 2>&1 || { echo "build-test-guest: missing command $1" >&2; exit 1; }; }
for c in apt-get dpkg-deb cpio gzip ldd; do need "$c"; done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# The metapackage only names the current kernel; download the package it depends on.
KPKG="$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')"
if [[ -z "$KPKG" ]]; then
  apt-get update -qq >/dev/null
  KPKG="$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')"
fi
# apt-get download drops privileges to _apt; a private directory it can write avoids the warning.
chmod 777 "$WORK"
apt-get download -q "$KPKG" busybox-static qemu-guest-agent >/dev/null 2>&1 ||
  { apt-get update -qq >/dev/null && apt-get download -q "$KPKG" busybox-static qemu-guest-agent >/dev/null; }
mkdir pkg
for deb in ./*.deb; do dpkg-deb -x "$deb" pkg; done

KVER="${KPKG#linux-image-}"
ROOT="$WORK/root"
mkdir -p "$ROOT"/{bin,sbin,proc,sys,dev,mnt,run,tmp,var/run,lib/modules,etc,lib64}
cp pkg/bin/busybox "$ROOT/bin/busybox"
cp pkg/usr/sbin/qemu-ga "$ROOT/bin/qemu-ga"

# qemu-ga is dynamically linked: copy every library ldd lists, at the same path, plus the loader.
ldd pkg/usr/sbin/qemu-ga | awk '/=> \//{print $3}' | while read -r lib; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$ROOT/lib64/"

# The cloud kernel builds virtio as modules; they must be loaded in dependency order.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk virtio_console"
for m in $MODULES; do
  f="$(find "pkg/lib/modules/$KVER" -name "$m.ko*" | head -1)"
  [[ -n "$f" ]] || { echo "build-test-guest: module $m not found in $KPKG" >&2; exit 1; }
  case "$f" in
    *.ko.xz) xz -dc "$f" >"$ROOT/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" >"$ROOT/lib/modules/$m.ko" ;;
    *) cp "$f" "$ROOT/lib/modules/$m.ko" ;;
  esac
done

cat >"$ROOT/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $MODULES; do insmod /lib/modules/\$m.ko; done
EOF
cat >>"$ROOT/init" <<'EOF'
# Block devices appear asynchronously after virtio_blk loads.
n=0
while [ ! -e /dev/vda ] && [ $n -lt 50 ]; do usleep 100000; n=$((n+1)); done
usleep 300000
BOOT=$(cut -c1-8 /proc/sys/kernel/random/uuid)
DISKS=""
for d in /sys/block/vd*; do
  name=${d##*/}
  mkdir -p /mnt/$name
  if mount -t ext4 /dev/$name /mnt/$name; then DISKS="$DISKS $name"; fi
done
if [ -e /dev/vport0p1 ]; then qemu-ga -m virtio-serial -p /dev/vport0p1 -d -t /run; fi
CHURN=0
for arg in $(cat /proc/cmdline); do
  case "$arg" in vmbackup.churn_kib=*) CHURN=${arg#vmbackup.churn_kib=} ;; esac
done
echo "vmbackup-guest: booted $BOOT disks:$DISKS churn:${CHURN}KiB"
i=0
while true; do
  i=$((i+1))
  for name in $DISKS; do
    echo "$BOOT $i" >>/mnt/$name/records.log
    if [ "$CHURN" -gt 0 ]; then
      dd if=/dev/urandom of=/mnt/$name/churn bs=1024 count=$CHURN seek=$(( (i % 64) * CHURN )) conv=notrunc 2>/dev/null
    fi
  done
  sync
  echo "record $BOOT $i"
  usleep 200000
done
EOF
chmod +x "$ROOT/init"

mkdir -p "$OUT"
( cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1 ) >"$OUT/initrd.img.tmp"
cp "pkg/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "$STAMP" >"$OUT/stamp"
echo "$OUT"
