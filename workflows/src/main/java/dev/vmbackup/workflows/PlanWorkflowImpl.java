package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.PolicyActivities;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.PlanResult.VmOutcome;
import dev.vmbackup.workflows.model.PlanResult;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.PruneResult;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Starts one backup child per VM with a per-host limit, prunes each VM that was backed up, reports.
 * Children are cancelled (and so compensate) if the run is cancelled or terminated.
 */
public class PlanWorkflowImpl implements PlanWorkflow {
  private static final Logger log = Workflow.getLogger(PlanWorkflowImpl.class);

  @Override
  public PlanResult run(BackupPolicy policy) {
    PolicyValidation.validateSingleHost(policy);
    String host = HostSteps.host(policy.host());
    PolicyActivities plan = new HostSteps(host).forward(PolicyActivities.class);
    // The host decides what the policy may use, before any backup starts. Runs recorded before hosts
    // checked policies carry no marker of this version and replay as they ran.
    if (Workflow.getVersion("host-checks-policy", Workflow.DEFAULT_VERSION, 1) >= 1) {
      plan.checkPolicy(policy);
    }
    List<String> domains = policy.domains().isEmpty() ? plan.listDomains(policy.domainGlob()) : policy.domains();

    boolean retains = policy.retention() != null && policy.retention().hasRules();
    // A VM is pruned as soon as its own backup succeeded, inside its slot: pruning every VM one after
    // another once the last backup ended made a tail of about 30 % of a host's run in the fleet
    // simulation, and a run cancelled midway would have pruned nothing. Runs recorded before pruned at
    // the end; they carry no marker of this version and replay as they ran.
    boolean pruneEach = retains
        && Workflow.getVersion("prune-after-each-backup", Workflow.DEFAULT_VERSION, 1) >= 1;

    Map<String, VmOutcome> outcomes = new LinkedHashMap<>();
    Map<String, Long> notBefore = startTimes(policy, domains);
    Deque<String> waiting = new ArrayDeque<>(notBefore.isEmpty() ? domains : notBefore.keySet());
    Map<String, Promise<VmOutcome>> running = new LinkedHashMap<>();
    while (!waiting.isEmpty() || !running.isEmpty()) {
      while (!waiting.isEmpty() && running.size() < policy.concurrency()
          && notBefore.getOrDefault(waiting.peek(), 0L) <= Workflow.currentTimeMillis()) {
        String domain = waiting.poll();
        BackupWorkflow child = Workflow.newChildWorkflowStub(BackupWorkflow.class, childOptions(
            BackupWorkflow.workflowId(host, domain), "backup of " + domain + " on " + host + " by policy "
                + policy.name()));
        Promise<BackupResult> backup = Async.function(child::backup,
            new BackupRequest(domain, host, policy.capture(), policy.repository(), policy.strategy(),
                policy.maxChainLength(), policy.hooks(), policy.fullEvery(), null));
        // A failed backup becomes a "failed" outcome, so that waiting for any of them never throws.
        Promise<VmOutcome> outcome = backup.handle((result, failure) -> outcome(domain, result, failure));
        if (pruneEach) {
          outcome = outcome.thenCompose(done -> done.status().equals("ok")
              ? prune(host, domain, policy, done) : Workflow.newPromise(done));
        }
        running.put(domain, outcome);
      }
      List<Promise<?>> wake = new ArrayList<>(running.values());
      if (!waiting.isEmpty() && running.size() < policy.concurrency()) {
        // A slot is free but the next backup's start time has not come: wake at that time, or earlier
        // if a running backup ends. Without a spread this never happens, so runs without one (every run
        // recorded before the spread existed) make the same commands as before.
        wake.add(Workflow.newTimer(Duration.ofMillis(notBefore.get(waiting.peek()) - Workflow.currentTimeMillis())));
      }
      Promise.anyOf(wake.toArray(new Promise<?>[0])).get();
      for (var entry : List.copyOf(running.entrySet())) {
        if (entry.getValue().isCompleted()) {
          running.remove(entry.getKey());
          outcomes.put(entry.getKey(), entry.getValue().get());
        }
      }
    }

    List<VmOutcome> results = new ArrayList<>();
    for (String domain : domains) {
      VmOutcome outcome = outcomes.get(domain);
      if (!pruneEach && retains && outcome.status().equals("ok")) {
        outcome = prune(host, domain, policy, outcome).get();
      }
      results.add(outcome);
    }
    PlanResult result = new PlanResult(policy.name(), host, results);
    if (policy.notification() != null && (!result.allSucceeded() || policy.notification().onSuccessRequested())) {
      Failures.bestEffort(() -> plan.notifyRun(policy.notification(), result), "notify about policy " + policy.name());
    }
    return result;
  }

  /**
   * With a start spread, the time before which each VM's backup does not start, in start order (earliest
   * first, ties in the policy's order); empty without one. The offsets come from the run's seeded random
   * source ({@link StartSpread}), so a replay draws the same.
   */
  private static Map<String, Long> startTimes(BackupPolicy policy, List<String> domains) {
    Integer window = policy.startSpreadSeconds();
    if (window == null || window <= 0
        || Workflow.getVersion("start-spread", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return Map.of();
    }
    long start = Workflow.currentTimeMillis();
    List<Duration> offsets = StartSpread.offsets(Workflow.newRandom(), domains.size(), window);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < domains.size(); i++) {
      order.add(i);
    }
    order.sort(java.util.Comparator.comparing(offsets::get));
    Map<String, Long> times = new LinkedHashMap<>();
    for (int i : order) {
      times.putIfAbsent(domains.get(i), start + offsets.get(i).toMillis());
    }
    return times;
  }

  private static VmOutcome outcome(String domain, BackupResult result, RuntimeException failure) {
    if (failure == null) {
      return new VmOutcome(domain, "ok", result.backupId(), null, List.of());
    }
    String message = rootMessage(failure);
    // A child that could not start because a backup of the VM runs already (a manual one, say).
    boolean alreadyRunning = failure instanceof ChildWorkflowFailure child && child.getCause() == null
        && message.contains("already");
    log.warn("backup of {} in the policy run failed: {}", domain, message);
    return new VmOutcome(domain, alreadyRunning ? "skipped" : "failed", null, message, List.of());
  }

  /**
   * Prunes the VM after its successful backup with a prune child; the outcome names what was removed, or
   * why pruning failed (the backup stays good either way).
   */
  private static Promise<VmOutcome> prune(String host, String domain, BackupPolicy policy, VmOutcome outcome) {
    PruneWorkflow child = Workflow.newChildWorkflowStub(PruneWorkflow.class, childOptions(
        PruneWorkflow.workflowId(host, domain), "prune of " + domain + " on " + host + " by policy " + policy.name()));
    Promise<PruneResult> pruned = Async.function(child::prune,
        new PruneRequest(domain, host, policy.repository(), policy.retention(), false));
    return pruned.handle((result, failure) -> failure == null
        ? new VmOutcome(domain, outcome.status(), outcome.backupId(), null, result.removed())
        : new VmOutcome(domain, outcome.status(), outcome.backupId(),
            "backed up, but pruning failed: " + rootMessage(failure), List.of()));
  }

  static ChildWorkflowOptions childOptions(String workflowId, String summary) {
    return ChildWorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setMemo(Map.of("summary", summary))
        .setTaskQueue(TaskQueues.WORKFLOWS)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        // A cancelled or terminated run cancels its backups, which then undo what they did.
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
        .build();
  }

  /** The innermost failure's own words, which name what went wrong on the host. */
  static String rootMessage(Throwable failure) {
    String message = failure.getMessage();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ApplicationFailure application) {
        message = application.getOriginalMessage();
      } else if (cause instanceof TemporalFailure temporal && cause.getCause() == null) {
        message = temporal.getOriginalMessage();
      }
    }
    return message;
  }
}
