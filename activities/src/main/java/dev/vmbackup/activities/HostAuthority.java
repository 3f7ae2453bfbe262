package dev.vmbackup.activities;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.Hooks;
import dev.vmbackup.workflows.model.Notify;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the names a request carries against this host's configuration, when the host acts. A name
 * the host does not define, or anything that is not a name (a command, a URL, a path where paths are
 * not allowed), fails {@code INVALID_INPUT} naming it and the host: the host, not whoever started the
 * workflow, decides what runs and where backups go.
 */
public final class HostAuthority {
  private final String host;
  private final HostConfig config;

  public HostAuthority(HostSettings settings) {
    this.host = settings.host();
    this.config = settings.config();
  }

  /**
   * The directory of the requested repository: a configured name, an allowed path, or the default when
   * null. The path of a repository the host itself configured is accepted too: it names nothing the host
   * did not choose (a starter on the same host may know its repository by path).
   */
  public Path repository(String requested) {
    if (requested == null) {
      return config.defaultRepositoryPath();
    }
    if (requested.startsWith("/")) {
      Path path = Path.of(Validation.absolutePath("repository", requested));
      // A store's staging directory is not a repository: a backup requested there would never reach the store.
      boolean configured = config.repositories().values().stream()
          .anyMatch(repository -> !repository.isStore() && real(Path.of(repository.path())).equals(real(path)));
      if (!configured && config.allowRepositoryPaths().stream().noneMatch(allowed -> real(path).startsWith(real(Path.of(allowed))))) {
        throw refused("repositories are named in the host configuration; '" + requested
            + "' is not a repository name, and host " + host + " allows no repository path there"
            + " (allowRepositoryPaths)");
      }
      return path;
    }
    String name = Validation.configName("repository", requested);
    return configured(name).workingDirectory(name);
  }

  /**
   * The name of the store the requested repository is, or null when it is a repository of kind files (or a
   * path). A backup into a store is made in its staging directory ({@link #repository}) and then goes
   * into the store under this name.
   */
  public String store(String requested) {
    if (requested != null && requested.startsWith("/")) {
      return null;
    }
    String name = requested == null ? config.defaultRepository() : Validation.configName("repository", requested);
    if (name == null) {
      return null;
    }
    return configured(name).isStore() ? name : null;
  }

  private HostConfig.Repository configured(String name) {
    HostConfig.Repository repository = config.repositories().get(name);
    if (repository == null) {
      throw refused("repository '" + name + "' is not defined on host " + host
          + known(config.repositories().keySet()));
    }
    return repository;
  }

  /** The hook of that name. */
  public HostConfig.Hook hook(String name) {
    HostConfig.Hook hook = config.hooks().get(Validation.configName("hook", name));
    if (hook == null) {
      throw refused("hook '" + name + "' is not defined on host " + host + known(config.hooks().keySet()));
    }
    return hook;
  }

  /** Checks every hook a backup names, so that an unknown one is refused before the backup does anything. */
  public void checkHooks(Hooks hooks) {
    if (hooks != null) {
      if (hooks.preSnapshot() != null) {
        hook(hooks.preSnapshot());
      }
      if (hooks.postSnapshot() != null) {
        hook(hooks.postSnapshot());
      }
    }
  }

  /** The notification a policy names. */
  public HostConfig.Notification notification(Notify notify) {
    String name = Validation.notification(notify);
    HostConfig.Notification notification = config.notifications().get(name);
    if (notification == null) {
      throw refused("notification '" + name + "' is not defined on host " + host
          + known(config.notifications().keySet()));
    }
    return notification;
  }

  /**
   * The path with its existing part's symbolic links resolved, so that a link below an allowed directory
   * cannot lead a repository out of it.
   */
  private static Path real(Path path) {
    Path existing = path;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return path;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String known(java.util.Set<String> names) {
    return names.isEmpty() ? " (it defines none)" : " (it defines " + String.join(", ", names) + ")";
  }

  private static HostFailure refused(String message) {
    return new HostFailure(FailureType.INVALID_INPUT, message);
  }
}
