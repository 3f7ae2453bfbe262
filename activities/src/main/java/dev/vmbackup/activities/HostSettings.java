package dev.vmbackup.activities;

import java.nio.file.Path;

/**
 * The configuration of one host's worker.
 *
 * @param host this host's name; its task queue is {@code vmbackup-host-<host>}
 * @param defaultRepository the repository used when a request names none
 * @param stateDir where the worker keeps its own small state (domain locks)
 * @param libvirtUri e.g. {@code qemu:///system}
 */
public record HostSettings(String host, Path defaultRepository, Path stateDir, String libvirtUri) {
  public Path locksDir() {
    return stateDir.resolve("locks");
  }
}
