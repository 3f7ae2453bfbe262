package dev.vmbackup.workflows.model;

/**
 * A disk as a backup of a chain covers it: planned by the workflow from the chain decision.
 *
 * @param target guest device name
 * @param source the image the VM writes to
 * @param format format of that image, and of the backup's image of it
 * @param virtualSize guest-visible size when the chain decision was taken; the job refuses to start
 *     when the disk has another size by then
 * @param file absolute path of the backup's image, inside the partial backup directory
 * @param backingFile for an incremental: the parent backup's image of the disk, relative to the
 *     directory of {@code file} ({@code ../<parentBackupId>/vda.qcow2}), written into the new image's
 *     header so that its unallocated clusters read as "unchanged since the parent"; null for a full one
 */
public record IncrementalDisk(
    String target, String source, String format, long virtualSize, String file, String backingFile) {}
