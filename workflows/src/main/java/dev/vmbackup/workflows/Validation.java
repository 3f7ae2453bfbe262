package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.Notify;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Checks every name and path that comes from a user before anything uses it. Names end up in file
 * paths and task queue names, so only a conservative alphabet is accepted: no path separators, no
 * {@code ..}, nothing a shell or a path could misread.
 */
public final class Validation {
  private static final Pattern DOMAIN_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}");
  private static final Pattern DOMAIN_GLOB = Pattern.compile("[A-Za-z0-9_.+*?\\[\\]-]{1,128}");
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,252}");

  private Validation() {}

  /** Returns the name, or throws with a message that names the problem. */
  public static String domainName(String what, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(what + " is required");
    }
    if (name.contains("/") || name.contains("..") || !DOMAIN_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " '" + printable(name) + "' is not allowed: use letters, digits and . _ + - only"
              + " (no '/' or '..', at most 128 characters, not starting with '.', '+' or '-')");
    }
    return name;
  }

  /**
   * A glob of domain names ({@code *}, {@code ?}, {@code [...]} and the characters of a domain name), as
   * policies and the host configuration give them; {@code what} begins the message.
   */
  public static String domainGlob(String what, String glob) {
    if (glob == null || !DOMAIN_GLOB.matcher(glob).matches()) {
      throw new IllegalArgumentException(what + " '" + printable(glob)
          + "' may use letters, digits, . _ + - and the wildcards * ? [ ]");
    }
    return glob;
  }

  public static String hostName(String name) {
    if (name == null || !HOST_NAME.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException(
          "host '" + printable(name) + "' is not allowed: use letters, digits and . _ - only");
    }
    return name;
  }

  /**
   * The name of something the host configuration defines: a repository, a hook, a notification.
   * Requests carry such names only; a command line, a URL or a path in their place is refused here
   * with a message that says so, before it reaches anything that could run or open it.
   *
   * @param kind {@code repository}, {@code hook} or {@code notification}
   */
  public static String configName(String kind, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(kind + " name is required");
    }
    if (name.contains("..") || !DOMAIN_NAME.matcher(name).matches()) {
      String kinds = kind.endsWith("y") ? kind.substring(0, kind.length() - 1) + "ies" : kind + "s";
      throw new IllegalArgumentException(kinds + " are named in the host configuration; '" + printable(name)
          + "' is not a " + kind + " name (letters, digits and . _ + - only)");
    }
    return name;
  }

  /**
   * A notification is a name only: a URL or command where the name belongs is refused (an older policy
   * carried {@code webhook} and {@code command} fields, which would make a host POST or run whatever a
   * request says).
   */
  public static String notification(Notify notify) {
    if (notify.webhook() != null || !notify.command().isEmpty()) {
      String given = notify.webhook() != null ? notify.webhook() : String.join(" ", notify.command());
      throw new IllegalArgumentException("notifications are named in the host configuration; '"
          + printable(given) + "' is not a notification name (give name: NAME, not webhook or command)");
    }
    return configName("notification", notify.name());
  }

  /** Whether the value has the form of a configuration name; says nothing about whether a host defines it. */
  public static boolean isConfigName(String name) {
    return name != null && !name.contains("..") && DOMAIN_NAME.matcher(name).matches();
  }

  /**
   * A requested repository: a name from the host configuration, or an absolute path, which only a host
   * that allows repository paths accepts (the command line's embedded worker, or a host configured
   * with {@code allowRepositoryPaths}). Which of them exists is the host's decision, not this check's.
   */
  public static String repository(String repository) {
    if (repository != null && repository.startsWith("/")) {
      return absolutePath("repository", repository);
    }
    return configName("repository", repository);
  }

  public static String backupId(String id) {
    if (!BackupIds.isValid(id)) {
      throw new IllegalArgumentException(
          "backup id '" + printable(id) + "' is not valid: expected a UTC timestamp such as 20261122T221500Z");
    }
    return id;
  }

  /** An absolute, already normalized path: no {@code ..} or {@code .} segments, no control characters. */
  public static String absolutePath(String what, String path) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(what + " is required");
    }
    for (char c : path.toCharArray()) {
      if (Character.isISOControl(c)) {
        throw new IllegalArgumentException(what + " '" + printable(path) + "' contains a control character");
      }
    }
    Path parsed = Path.of(path);
    if (!parsed.isAbsolute()) {
      throw new IllegalArgumentException(what + " '" + path + "' must be an absolute path");
    }
    if (!parsed.normalize().equals(parsed) || path.contains("/../") || path.endsWith("/..")) {
      throw new IllegalArgumentException(what + " '" + path + "' must not contain '.' or '..' segments");
    }
    return parsed.toString();
  }

  /** {@code value} with control characters replaced by {@code ?}, so that quoting it keeps an error message on one line. */
  public static String printable(String value) {
    if (value == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (char c : value.toCharArray()) {
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return out.toString();
  }
}
