package dev.vmbackup.testing.fleet;

import java.time.Duration;

/**
 * How long the simulated host's work takes, scaled down from a real host's. Only what a real backup
 * spends on the host is simulated; everything Temporal does (scheduling, histories, timers) is real.
 *
 * @param snapshot how long libvirt's external snapshot call takes (a real one: tens of milliseconds
 *     up to a second with a guest agent's freeze)
 * @param commit how long an active block commit takes until it is ready to pivot
 * @param check how long {@code qemu-img check} of one retained image takes
 * @param diskBytes the logical size of each VM's disk image; the file is sparse, so the simulation
 *     writes only {@link #DATA_BYTES} of it
 * @param copyBytesPerSecond the host's copy bandwidth limit ({@code HostSettings.copyBytesPerSecond}),
 *     which the real copier applies to logical bytes, holes included: the copy of one disk takes
 *     {@code diskBytes / copyBytesPerSecond}
 */
public record SimulatedDurations(
    Duration snapshot, Duration commit, Duration check, long diskBytes, long copyBytesPerSecond) {
  /** Bytes of real (random) data at the start of each disk image, so that copies and checksums see data. */
  public static final int DATA_BYTES = 64 * 1024;

  public SimulatedDurations {
    if (diskBytes < DATA_BYTES || copyBytesPerSecond <= 0) {
      throw new IllegalArgumentException("a disk holds at least " + DATA_BYTES + " bytes and copies need a rate");
    }
  }

  /** About one second of host work per VM: for a test that runs in seconds. */
  public static SimulatedDurations quick() {
    return new SimulatedDurations(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofMillis(50),
        4L << 20, 8L << 20);
  }

  /**
   * About six seconds of host work per VM, the proportions of a real full backup (the copy dominates,
   * then the commit); a real backup of a 20 GiB disk at 200 MB/s is about 100 times longer.
   */
  public static SimulatedDurations bench() {
    return new SimulatedDurations(Duration.ofMillis(50), Duration.ofMillis(1500), Duration.ofMillis(200),
        16L << 20, 4L << 20);
  }

  /** The copy of one disk at the bandwidth limit. */
  public Duration copy() {
    return Duration.ofMillis(diskBytes * 1000 / copyBytesPerSecond);
  }

  /**
   * The host work of one backup with strategy full: snapshot, copy, commit, check. Polling, file
   * creation, checksums and the orchestration around them are not counted: they are the overhead that
   * the simulation measures.
   */
  public Duration perBackup() {
    return snapshot.plus(copy()).plus(commit).plus(check);
  }
}
