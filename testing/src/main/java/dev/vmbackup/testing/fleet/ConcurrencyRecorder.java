package dev.vmbackup.testing.fleet;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Counts the backups in flight on each simulated host and across the fleet, and the most ever seen.
 * A backup is in flight from its snapshot (the simulated hypervisor's call) until its verification's
 * image check (the simulated image tool's): the span in which it holds the host's disks and bandwidth,
 * and a span inside its {@code BackupWorkflow}, so it can never legitimately exceed the limits that the
 * plan workflows enforce on those workflows.
 *
 * <p>Thread-safe: every host's activities report here from their own threads.
 */
public final class ConcurrencyRecorder {
  private final Map<String, Set<String>> inFlight = new HashMap<>();
  private final Map<String, Integer> maxPerHost = new LinkedHashMap<>();
  private final Map<String, Integer> completedPerHost = new HashMap<>();
  private int fleet;
  private int maxFleet;
  private long firstBeginMillis = Long.MAX_VALUE;
  private long lastEndMillis;

  /** A backup of {@code domain} on {@code host} took its snapshot. A repeated begin (a retry) counts once. */
  public synchronized void begin(String host, String domain) {
    if (!inFlight.computeIfAbsent(host, h -> new HashSet<>()).add(domain)) {
      return;
    }
    fleet++;
    maxFleet = Math.max(maxFleet, fleet);
    maxPerHost.merge(host, inFlight.get(host).size(), Math::max);
    firstBeginMillis = Math.min(firstBeginMillis, System.currentTimeMillis());
  }

  /** The backup's image was checked; ending one that is not in flight (a second check) changes nothing. */
  public synchronized void end(String host, String domain) {
    Set<String> running = inFlight.get(host);
    if (running == null || !running.remove(domain)) {
      return;
    }
    fleet--;
    completedPerHost.merge(host, 1, Integer::sum);
    lastEndMillis = Math.max(lastEndMillis, System.currentTimeMillis());
  }

  /** The most backups ever in flight on any one host. */
  public synchronized int maxPerHost() {
    return maxPerHost.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** The most backups ever in flight on each host. */
  public synchronized Map<String, Integer> maxByHost() {
    return Map.copyOf(maxPerHost);
  }

  /** The most backups ever in flight across the fleet. */
  public synchronized int maxFleet() {
    return maxFleet;
  }

  /** Backups in flight now; after a run, those whose verification never came (failed backups). */
  public synchronized int inFlight() {
    return fleet;
  }

  /** Backups that went from snapshot to check. */
  public synchronized int completed() {
    return completedPerHost.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Milliseconds from the first snapshot to the last check: the part of the run that is host work. */
  public synchronized long hostSpanMillis() {
    return lastEndMillis == 0 ? 0 : lastEndMillis - firstBeginMillis;
  }
}
