package dev.vmbackup.bench;

import dev.vmbackup.activities.HostSettings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.libvirt.Connect;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEventType;

/**
 * libvirt's measure of a pause: lifecycle events, suspended to resumed (or stopped to started, for a
 * save and restore), summed per domain.
 */
final class PauseEvents implements AutoCloseable {
  private final Connect connect;
  private final Thread loop;
  private final Map<String, Long> pausedSince = new ConcurrentHashMap<>();
  private final Map<String, Long> pausedNanos = new ConcurrentHashMap<>();

  PauseEvents() throws LibvirtException {
    Library.initEventLoop();
    connect = new Connect(HostSettings.libvirtUri(null), true);
    connect.addLifecycleListener((domain, event) -> {
      try {
        String name = domain.getName();
        DomainEventType type = event.getType();
        long now = System.nanoTime();
        if (type == DomainEventType.SUSPENDED || type == DomainEventType.STOPPED) {
          pausedSince.putIfAbsent(name, now);
        } else if (type == DomainEventType.RESUMED || type == DomainEventType.STARTED) {
          Long since = pausedSince.remove(name);
          if (since != null) {
            pausedNanos.merge(name, now - since, Long::sum);
          }
        }
      } catch (LibvirtException e) {
        // A domain gone meanwhile has nothing to measure.
      }
      return 0;
    });
    loop = new Thread(() -> {
      try {
        Library.runEventLoop();
      } catch (LibvirtException | InterruptedException e) {
        // The loop ends with the benchmark.
      }
    }, "libvirt-events");
    loop.setDaemon(true);
    loop.start();
  }

  void reset(String domain) {
    pausedSince.remove(domain);
    pausedNanos.remove(domain);
  }

  double pausedMillis(String domain) {
    return pausedNanos.getOrDefault(domain, 0L) / 1e6;
  }

  @Override
  public void close() {
    try {
      Library.stopEventLoop();
      connect.close();
    } catch (LibvirtException e) {
      // Closing at the end of the run.
    }
  }
}
