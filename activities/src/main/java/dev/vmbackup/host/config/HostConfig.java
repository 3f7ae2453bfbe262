package dev.vmbackup.host.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this host lets requests use: its repositories, hooks and notifications, each by name. Requests
 * (workflow inputs, policies, the API) carry names only; the host looks each name up here when it acts
 * and refuses a name it does not define, so that whoever can start a workflow cannot run a command,
 * reach a URL or write a directory the host did not allow. Read from {@code /etc/vmbackup/vmbackup.yaml}
 * by {@link HostConfigFile}; immutable, and checked by {@link HostConfigFile} before it is used.
 *
 * @param repositories named repositories
 * @param defaultRepository the repository of requests that name none; absent with a single repository: that one
 * @param allowRepositoryPaths directories under which a request may give a repository as an absolute path
 *     instead of a name (none by default); the command line's embedded worker allows {@code /}, since its
 *     user is root on the host already
 * @param hooks named commands run around a backup's snapshot
 * @param notifications named places where a policy run reports
 * @param temporal how this host's worker, server and command line reach Temporal, under their own options
 *     and environment variables; all absent without a {@code temporal:} section
 * @param managedDomains a glob: the domains this host's worker manages in policy runs (the domains a
 *     policy's glob and a fleet run's inventory find); absent: every domain of its libvirt. For hosts
 *     that share one libvirt, such as two workers on one machine
 */
public record HostConfig(
    Map<String, Repository> repositories,
    String defaultRepository,
    List<String> allowRepositoryPaths,
    Map<String, Hook> hooks,
    Map<String, Notification> notifications,
    Temporal temporal,
    String managedDomains) {

  /** Where the worker, the server and the command line look for the file unless told otherwise. */
  public static final Path DEFAULT_FILE = Path.of("/etc/vmbackup/vmbackup.yaml");
  /** The repository of a host whose configuration defines none. */
  public static final String DEFAULT_REPOSITORY = "default";

  /** A configuration that manages every domain of its libvirt. */
  public HostConfig(Map<String, Repository> repositories, String defaultRepository, List<String> allowRepositoryPaths,
      Map<String, Hook> hooks, Map<String, Notification> notifications, Temporal temporal) {
    this(repositories, defaultRepository, allowRepositoryPaths, hooks, notifications, temporal, null);
  }

  public HostConfig {
    repositories = frozen(repositories);
    allowRepositoryPaths = allowRepositoryPaths == null ? List.of() : List.copyOf(allowRepositoryPaths);
    hooks = frozen(hooks);
    notifications = frozen(notifications);
    temporal = temporal == null ? Temporal.NONE : temporal;
    if (defaultRepository == null && repositories.size() == 1) {
      defaultRepository = repositories.keySet().iterator().next();
    }
  }

  /**
   * A repository.
   *
   * @param kind {@code files} (a directory of plain qcow2 backups on this host, the default) or
   *     {@code store} (a deduplicating, compressed, optionally encrypted store: docs/store-format.md)
   * @param path kind files: the directory, absolute. Kind store: a directory, absolute, or
   *     {@code s3://bucket/prefix}
   * @param staging kind store: the directory on this host where a backup is made and checked before it
   *     goes into the store (and a restore is unpacked); absent: {@code /var/lib/vmbackup/staging/<name>}
   * @param keyFile kind store: the key file of an encrypted store ({@code vmbackup key create}); absent:
   *     the store is not encrypted
   * @param endpoint kind store on S3: the service's URL ({@code http://host:port} or https)
   * @param credentialsFile kind store on S3: an AWS credentials file, absolute, readable by root only
   * @param region kind store on S3: the signing region; absent: {@code us-east-1}
   */
  public record Repository(String kind, String path, String staging, String keyFile, String endpoint,
      String credentialsFile, String region) {
    public static final String FILES = "files";
    public static final String STORE = "store";
    /** Where store repositories stage their backups unless told otherwise. */
    public static final Path STAGING_ROOT = Path.of("/var/lib/vmbackup/staging");

    public Repository {
      kind = kind == null ? FILES : kind;
    }

    /** A repository of kind files (or of the kind given) in a directory. */
    public Repository(String kind, String path) {
      this(kind, path, null, null, null, null, null);
    }

    public boolean isStore() {
      return STORE.equals(kind);
    }

    public boolean isS3() {
      return isStore() && path != null && path.startsWith("s3://");
    }

    /**
     * The directory the host's copy, verify and restore steps work in: the repository itself for kind
     * files, the staging directory for a store named {@code name}.
     */
    public Path workingDirectory(String name) {
      if (!isStore()) {
        return Path.of(path);
      }
      return staging != null ? Path.of(staging) : STAGING_ROOT.resolve(name);
    }
  }

  /**
   * A hook: a command run directly (never through a shell), with {@code VMBACKUP_DOMAIN},
   * {@code VMBACKUP_BACKUP_ID}, {@code VMBACKUP_PHASE} and {@code VMBACKUP_HOST} added to its environment.
   *
   * @param command the argument list; the program is an absolute path
   * @param timeoutSeconds the hook fails when it runs longer; absent: 600
   * @param environment more variables for the command
   */
  public record Hook(List<String> command, Integer timeoutSeconds, Map<String, String> environment) {
    public Hook {
      command = command == null ? List.of() : List.copyOf(command);
      environment = frozen(environment);
    }

    public Duration timeout() {
      return Duration.ofSeconds(timeoutSeconds == null ? 600 : timeoutSeconds);
    }
  }

  /**
   * A notification: an HTTP POST of the run's result as JSON, a command, or both.
   *
   * @param webhook an http or https URL
   * @param headersFile a file of {@code Name: value} lines sent with the POST (an authorization header,
   *     say), kept out of the configuration so that its secret can have its own permissions
   * @param command an argument list run with the JSON in the file named by {@code VMBACKUP_RESULT_FILE}
   */
  public record Notification(String webhook, String headersFile, List<String> command) {
    public Notification {
      command = command == null ? List.of() : List.copyOf(command);
    }
  }

  /**
   * The connection settings of the file's {@code temporal:} section, each the counterpart of a command-line
   * option and environment variable of the same meaning (which win over it). Absent keys are null.
   *
   * @param address Temporal frontend, {@code HOST:PORT} ({@code --temporal})
   * @param namespace Temporal namespace ({@code --namespace})
   * @param tls TLS with the system's CAs ({@code --tls})
   * @param tlsCa PEM CA bundle, absolute ({@code --tls-ca})
   * @param tlsCert PEM client certificate, absolute, with {@code tlsKey} ({@code --tls-cert})
   * @param tlsKey PKCS#8 PEM key of {@code tlsCert}, absolute ({@code --tls-key})
   * @param apiKeyFile file holding an API key, absolute ({@code --api-key-file})
   * @param payloadKeyFile file holding the payload key, absolute ({@code --payload-key-file})
   */
  public record Temporal(String address, String namespace, Boolean tls, String tlsCa, String tlsCert,
      String tlsKey, String apiKeyFile, String payloadKeyFile) {
    /** No {@code temporal:} section: every setting comes from the options, the environment or the defaults. */
    public static final Temporal NONE = new Temporal(null, null, null, null, null, null, null, null);
  }

  /** A host with no configuration file: one repository, no hooks, no notifications. */
  public static HostConfig defaults(Path repository) {
    return new HostConfig(Map.of(DEFAULT_REPOSITORY, new Repository(null, repository.toString())), null, null,
        null, null, null);
  }

  /**
   * The same configuration with a default repository at {@code repository} if it defines none: a file
   * that only defines hooks keeps the host's usual repository.
   */
  public HostConfig withRepositoryIfNone(Path repository) {
    if (!repositories.isEmpty()) {
      return this;
    }
    return new HostConfig(Map.of(DEFAULT_REPOSITORY, new Repository(null, repository.toString())), null,
        allowRepositoryPaths, hooks, notifications, temporal, managedDomains);
  }

  /** The same configuration, also accepting repository paths under {@code directory}. */
  public HostConfig allowingRepositoryPaths(String directory) {
    List<String> allowed = new java.util.ArrayList<>(allowRepositoryPaths);
    allowed.add(directory);
    return new HostConfig(repositories, defaultRepository, allowed, hooks, notifications, temporal, managedDomains);
  }

  /** The working directory of the default repository (see {@link Repository#workingDirectory}). */
  public Path defaultRepositoryPath() {
    return repositories.get(defaultRepository).workingDirectory(defaultRepository);
  }

  private static <V> Map<String, V> frozen(Map<String, V> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
