#!/bin/bash
# Push or pull? Times libvirt's two backup modes on this host for one disk, the way vmbackup would use
# them: a full backup and an incremental one after the guest wrote for a while.
#
#   push: libvirt's job writes the disk into a qcow2 image we created (REUSE_EXTERNAL); an
#         incremental image is backed by the previous one, unchanged clusters stay unallocated.
#   pull: libvirt exports the disk over NBD on a UNIX socket (with a scratch file for copy-before-
#         write) and a client copies it: here qemu-img convert, the client vmbackup would use.
#
# Usage: bench/push-vs-pull.sh [SIZE_MIB [DATA_MIB [RUNS]]]   (default 1024 MiB with 600 MiB of data, 3 runs)
# Needs root, libvirt, qemu-img and the test guest (scripts/build-test-guest.sh). Leaves nothing behind.
set -euo pipefail

SIZE="${1:-1024}"
DATA="${2:-600}"
RUNS="${3:-3}"
GUEST="${VMBACKUP_CACHE:-/var/cache/vmbackup}/guest"
V=(virsh -q -c qemu:///system)
NAME="vmbench-pushpull-$$"
DIR="$(mktemp -d /var/tmp/vmbench-XXXXXX)"
chmod 0711 "$DIR"

cleanup() {
  "${V[@]}" destroy "$NAME" >/dev/null 2>&1 || true
  "${V[@]}" undefine "$NAME" --checkpoints-metadata >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

[[ -f "$GUEST/vmlinuz" ]] || { echo "no test guest in $GUEST; run scripts/build-test-guest.sh" >&2; exit 1; }

echo "disk: ${SIZE} MiB with ${DATA} MiB of random data in ext4; ${RUNS} runs of each" >&2
truncate -s "${SIZE}M" "$DIR/raw.img"
mkdir "$DIR/content"
dd if=/dev/urandom of="$DIR/content/ballast" bs=1M count="$DATA" status=none
mkfs.ext4 -q -F -d "$DIR/content" "$DIR/raw.img"
rm -rf "$DIR/content"
qemu-img convert -f raw -O qcow2 "$DIR/raw.img" "$DIR/vda.qcow2"
rm "$DIR/raw.img"
mkdir "$DIR/sock" && chown libvirt-qemu:libvirt-qemu "$DIR/sock" 2>/dev/null || chmod 0777 "$DIR/sock"

cat >"$DIR/domain.xml" <<XML
<domain type='qemu'>
  <name>$NAME</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$GUEST/vmlinuz</kernel><initrd>$GUEST/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet vmbackup.churn_kib=256</cmdline></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/vda.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <serial type='file'><source path='$DIR/console.log'/><target port='0'/></serial>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <memballoon model='none'/>
  </devices>
</domain>
XML
"${V[@]}" define "$DIR/domain.xml" >/dev/null
"${V[@]}" start "$NAME" >/dev/null
for _ in $(seq 1 120); do grep -q "^record" "$DIR/console.log" 2>/dev/null && break; sleep 1; done

now() { date +%s.%N; }
# libvirt reports the job's end a moment before QEMU closes the target: wait for the image lock too.
wait_job() {
  while "${V[@]}" domjobinfo "$NAME" | grep -q Unbounded; do sleep 0.02; done
  while ! qemu-img info "$1" >/dev/null 2>&1; do sleep 0.02; done
}
mib() { echo "scale=1; $1 / 1048576" | bc; }

# push DIR INCREMENTAL_FROM BACKING CHECKPOINT
push() {
  local out="$1" from="$2" backing="$3" checkpoint="$4"
  mkdir -m 0711 "$out"
  if [[ -n "$backing" ]]; then
    qemu-img create -q -f qcow2 -u -b "$backing" -F qcow2 "$out/vda.qcow2" "${SIZE}M"
  else
    qemu-img create -q -f qcow2 "$out/vda.qcow2" "${SIZE}M"
  fi
  local incremental=""
  [[ -n "$from" ]] && incremental="<incremental>$from</incremental>"
  echo "<domainbackup mode='push'>$incremental<disks><disk name='vda' backup='yes' type='file'><target file='$out/vda.qcow2'/><driver type='qcow2'/></disk></disks></domainbackup>" >"$out/backup.xml"
  echo "<domaincheckpoint><name>$checkpoint</name><disks><disk name='vda' checkpoint='bitmap' bitmap='$checkpoint'/></disks></domaincheckpoint>" >"$out/checkpoint.xml"
  local start; start=$(now)
  "${V[@]}" backup-begin "$NAME" "$out/backup.xml" "$out/checkpoint.xml" --reuse-external >/dev/null
  wait_job "$out/vda.qcow2"
  echo "$(echo "$(now) - $start" | bc)"
}

# pull DIR INCREMENTAL_FROM BACKING: a full copies the whole export with qemu-img convert; an
# incremental asks the NBD server for the dirty extents of the backup's bitmap and copies each into an
# image backed by the full one (qemu-img convert reads it, qemu-io writes it): a client made of stock
# tools, with a process per extent, so an upper bound for pull; a real NBD client would do better.
pull() {
  local out="$1" from="$2" backing="$3"
  mkdir -m 0711 "$out"
  local sock="$DIR/sock/nbd.sock" incremental=""
  rm -f "$sock"
  [[ -n "$from" ]] && incremental="<incremental>$from</incremental>"
  echo "<domainbackup mode='pull'>$incremental<server transport='unix' socket='$sock'/><disks><disk name='vda' backup='yes' type='file'><scratch file='$out/scratch.qcow2'/></disk></disks></domainbackup>" >"$out/backup.xml"
  local start; start=$(now)
  "${V[@]}" backup-begin "$NAME" "$out/backup.xml" >/dev/null
  if [[ -z "$from" ]]; then
    qemu-img convert -f raw -O qcow2 "nbd+unix:///vda?socket=$sock" "$out/vda.qcow2"
  else
    qemu-img create -q -f qcow2 -u -b "$backing" -F qcow2 "$out/vda.qcow2" "${SIZE}M"
    # With x-dirty-bitmap, block status reports the bitmap instead of allocation: dirty = "data": false.
    qemu-img map --output=json --image-opts \
      "driver=nbd,export=vda,server.type=unix,server.path=$sock,x-dirty-bitmap=qemu:dirty-bitmap:backup-vda" |
      python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if not e["data"]:
        print(e["start"], e["length"])' >"$out/dirty"
    while read -r offset length; do
      rm -f "$out/chunk"
      qemu-img convert -O raw --image-opts \
        "driver=raw,offset=$offset,size=$length,file.driver=nbd,file.export=vda,file.server.type=unix,file.server.path=$sock" \
        "$out/chunk"
      qemu-io -f qcow2 -c "write -s $out/chunk $offset $length" "$out/vda.qcow2" >/dev/null
    done <"$out/dirty"
  fi
  "${V[@]}" domjobabort "$NAME" >/dev/null
  echo "$(echo "$(now) - $start" | bc)"
}

data_of() {
  qemu-img map --output=json -U "json:{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"$1\"},\"backing\":null}" |
    python3 -c 'import json,sys; print(sum(e["length"] for e in json.load(sys.stdin) if e["depth"] == 0 and e["data"]))'
}

printf "%-6s %-12s %9s %10s\n" MODE KIND SECONDS DATA_MIB
for run in $(seq 1 "$RUNS"); do
  for cp in $("${V[@]}" checkpoint-list "$NAME" --name); do "${V[@]}" checkpoint-delete "$NAME" "$cp" >/dev/null; done
  rm -rf "$DIR/p$run" "$DIR/q$run" "$DIR/pi$run" "$DIR/qi$run"
  t=$(push "$DIR/p$run" "" "" "full$run")
  printf "%-6s %-12s %9.2f %10s\n" push full "$t" "$(mib "$(data_of "$DIR/p$run/vda.qcow2")")"
  t=$(pull "$DIR/q$run" "" "")
  printf "%-6s %-12s %9.2f %10s\n" pull full "$t" "$(mib "$(data_of "$DIR/q$run/vda.qcow2")")"
  sleep 20 # the guest rewrites its churn ring meanwhile
  "${V[@]}" domfsfreeze "$NAME" >/dev/null 2>&1 || true
  t=$(pull "$DIR/qi$run" "full$run" "$DIR/q$run/vda.qcow2")
  printf "%-6s %-12s %9.2f %10s\n" pull incremental "$t" "$(mib "$(data_of "$DIR/qi$run/vda.qcow2")")"
  t=$(push "$DIR/pi$run" "full$run" "$DIR/p$run/vda.qcow2" "incr$run")
  printf "%-6s %-12s %9.2f %10s\n" push incremental "$t" "$(mib "$(data_of "$DIR/pi$run/vda.qcow2")")"
  "${V[@]}" domfsthaw "$NAME" >/dev/null 2>&1 || true
  if [[ "$run" == 1 ]]; then
    # Both incrementals, each over its own full, must read as the same disk.
    qemu-img compare -q "$DIR/pi$run/vda.qcow2" "$DIR/qi$run/vda.qcow2" && echo "(push and pull incrementals identical)" >&2
  fi
  rm -rf "$DIR/p$run" "$DIR/q$run" "$DIR/pi$run" "$DIR/qi$run"
done
