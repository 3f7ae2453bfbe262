package dev.vmbackup.starter.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The bearer tokens {@code vmbackup server} accepts, each with a role. Read from a token file: one token a
 * line as {@code ROLE:TOKEN}, where ROLE is {@code read} or {@code operate}; blank lines and lines starting
 * with {@code #} are ignored. No tokens at all means an open API, which the server only allows on loopback.
 */
public final class ApiTokens {
  /**
   * The property {@code vmbackup server} sets. The API's beans require it, so that a worker's HTTP port
   * (health and metrics) never serves the API, which would have no tokens there.
   */
  public static final String ENABLED = "vmbackup.api.enabled";

  /** What a token may do; {@code OPERATE} includes everything {@code READ} may. */
  public enum Role {
    /** Lists, status, metrics: every GET. */
    READ,
    /** Start, cancel, verify, policies: every request that is not a GET. */
    OPERATE;

    boolean allows(Role needed) {
      return this == OPERATE || needed == READ;
    }

    String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Only the digest of each token is kept, so that comparisons take the same time whatever the input. */
  private record Entry(Role role, byte[] digest) {}

  private final List<Entry> entries;

  private ApiTokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static ApiTokens none() {
    return new ApiTokens(List.of());
  }

  /** The tokens of a token file; a malformed line is an {@link IllegalArgumentException} naming it. */
  public static ApiTokens read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the token file " + file + ": " + e.getMessage(), e);
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String role = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String token = colon < 0 ? "" : line.substring(colon + 1).strip();
      // The line itself is never echoed: it holds a secret.
      String where = "the token file " + file + ", line " + (i + 1);
      if (!role.equals("read") && !role.equals("operate")) {
        throw new IllegalArgumentException(where + ": expected ROLE:TOKEN with ROLE read or operate");
      }
      if (token.isEmpty()) {
        throw new IllegalArgumentException(where + ": the token is empty");
      }
      entries.add(new Entry(Role.valueOf(role.toUpperCase(Locale.ROOT)), digest(token)));
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("the token file " + file + " has no token (lines ROLE:TOKEN)");
    }
    return new ApiTokens(entries);
  }

  /** These tokens and one more. */
  public ApiTokens plus(Role role, String token) {
    List<Entry> more = new ArrayList<>(entries);
    more.add(new Entry(role, digest(token)));
    return new ApiTokens(more);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * The role of the presented token, if it is one of these. Every entry is compared, in constant time,
   * whether or not an earlier one matched, so that response timing reveals neither a token nor its place.
   */
  public Optional<Role> roleOf(String presented) {
    byte[] given = digest(presented == null ? "" : presented);
    Role found = null;
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(given, entry.digest()) && found == null) {
        found = entry.role();
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
