package dev.vmbackup.workflows.model;

import java.util.Map;

/**
 * A libvirt checkpoint of the domain, as libvirt describes it.
 *
 * @param name the checkpoint's name
 * @param bitmaps disk target to the name of the bitmap the checkpoint keeps on it
 */
public record CheckpointState(String name, Map<String, String> bitmaps) {
  public CheckpointState {
    bitmaps = bitmaps == null ? Map.of() : Map.copyOf(bitmaps);
  }
}
