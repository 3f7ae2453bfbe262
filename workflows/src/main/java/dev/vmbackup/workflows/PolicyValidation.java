package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupPolicy;
import io.temporal.failure.ApplicationFailure;
import java.util.regex.Pattern;

/** Checks a policy before it is scheduled and again when it runs. */
public final class PolicyValidation {
  private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9_.+*?\\[\\]-]{1,128}");

  private PolicyValidation() {}

  /** Throws {@code INVALID_INPUT} naming the first problem. */
  public static void validate(BackupPolicy policy) {
    try {
      check(policy);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.INVALID_INPUT.name());
    }
  }

  /** The same check for callers outside a workflow: throws {@link IllegalArgumentException}. */
  public static void check(BackupPolicy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("a policy is required");
    }
    Validation.domainName("policy name", policy.name());
    boolean byName = !policy.domains().isEmpty();
    boolean byGlob = policy.domainGlob() != null && !policy.domainGlob().isBlank();
    if (byName == byGlob) {
      throw new IllegalArgumentException("policy " + policy.name() + ": give either domains or domainGlob");
    }
    policy.domains().forEach(domain -> Validation.domainName("domain", domain));
    if (byGlob && !GLOB.matcher(policy.domainGlob()).matches()) {
      throw new IllegalArgumentException("policy " + policy.name() + ": domainGlob '" + policy.domainGlob()
          + "' may use letters, digits, . _ + - and the wildcards * ? [ ]");
    }
    if (policy.host() != null) {
      Validation.hostName(policy.host());
    }
    if (policy.repository() != null) {
      Validation.absolutePath("repository", policy.repository());
    }
  }
}
