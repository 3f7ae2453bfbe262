package dev.vmbackup.host.hypervisor;

/**
 * How an external snapshot is taken. It is always atomic (all disks or none) and leaves no snapshot
 * metadata in libvirt: the overlays are vmbackup's to merge and delete, not libvirt's to track.
 *
 * @param quiesce freeze guest filesystems through the guest agent for the snapshot instant
 * @param memory the snapshot XML carries a memory file: save memory and CPU state, live
 */
public record SnapshotOptions(boolean quiesce, boolean memory) {}
