package dev.vmbackup.workflows;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which hosts a fleet policy's {@code hosts} select. An entry is a host name or a glob ({@code *},
 * {@code ?}, {@code [...]}). A name is taken as it is, registered or not: a host whose worker is down
 * must show up in the run's result as skipped rather than silently vanish. A glob matches the
 * <em>registered</em> hosts only (see {@link HostRegistryWorkflow}), since Temporal cannot enumerate
 * task queues: it selects every host whose worker has ever registered and has not been forgotten.
 */
public final class HostSelection {
  private static final Pattern ENTRY = Pattern.compile("[A-Za-z0-9_.*?\\[\\]-]{1,253}");

  private HostSelection() {}

  /** What the hosts resolved to: sorted, without duplicates, and the globs that matched no host. */
  public record Selected(List<String> hosts, List<String> unmatchedGlobs) {
    public Selected {
      hosts = List.copyOf(hosts);
      unmatchedGlobs = List.copyOf(unmatchedGlobs);
    }
  }

  /** Whether an entry of {@code hosts} is a glob rather than a host name. */
  public static boolean isGlob(String entry) {
    return entry.indexOf('*') >= 0 || entry.indexOf('?') >= 0 || entry.indexOf('[') >= 0;
  }

  /** Refuses an entry that is neither a host name nor a glob of host-name characters. */
  static void checkEntry(String entry) {
    if (entry == null || !isGlob(entry)) {
      Validation.hostName(entry);
    } else if (!ENTRY.matcher(entry).matches()) {
      throw new IllegalArgumentException("hosts: '" + Validation.printable(entry)
          + "' may use letters, digits, . _ - and the wildcards * ? [ ]");
    }
  }

  /**
   * Resolves the entries against the registered hosts. Pure, so that the workflow decides the same on
   * replay from the registered hosts recorded in its history.
   */
  public static Selected resolve(List<String> entries, List<String> registered) {
    TreeSet<String> hosts = new TreeSet<>();
    List<String> unmatched = new ArrayList<>();
    for (String entry : entries) {
      if (!isGlob(entry)) {
        hosts.add(entry);
        continue;
      }
      // The JDK's glob matcher, as for domain globs on the host; a host name has no '/' to trip it.
      PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + entry);
      List<String> matched = registered.stream().filter(host -> glob.matches(Path.of(host))).toList();
      if (matched.isEmpty()) {
        unmatched.add(entry);
      }
      hosts.addAll(matched);
    }
    return new Selected(new ArrayList<>(hosts), unmatched);
  }
}
