package dev.vmbackup.starter;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.StoreException;
import dev.vmbackup.worker.WorkerAssembly;
import dev.vmbackup.workflows.Validation;
import java.util.function.BiFunction;

/**
 * A store of this host's configuration, reached by one command and closed when it ends. Opened through
 * the {@link Stores} port that the worker uses too, so that the command line and the worker agree on
 * where a store is and with which key. A store's own refusals (a wrong key, a store not created yet, one
 * already there) become one line that names the store.
 */
final class StoreAccess implements AutoCloseable {
  private final String name;
  private final HostConfig.Repository config;
  private final Stores stores;

  private StoreAccess(String name, HostConfig.Repository config, Stores stores) {
    this.name = name;
    this.config = config;
    this.stores = stores;
  }

  /**
   * The store the command's {@code --repository} (or the host's default) names.
   *
   * @throws UserError if that is not a store of this host's configuration
   */
  static StoreAccess of(GlobalOptions options) {
    return named(options, options.storeRepository());
  }

  /**
   * {@code name} checked to be a store repository of this host's configuration: one line naming the
   * problem if it is not a name, is not defined, or is of kind files ({@code whenFiles} says what then).
   */
  static String storeName(GlobalOptions options, String name, String whenFiles) {
    HostConfig host = options.hostConfig();
    String checked;
    try {
      checked = Validation.configName("repository", name);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    HostConfig.Repository repository = host.repositories().get(checked);
    if (repository == null) {
      throw new UserError("repository '" + name + "' is not defined in this host's configuration (it defines "
          + String.join(", ", host.repositories().keySet()) + ")");
    }
    if (!repository.isStore()) {
      throw new UserError("repository " + name + " is of kind files" + whenFiles);
    }
    return checked;
  }

  /** The store named {@code name} in this host's configuration (not necessarily a store: see {@link #init}). */
  static StoreAccess named(GlobalOptions options, String name) {
    HostConfig host = options.hostConfig();
    return new StoreAccess(name, host.repositories().get(name), WorkerAssembly.stores(host));
  }

  String name() {
    return name;
  }

  /** Where the store is: its directory or {@code s3://bucket/prefix}. */
  String location() {
    return config.path();
  }

  /** The store, open and checked against its key. */
  ChunkStore open() {
    return call(Stores::open);
  }

  /** Creates the store, empty; refuses a place that holds one already. */
  ChunkStore init() {
    return call(Stores::init);
  }

  private ChunkStore call(BiFunction<Stores, String, ChunkStore> action) {
    try {
      return action.apply(stores, name);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    } catch (StoreException e) {
      // ConfiguredStores names the store itself in some messages ("store 'x' (...) has not been created").
      throw new UserError(e.getMessage().startsWith("store '" + name + "'") ? e.getMessage()
          : "store " + name + " (" + location() + "): " + e.getMessage());
    }
  }

  @Override
  public void close() {
    stores.close();
  }
}
