package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.Hooks;
import dev.vmbackup.workflows.model.Notify;
import io.temporal.failure.ApplicationFailure;

/** Checks a policy before it is scheduled and again when it runs. */
public final class PolicyValidation {

  /** A start spread longer than a day would outlast any sensible schedule interval. */
  static final int MAX_SPREAD_SECONDS = 86_400;

  /** Waiting longer than the forward steps' own pickup timeout for a host's inventory makes no sense. */
  static final int MAX_INVENTORY_SECONDS = 600;

  private PolicyValidation() {}

  /**
   * The check of the plan workflow: throws {@code INVALID_INPUT} naming the first problem. It leaves the
   * hook and notification names to the host that runs them (which refuses anything it does not define
   * before a backup starts), so that the workflow decides as it did for runs already recorded.
   */
  public static void validate(BackupPolicy policy) {
    try {
      checkShape(policy);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.INVALID_INPUT.name());
    }
  }

  /**
   * The check of the plan workflow, which runs the policy of one host: {@link #validate} and no
   * {@code hosts} (a fleet policy is run by {@code FleetPlanWorkflow}, which gives each host's plan a
   * policy of that host alone).
   */
  public static void validateSingleHost(BackupPolicy policy) {
    validate(policy);
    if (policy.fleet()) {
      throw ApplicationFailure.newNonRetryableFailure("policy " + policy.name()
          + " names hosts: it is run by FleetPlanWorkflow, not PlanWorkflow", FailureType.INVALID_INPUT.name());
    }
  }

  /** The check of the fleet plan workflow: {@link #validate} and a non-empty {@code hosts}. */
  public static void validateFleet(BackupPolicy policy) {
    validate(policy);
    if (!policy.fleet()) {
      throw ApplicationFailure.newNonRetryableFailure("policy " + policy.name()
          + " names no hosts: it is run by PlanWorkflow, not FleetPlanWorkflow", FailureType.INVALID_INPUT.name());
    }
  }

  /**
   * The check for callers outside a workflow (the command line, the API), before a policy is scheduled:
   * also refuses a command, URL or path where a hook or notification name belongs. Throws
   * {@link IllegalArgumentException}.
   */
  public static void check(BackupPolicy policy) {
    checkShape(policy);
    hookNames(policy.hooks());
    Notify notify = policy.notification();
    if (notify != null) {
      Validation.notification(notify);
    }
  }

  /** Refuses anything but names in a request's hooks. */
  public static void hookNames(Hooks hooks) {
    if (hooks != null) {
      if (hooks.preSnapshot() != null) {
        Validation.configName("hook", hooks.preSnapshot());
      }
      if (hooks.postSnapshot() != null) {
        Validation.configName("hook", hooks.postSnapshot());
      }
    }
  }

  private static void checkShape(BackupPolicy policy) {
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
    if (byGlob) {
      Validation.domainGlob("policy " + policy.name() + ": domainGlob", policy.domainGlob());
    }
    if (policy.host() != null) {
      Validation.hostName(policy.host());
    }
    if (policy.host() != null && policy.fleet()) {
      throw new IllegalArgumentException("policy " + policy.name() + ": give either host or hosts");
    }
    policy.hosts().forEach(HostSelection::checkEntry);
    if (policy.maxConcurrent() != null) {
      if (!policy.fleet()) {
        throw new IllegalArgumentException("policy " + policy.name()
            + ": maxConcurrent limits a fleet policy (hosts); a policy of one host has maxConcurrentPerHost");
      }
      if (policy.maxConcurrent() < 1) {
        throw new IllegalArgumentException("policy " + policy.name() + ": maxConcurrent must be at least 1");
      }
    }
    Integer pickup = policy.inventorySeconds();
    if (pickup != null && (!policy.fleet() || pickup < 1 || pickup > MAX_INVENTORY_SECONDS)) {
      throw new IllegalArgumentException("policy " + policy.name() + ": inventorySeconds is for fleet policies"
          + " (hosts), between 1 and " + MAX_INVENTORY_SECONDS);
    }
    Integer spread = policy.startSpreadSeconds();
    if (spread != null && (spread < 0 || spread > MAX_SPREAD_SECONDS)) {
      throw new IllegalArgumentException("policy " + policy.name() + ": startSpreadSeconds must be between 0 and "
          + MAX_SPREAD_SECONDS);
    }
    if (policy.repository() != null) {
      Validation.repository(policy.repository());
    }
  }
}
