package dev.vmbackup.store;

/** The store contract over a local directory. */
class LocalStoreTest extends StoreContract {
  @Override
  Backend newBackend() {
    return new LocalBackend(dir.resolve("store"));
  }
}
