package dev.vmbackup.host.repository;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.store.Backend;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.LocalBackend;
import dev.vmbackup.store.S3Backend;
import dev.vmbackup.store.S3Settings;
import dev.vmbackup.store.StoreConfig;
import dev.vmbackup.store.StoreException;
import dev.vmbackup.store.StoreKey;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stores of a host's configuration ({@code kind: store}), on a local or mounted directory or on
 * S3-compatible object storage. Each is opened once and kept open, so that its thread pool and HTTP
 * connections serve every step that uses it.
 */
public final class ConfiguredStores implements Stores, AutoCloseable {
  private final HostConfig config;
  private final Map<String, Opened> open = new ConcurrentHashMap<>();

  private record Opened(Backend backend, ChunkStore store) {}

  public ConfiguredStores(HostConfig config) {
    this.config = config;
  }

  @Override
  public ChunkStore open(String name) {
    return open.computeIfAbsent(name, this::connect).store();
  }

  @Override
  public synchronized ChunkStore init(String name) {
    HostConfig.Repository repository = repository(name);
    // The key first: a local backend creates its directory, and a bad key file must leave nothing behind.
    StoreKey key = key(repository);
    Backend backend = backend(name, repository, true);
    try {
      ChunkStore store = ChunkStore.init(backend, StoreConfig.DEFAULT_CHUNK_SIZE, key);
      open.put(name, new Opened(backend, store));
      return store;
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
  }

  @Override
  public java.util.Optional<String> stagedIn(String directory) {
    if (directory == null) {
      return java.util.Optional.empty();
    }
    Path path = Path.of(directory).toAbsolutePath().normalize();
    return config.repositories().entrySet().stream()
        .filter(entry -> entry.getValue().isStore()
            && entry.getValue().workingDirectory(entry.getKey()).toAbsolutePath().normalize().equals(path))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  private Opened connect(String name) {
    HostConfig.Repository repository = repository(name);
    Backend backend = backend(name, repository, false);
    try {
      return new Opened(backend, ChunkStore.open(backend, key(repository)));
    } catch (StoreException e) {
      backend.close();
      if (e.getMessage().contains(ChunkStore.CONFIG_KEY + " is missing")) {
        throw new StoreException("store '" + name + "' (" + repository.path() + ") has not been created: run"
            + " vmbackup repository init " + name);
      }
      throw e;
    }
  }

  private HostConfig.Repository repository(String name) {
    HostConfig.Repository repository = config.repositories().get(name);
    if (repository == null || !repository.isStore()) {
      throw new IllegalArgumentException("'" + name + "' is not a store repository of this host"
          + (repository == null ? "" : " (it is of kind " + repository.kind() + ")"));
    }
    return repository;
  }

  private static Backend backend(String name, HostConfig.Repository repository, boolean creating) {
    if (repository.isS3()) {
      URI location = URI.create(repository.path());
      String prefix = location.getPath() == null || location.getPath().length() <= 1 ? ""
          : location.getPath().substring(1).replaceAll("/*$", "/");
      S3Settings defaults = S3Settings.of(URI.create(repository.endpoint()), location.getHost(), prefix,
          Path.of(repository.credentialsFile()));
      return new S3Backend(new S3Settings(defaults.endpoint(), repository.region() == null ? defaults.region()
          : repository.region(), defaults.bucket(), defaults.prefix(), defaults.credentialsFile(),
          defaults.profile(), defaults.concurrency(), defaults.retryBudget()));
    }
    Path root = Path.of(repository.path());
    // Opening never creates the directory: a store whose file system is not mounted must fail, not be
    // replaced by an empty directory on the host's own disk.
    if (!creating && !Files.isRegularFile(root.resolve(ChunkStore.CONFIG_KEY))) {
      throw new StoreException("store '" + name + "' (" + root + ") has not been created: run vmbackup"
          + " repository init " + name);
    }
    return new LocalBackend(root);
  }

  private static StoreKey key(HostConfig.Repository repository) {
    return repository.keyFile() == null ? null : StoreKey.read(Path.of(repository.keyFile()));
  }

  @Override
  public void close() {
    open.values().forEach(opened -> {
      opened.store().close();
      opened.backend().close();
    });
    open.clear();
  }
}
