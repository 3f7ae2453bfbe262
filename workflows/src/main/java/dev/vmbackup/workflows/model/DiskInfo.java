package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * A writable file-backed disk of a domain, as found by inspection.
 *
 * @param target the guest device name ({@code vda}); unique within the domain
 * @param source absolute path of the active image, the one QEMU writes to
 * @param format format of the active image
 * @param backingChain the images below the active one, nearest first; empty for a standalone image
 */
public record DiskInfo(String target, String source, String format, List<ImageLayer> backingChain) {
  public DiskInfo {
    backingChain = backingChain == null ? List.of() : List.copyOf(backingChain);
  }

  /** The active image followed by its backing chain. */
  public List<ImageLayer> chain() {
    var all = new java.util.ArrayList<ImageLayer>();
    all.add(new ImageLayer(source, format));
    all.addAll(backingChain);
    return List.copyOf(all);
  }
}
