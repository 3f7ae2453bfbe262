package dev.vmbackup.activities;

import java.nio.file.Path;

/**
 * The configuration of one host's worker.
 *
 * @param host this host's name; its task queue is {@code vmbackup-host-<host>}
 * @param defaultRepository the repository used when a request names none
 * @param stateDir where the worker keeps its own small state (domain locks)
 * @param libvirtUri e.g. {@code qemu:///system}
 * @param copyBytesPerSecond limit of copies into and out of the repository, so that a backup does not
 *     starve the VMs' own storage traffic; 0 for none
 * @param mergeBytesPerSecond limit of block commits, passed to libvirt; 0 for none
 */
public record HostSettings(
    String host,
    Path defaultRepository,
    Path stateDir,
    String libvirtUri,
    long copyBytesPerSecond,
    long mergeBytesPerSecond) {
  /** Settings without bandwidth limits. */
  public HostSettings(String host, Path defaultRepository, Path stateDir, String libvirtUri) {
    this(host, defaultRepository, stateDir, libvirtUri, 0, 0);
  }

  public Path locksDir() {
    return stateDir.resolve("locks");
  }
}
