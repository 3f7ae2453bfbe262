package dev.vmbackup.workflows.model;

/**
 * Where the external snapshot puts the overlay of one disk.
 *
 * @param target guest device name
 * @param image the active image at inspection time, frozen by the snapshot
 * @param format format of that image
 * @param overlay the new qcow2 overlay, beside the image so that both share a filesystem
 */
public record DiskOverlay(String target, String image, String format, String overlay) {}
