package dev.vmbackup.store;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that, once told to, stores a number of objects more and then fails every further store, as a
 * writer interrupted by a lost connection would see it; {@link #heal()} ends the failures.
 */
class FailingBackend extends CountingBackend {
  private final AtomicInteger puts = new AtomicInteger();
  private volatile int allowed = Integer.MAX_VALUE;

  FailingBackend(Backend inner) {
    super(inner);
  }

  /** Stores {@code more} objects from now on, then fails. */
  void failAfter(int more) {
    allowed = puts.get() + more;
  }

  /** Lets every further store through. */
  void heal() {
    allowed = Integer.MAX_VALUE;
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    if (puts.incrementAndGet() > allowed) {
      throw new BackendException("injected failure storing " + key, null);
    }
    return super.putIfAbsent(key, data);
  }
}
