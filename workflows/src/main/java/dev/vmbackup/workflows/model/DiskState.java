package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * A disk as the chain decision sees it now.
 *
 * @param target guest device name
 * @param source the active image
 * @param format format of the active image; only qcow2 can hold persistent dirty bitmaps
 * @param virtualSize guest-visible size in bytes
 * @param bitmaps the dirty bitmaps the disk has now and that are usable: for a running VM the ones
 *     QEMU tracks (libvirt reports their size), for a shut-off VM the ones in the image that are not
 *     left "in-use" by a QEMU that did not close the image
 */
public record DiskState(String target, String source, String format, long virtualSize, List<String> bitmaps) {
  public DiskState {
    bitmaps = bitmaps == null ? List.of() : List.copyOf(bitmaps);
  }
}
