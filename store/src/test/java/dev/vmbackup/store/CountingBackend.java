package dev.vmbackup.store;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A backend that records which keys were read, to prove that a refused open read nothing else. */
class CountingBackend implements Backend {
  private final Backend inner;
  final Set<String> read = ConcurrentHashMap.newKeySet();

  CountingBackend(Backend inner) {
    this.inner = inner;
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return inner.putIfAbsent(key, data);
  }

  @Override
  public Optional<byte[]> get(String key) {
    read.add(key);
    return inner.get(key);
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    read.add(key);
    return inner.stat(key);
  }

  @Override
  public void touch(String key) {
    inner.touch(key);
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    read.add(prefix + "*");
    return inner.list(prefix);
  }

  @Override
  public void delete(String key) {
    inner.delete(key);
  }

  @Override
  public void flush() {
    inner.flush();
  }

  @Override
  public int concurrency() {
    return inner.concurrency();
  }

  @Override
  public void close() {
    inner.close();
  }
}
