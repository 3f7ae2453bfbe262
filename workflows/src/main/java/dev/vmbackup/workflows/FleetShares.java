package dev.vmbackup.workflows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a fleet run divides its fleet-wide limit {@code maxConcurrent} among the hosts waiting to start.
 *
 * <p>The rule: the free slots are dealt out one at a time, round-robin over the waiting hosts in the
 * order given (the fleet run gives them sorted by name, so the deal is deterministic), and a host takes
 * no more than it can use: {@code min(maxConcurrentPerHost, its VM count)}. A host dealt at least one
 * slot starts its plan with that many as its per-host limit and keeps them until its plan ends; a host
 * dealt none waits for slots to come free. Since every running plan runs at most its share of backups
 * at once and the shares of running plans never add up to more than {@code maxConcurrent}, backups
 * across the fleet never exceed it.
 */
final class FleetShares {
  private FleetShares() {}

  /**
   * @param free slots not held by a running host plan
   * @param demands per waiting host, in dealing order: the most slots it can use (at least 1)
   * @return the hosts dealt at least one slot, with their shares, in dealing order
   */
  static Map<String, Integer> deal(int free, Map<String, Integer> demands) {
    Map<String, Integer> shares = new LinkedHashMap<>();
    List<String> order = List.copyOf(demands.keySet());
    boolean dealt = true;
    while (free > 0 && dealt) {
      dealt = false;
      for (String host : order) {
        int share = shares.getOrDefault(host, 0);
        if (free > 0 && share < demands.get(host)) {
          shares.put(host, share + 1);
          free--;
          dealt = true;
        }
      }
    }
    return shares;
  }
}
