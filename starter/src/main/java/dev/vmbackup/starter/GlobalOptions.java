package dev.vmbackup.starter;

import dev.vmbackup.worker.TemporalConnection;
import dev.vmbackup.worker.WorkerConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options every command takes. */
public class GlobalOptions {
  static final String DEFAULT_REPOSITORY = "/var/lib/vmbackup/repository";
  static final String DEFAULT_STATE_DIR = "/var/lib/vmbackup/state";

  @Option(names = "--repository", paramLabel = "DIR",
      description = "Backup repository directory (default: $VMBACKUP_REPOSITORY or " + DEFAULT_REPOSITORY + ").")
  String repository;

  @Mixin ConnectionOptions temporal;

  @Option(names = "--host", paramLabel = "HOST",
      description = "Host that runs the VM; its worker polls vmbackup-host-HOST (default: $VMBACKUP_HOST or this"
          + " machine's hostname).")
  String host;

  @Option(names = "--json", description = "Print one JSON object on stdout instead of text.")
  boolean json;

  /** The repository the user named, or null to let the host's worker use its default. */
  String requestedRepository() {
    if (repository != null) {
      return absolute(repository);
    }
    String env = System.getenv("VMBACKUP_REPOSITORY");
    return env == null || env.isBlank() ? null : absolute(env);
  }

  /** The repository to read locally (list, verify) or to give an embedded worker. */
  String effectiveRepository() {
    String requested = requestedRepository();
    return requested != null ? requested : DEFAULT_REPOSITORY;
  }

  /** The Temporal address the user gave, or null. */
  String temporalAddress() {
    return temporal.address();
  }

  /** How to reach Temporal: the address the user gave, else {@code fallbackAddress}. */
  TemporalConnection connection(String fallbackAddress) {
    return temporal.connection(fallbackAddress);
  }

  String effectiveHost() {
    if (host != null) {
      return host;
    }
    String env = System.getenv("VMBACKUP_HOST");
    return env == null || env.isBlank() ? WorkerConfig.localHostName() : env;
  }

  String stateDir() {
    String env = System.getenv("VMBACKUP_STATE_DIR");
    return env == null || env.isBlank() ? DEFAULT_STATE_DIR : env;
  }

  /** Relative paths are resolved against the current directory here, before they travel to a worker. */
  private static String absolute(String path) {
    return java.nio.file.Path.of(path).toAbsolutePath().normalize().toString();
  }
}
