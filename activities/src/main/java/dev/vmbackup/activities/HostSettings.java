package dev.vmbackup.activities;

import dev.vmbackup.host.config.HostConfig;
import java.nio.file.Path;

/**
 * The configuration of one host's worker.
 *
 * @param host this host's name; its task queue is {@code vmbackup-host-<host>}
 * @param stateDir where the worker keeps its own small state (domain locks)
 * @param libvirtUri e.g. {@code qemu:///system}
 * @param copyBytesPerSecond limit of copies into and out of the repository, so that a backup does not
 *     starve the VMs' own storage traffic; 0 for none
 * @param mergeBytesPerSecond limit of block commits, passed to libvirt; 0 for none
 * @param config what requests may use on this host: repositories, hooks, notifications
 */
public record HostSettings(
    String host,
    Path stateDir,
    String libvirtUri,
    long copyBytesPerSecond,
    long mergeBytesPerSecond,
    HostConfig config) {
  /** The system libvirt daemon, which runs the host's VMs; the URI when none is configured. */
  public static final String DEFAULT_LIBVIRT_URI = "qemu:///system";

  /**
   * The libvirt URI to use: the one given (a command-line option, say), else {@code $VMBACKUP_LIBVIRT_URI},
   * else {@link #DEFAULT_LIBVIRT_URI}. The command line, the tests' fixtures and the benchmark all resolve
   * it here, so that one environment variable points all of them at another daemon.
   */
  public static String libvirtUri(String given) {
    if (given != null && !given.isBlank()) {
      return given;
    }
    String env = System.getenv("VMBACKUP_LIBVIRT_URI");
    return env == null || env.isBlank() ? DEFAULT_LIBVIRT_URI : env;
  }

  /**
   * Settings of a host assembled in code (the command line's embedded worker, the activity tests, the
   * benchmark), whose requests come from the same process and so may name repositories by path: a
   * default repository, repository paths allowed anywhere, no hooks, no notifications.
   */
  public HostSettings(String host, Path defaultRepository, Path stateDir, String libvirtUri) {
    this(host, stateDir, libvirtUri, 0, 0, HostConfig.defaults(defaultRepository).allowingRepositoryPaths("/"));
  }

  /** The repository used when a request names none. */
  public Path defaultRepository() {
    return config.defaultRepositoryPath();
  }

  public Path locksDir() {
    return stateDir.resolve("locks");
  }
}
