package dev.vmbackup.workflows.model;

/**
 * Folds one disk's overlay back into the image below it and makes the VM run on that image again.
 *
 * @param overlay the overlay the snapshot created
 * @param base the image the overlay sits on, which the disk must end on
 * @param baseFormat format of the base image
 */
public record MergeRequest(String domain, String target, String overlay, String base, String baseFormat) {}
