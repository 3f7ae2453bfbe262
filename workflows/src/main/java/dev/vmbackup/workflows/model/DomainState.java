package dev.vmbackup.workflows.model;

/** The run state of a domain as far as a backup cares. */
public enum DomainState {
  RUNNING,
  PAUSED,
  SHUTOFF,
  /** Crashed, suspended to disk, or anything else a backup does not start from. */
  OTHER;

  /** True when QEMU holds the disks open, so an external snapshot is needed to freeze them. */
  public boolean isActive() {
    return this == RUNNING || this == PAUSED;
  }
}
