package dev.vmbackup.store;

/**
 * A byte range of a disk that changed since the parent backup (from a dirty bitmap or a layer's
 * allocation map).
 *
 * @param offset first byte
 * @param length bytes
 */
public record Region(long offset, long length) {
  public Region {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("a region has a non-negative offset and length");
    }
  }

  /** Whether this region overlaps {@code [start, end)}. */
  public boolean overlaps(long start, long end) {
    return length > 0 && offset < end && start < offset + length;
  }
}
