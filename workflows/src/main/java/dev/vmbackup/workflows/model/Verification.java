package dev.vmbackup.workflows.model;

/**
 * The outcome of the last verification recorded in a manifest.
 *
 * @param at ISO-8601 instant of the verification
 * @param ok whether every checksum matched and every image passed {@code qemu-img check}
 */
public record Verification(String at, boolean ok) {}
