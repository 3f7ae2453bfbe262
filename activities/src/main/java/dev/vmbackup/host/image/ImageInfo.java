package dev.vmbackup.host.image;

import java.util.List;

/**
 * What {@code qemu-img info --output=json} says about one image.
 *
 * @param filename the image's path
 * @param format {@code qcow2}, {@code raw}, ...
 * @param virtualSize guest-visible size in bytes
 * @param actualSize bytes allocated on the host filesystem
 * @param backingFilename the backing reference as written in the header, or null
 * @param fullBackingFilename that reference resolved to an absolute path, or null
 * @param backingFormat format of the backing file, or null
 * @param bitmaps names of persistent dirty bitmaps in a qcow2 image
 */
public record ImageInfo(
    String filename,
    String format,
    long virtualSize,
    long actualSize,
    String backingFilename,
    String fullBackingFilename,
    String backingFormat,
    List<String> bitmaps) {
  public ImageInfo {
    bitmaps = bitmaps == null ? List.of() : List.copyOf(bitmaps);
  }
}
