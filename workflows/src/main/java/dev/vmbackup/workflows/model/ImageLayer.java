package dev.vmbackup.workflows.model;

/**
 * One file of a disk's backing chain.
 *
 * @param path absolute path of the image file
 * @param format image format as libvirt and qemu-img name it ({@code qcow2}, {@code raw})
 */
public record ImageLayer(String path, String format) {}
