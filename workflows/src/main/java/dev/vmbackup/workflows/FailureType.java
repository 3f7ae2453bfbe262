package dev.vmbackup.workflows;

import java.util.Arrays;

/**
 * The failures that retrying cannot fix. Activities classify errors once, at their boundary: one of
 * these becomes a non-retryable {@code ApplicationFailure} whose type is the constant's name; anything
 * else is thrown as is and retried by the activity's retry policy.
 */
public enum FailureType {
  /** The request names something malformed: a domain with {@code /}, a relative path, an unknown mode. */
  INVALID_INPUT,
  DOMAIN_NOT_FOUND,
  /** Another backup or restore of the same domain holds its lock. */
  BACKUP_ALREADY_RUNNING,
  /** The domain is in a state the operation cannot start from (crashed, suspended to disk, running for an offline restore). */
  DOMAIN_STATE,
  /** A disk the backup cannot cover: network-backed, or of a kind that cannot take an external overlay. */
  UNSUPPORTED_DISK,
  REPOSITORY_NOT_WRITABLE,
  REPOSITORY_FULL,
  BACKUP_NOT_FOUND,
  /** A retained file does not match its manifest, or an image fails {@code qemu-img check}. */
  VERIFICATION_FAILED,
  /** A disk no longer has the chain the operation expects: changed outside vmbackup meanwhile. */
  DISK_CHAIN_CHANGED,
  /** A restore would overwrite an existing domain or file. */
  TARGET_EXISTS,
  /** libvirt refused the request for a reason a retry does not change (unsupported configuration, bad XML). */
  HYPERVISOR_REFUSED,
  /** A pre- or post-snapshot hook command failed. */
  HOOK_FAILED;

  /** Whether a failure's type string names one of these types (and not, say, a Java class). */
  public static boolean isName(String type) {
    return type != null && Arrays.stream(values()).anyMatch(value -> value.name().equals(type));
  }

  /** Every type, for {@code RetryOptions.setDoNotRetry}. */
  public static String[] allNames() {
    return Arrays.stream(values()).map(Enum::name).toArray(String[]::new);
  }
}
