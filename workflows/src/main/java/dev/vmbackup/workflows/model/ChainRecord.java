package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * How a {@code chain} backup left the VM: per disk, the overlay the VM writes to from then on and the
 * layers below it. The next chain run continues the chain (copies only that overlay) if it finds every
 * disk so; otherwise it starts a new chain.
 *
 * @param disks one entry per disk the backup covers
 */
public record ChainRecord(List<ChainTop> disks) {
  public ChainRecord {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /**
   * One disk of a chain.
   *
   * @param target guest device name
   * @param overlay the overlay this backup created, which the VM writes to afterwards
   * @param backing the running chain below it, nearest first: the layer this backup froze (and copied),
   *     then the older layers and the VM's own image
   */
  public record ChainTop(String target, String overlay, List<String> backing) {
    public ChainTop {
      backing = backing == null ? List.of() : List.copyOf(backing);
    }
  }
}
