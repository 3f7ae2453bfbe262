package dev.vmbackup.starter;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.host.config.HostConfigFile;
import dev.vmbackup.worker.TemporalConnection;
import dev.vmbackup.worker.WorkerConfig;
import dev.vmbackup.workflows.Validation;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every command takes. */
public class GlobalOptions {
  static final String DEFAULT_REPOSITORY = "/var/lib/vmbackup/repository";
  static final String DEFAULT_STATE_DIR = "/var/lib/vmbackup/state";

  @Option(names = "--repository", paramLabel = "NAME|DIR",
      description = "Backup repository: a name from the host configuration, or a directory (a path with a '/';"
          + " only the embedded worker and hosts whose allowRepositoryPaths cover it accept one). Default:"
          + " $VMBACKUP_REPOSITORY, else the host's default repository.")
  String repository;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Host configuration: repositories, hooks, notifications, Temporal connection (default: $VMBACKUP_CONFIG, else "
          + "/etc/vmbackup/vmbackup.yaml if it exists).")
  String config;

  @Mixin ConnectionOptions temporal;

  @Mixin LibvirtOptions libvirt;

  @Option(names = "--host", paramLabel = "HOST",
      description = "Host that runs the VM; its worker polls vmbackup-host-HOST (default: $VMBACKUP_HOST or this"
          + " machine's hostname).")
  String host;

  /** The command these options are mixed into, so that an error can name it. */
  @Spec(Spec.Target.MIXEE) CommandSpec command;

  @Option(names = "--json", description = "Print one JSON object on stdout instead of text.")
  boolean json;

  /**
   * The repository the user named, or null to let the host's worker use its default: a name as given,
   * a path (anything with a {@code /}) made absolute.
   */
  String requestedRepository() {
    String given = repository != null ? repository : System.getenv("VMBACKUP_REPOSITORY");
    if (given == null || given.isBlank()) {
      return null;
    }
    return given.contains("/") ? absolute(given) : given;
  }

  /**
   * This host's configuration file, or its defaults without one: a requested repository path is the
   * default repository of a host whose configuration defines none.
   */
  HostConfig hostConfig() {
    String requested = requestedRepository();
    Path fallback = Path.of(requested != null && requested.startsWith("/") ? requested : DEFAULT_REPOSITORY);
    return HostConfigFile.load(HostConfigFile.locate(configFile(), null), fallback);
  }

  /** The configuration file the user named ({@code --config} or {@code $VMBACKUP_CONFIG}), or null. */
  String configFile() {
    String env = System.getenv("VMBACKUP_CONFIG");
    return config != null ? config : env == null || env.isBlank() ? null : env;
  }

  /**
   * A repository as this host's configuration defines it, for the commands that read or write it here.
   *
   * @param name its name, or null for a repository given as a directory
   * @param config its definition (kind, path, store settings)
   */
  record LocalRepository(String name, HostConfig.Repository config) {
    boolean isStore() {
      return config.isStore();
    }

    /** A repository of kind files: its directory. A store: its staging directory. */
    Path workingDirectory() {
      return config.workingDirectory(name);
    }
  }

  /**
   * The repository the user named, else the host's default: a directory (anything with a {@code /}) is
   * one of kind files, a name is looked up in the host's configuration.
   *
   * @throws UserError if the name is not defined there
   */
  LocalRepository localRepository() {
    String requested = requestedRepository();
    if (requested != null && requested.startsWith("/")) {
      return new LocalRepository(null, new HostConfig.Repository(HostConfig.Repository.FILES, requested));
    }
    HostConfig host = hostConfig();
    String name;
    try {
      name = requested == null ? host.defaultRepository() : Validation.configName("repository", requested);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    if (name == null) {
      throw new UserError("this host's configuration defines several repositories and no defaultRepository:"
          + " give --repository NAME (" + String.join(", ", host.repositories().keySet()) + ")");
    }
    HostConfig.Repository named = host.repositories().get(name);
    if (named == null) {
      throw new UserError("repository '" + name + "' is not defined in this host's configuration (it defines "
          + String.join(", ", host.repositories().keySet()) + ")");
    }
    return new LocalRepository(name, named);
  }

  /**
   * The directory of the repository of kind files that this command reads here (list, verify, protect, the
   * API).
   *
   * @throws UserError naming the command if the repository is a store, which it cannot read
   */
  String filesRepository() {
    LocalRepository repository = localRepository();
    if (repository.isStore()) {
      throw new UserError("repository " + repository.name() + " is a store; " + commandName()
          + " does not read stores yet");
    }
    return repository.workingDirectory().toString();
  }

  /**
   * The name of the store this command reads or writes here.
   *
   * @throws UserError naming the command if the repository is not a store of this host's configuration
   */
  String storeRepository() {
    LocalRepository repository = localRepository();
    if (!repository.isStore()) {
      throw new UserError("repository " + (repository.name() == null ? repository.config().path()
          : repository.name()) + " is of kind files; " + commandName() + " reads stores only");
    }
    return repository.name();
  }

  /** {@code vmbackup verify}, say: the command these options belong to, as the user typed it. */
  private String commandName() {
    return command == null ? "this command" : command.qualifiedName();
  }

  /** The Temporal address the user gave (option, environment or configuration file), or null. */
  String temporalAddress() {
    return temporal.address(hostConfig().temporal());
  }

  /**
   * How to reach Temporal: the settings the user gave (options, environment, configuration file), with the
   * address else {@code fallbackAddress}.
   */
  TemporalConnection connection(String fallbackAddress) {
    return temporal.connection(fallbackAddress, hostConfig().temporal());
  }

  String effectiveHost() {
    if (host != null) {
      return host;
    }
    String env = System.getenv("VMBACKUP_HOST");
    return env == null || env.isBlank() ? WorkerConfig.localHostName() : env;
  }

  /** The libvirt connection URI of the commands that reach libvirt themselves. */
  String libvirtUri() {
    return libvirt.uri();
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
