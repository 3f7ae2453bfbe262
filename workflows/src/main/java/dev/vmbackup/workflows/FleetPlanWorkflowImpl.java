package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.HostRegistryActivities;
import dev.vmbackup.workflows.activities.PolicyActivities;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.FleetPlanResult;
import dev.vmbackup.workflows.model.FleetPlanResult.HostOutcome;
import dev.vmbackup.workflows.model.PlanResult;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a fleet policy: selects the hosts, takes an inventory of each on its own queue, then starts one
 * plan child per host that has VMs, dealing the fleet-wide limit out with {@link FleetShares}.
 *
 * <p>The history stays small because the backups are the children's, not this run's. Per host this run
 * records an inventory activity (scheduled, started, completed or timed out: 3 events) and a plan child
 * (initiated, started, completed: 3 events), and each of those 2 completions wakes the run at most once
 * (a workflow task: 3 events), so about 12 events a host; 50 hosts make about 600 events plus a handful
 * for the start, the registry lookup and the end, well below Temporal's warning at 10,240. Each host's
 * plan with 20 VMs records per VM a backup child (3), a prune child (3), a spread timer (2) and up to
 * three workflow tasks (9): about 17 events, 340 for 20 VMs. A single plan of 1,000 VMs would need
 * about 17,000.
 */
public class FleetPlanWorkflowImpl implements FleetPlanWorkflow {
  private final HostRegistryActivities registry =
      Workflow.newLocalActivityStub(HostRegistryActivities.class, StepOptions.local());

  /** What a host's inventory found, or why there is none. */
  private record Inventory(String host, List<String> domains, String status, String reason) {}

  @Override
  public FleetPlanResult run(BackupPolicy policy) {
    PolicyValidation.validateFleet(policy);
    // The registry is read only for globs, so a policy of host names depends on nothing but its hosts.
    List<String> registered = policy.hosts().stream().anyMatch(HostSelection::isGlob)
        ? registry.registeredHosts() : List.of();
    HostSelection.Selected selected = HostSelection.resolve(policy.hosts(), registered);

    // Every host is asked at once, so a host that is down costs the run one pickup timeout, not one each.
    String glob = policy.domains().isEmpty() ? policy.domainGlob() : "*";
    Map<String, Promise<Inventory>> asked = new LinkedHashMap<>();
    for (String host : selected.hosts()) {
      PolicyActivities plan = Workflow.newActivityStub(PolicyActivities.class,
          StepOptions.inventory(TaskQueues.host(host), policy.inventoryPickup()));
      asked.put(host, Async.function(plan::listDomains, glob)
          .handle((listed, failure) -> inventory(host, policy, listed, failure)));
    }
    Promise.allOf(asked.values()).get();

    Map<String, HostOutcome> outcomes = new LinkedHashMap<>();
    Map<String, List<String>> toBackUp = new LinkedHashMap<>();
    Set<String> found = new HashSet<>();
    for (Promise<Inventory> promise : asked.values()) {
      Inventory inventory = promise.get();
      if (inventory.status() != null) {
        outcomes.put(inventory.host(), new HostOutcome(inventory.host(), inventory.status(), inventory.reason(), null));
      } else if (inventory.domains().isEmpty()) {
        outcomes.put(inventory.host(), new HostOutcome(inventory.host(), "ok", "no VM of the policy on this host",
            new PlanResult(policy.name(), inventory.host(), List.of())));
      } else {
        toBackUp.put(inventory.host(), inventory.domains());
        found.addAll(inventory.domains());
      }
    }
    List<String> notFound = policy.domains().stream().filter(domain -> !found.contains(domain)).toList();

    outcomes.putAll(runPlans(policy, toBackUp));
    List<HostOutcome> byHost = selected.hosts().stream().map(outcomes::get).toList();
    return new FleetPlanResult(policy.name(), byHost, selected.unmatchedGlobs(), notFound);
  }

  /**
   * Starts the host plans, each when the fleet-wide limit has slots for it, and waits for all of them.
   * Without {@code maxConcurrent} every host starts at once with its per-host limit.
   */
  private Map<String, HostOutcome> runPlans(BackupPolicy policy, Map<String, List<String>> toBackUp) {
    Integer limit = policy.maxConcurrent();
    int free = limit == null ? Integer.MAX_VALUE : limit;
    List<String> waiting = new ArrayList<>(toBackUp.keySet());
    Map<String, Integer> held = new LinkedHashMap<>();
    Map<String, Promise<HostOutcome>> running = new LinkedHashMap<>();
    Map<String, HostOutcome> outcomes = new LinkedHashMap<>();
    while (!waiting.isEmpty() || !running.isEmpty()) {
      Map<String, Integer> demands = new LinkedHashMap<>();
      for (String host : waiting) {
        demands.put(host, Math.min(policy.concurrency(), toBackUp.get(host).size()));
      }
      Map<String, Integer> shares = limit == null ? demands : FleetShares.deal(free, demands);
      for (var share : shares.entrySet()) {
        String host = share.getKey();
        waiting.remove(host);
        if (limit != null) {
          free -= share.getValue();
          held.put(host, share.getValue());
        }
        running.put(host, startPlan(policy.forHost(host, toBackUp.get(host), share.getValue())));
      }
      Promise.anyOf(running.values()).get();
      for (var entry : List.copyOf(running.entrySet())) {
        if (entry.getValue().isCompleted()) {
          running.remove(entry.getKey());
          outcomes.put(entry.getKey(), entry.getValue().get());
          free += held.getOrDefault(entry.getKey(), 0);
          held.remove(entry.getKey());
        }
      }
    }
    return outcomes;
  }

  private static Promise<HostOutcome> startPlan(BackupPolicy hostPolicy) {
    String host = hostPolicy.host();
    PlanWorkflow child = Workflow.newChildWorkflowStub(PlanWorkflow.class, PlanWorkflowImpl.childOptions(
        FleetPlanWorkflow.hostPlanId(hostPolicy.name(), host),
        "plan of " + host + " in fleet policy " + hostPolicy.name()));
    // A failed plan becomes a "failed" outcome, so that waiting for any of them never throws.
    return Async.function(child::run, hostPolicy).handle((plan, failure) -> failure == null
        ? hostOutcome(host, plan)
        : new HostOutcome(host, "failed", PlanWorkflowImpl.rootMessage(failure), null));
  }

  private static HostOutcome hostOutcome(String host, PlanResult plan) {
    long ok = plan.outcomes().stream().filter(outcome -> outcome.status().equals("ok")).count();
    int all = plan.outcomes().size();
    if (ok == all) {
      return new HostOutcome(host, "ok", null, plan);
    }
    String reason = (all - ok) + " of " + all + " backups did not succeed";
    return new HostOutcome(host, ok == 0 ? "failed" : "partial", reason, plan);
  }

  private static Inventory inventory(String host, BackupPolicy policy, List<String> listed, RuntimeException failure) {
    if (failure != null) {
      if (failure.getCause() instanceof TimeoutFailure timeout
          && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
        return new Inventory(host, List.of(), "skipped", "no worker of host " + host + " took the inventory within "
            + policy.inventoryPickup().toSeconds() + " s (is vmbackup worker running there?)");
      }
      return new Inventory(host, List.of(), "failed", "inventory failed: " + PlanWorkflowImpl.rootMessage(failure));
    }
    if (policy.domains().isEmpty()) {
      return new Inventory(host, listed, null, null);
    }
    Set<String> present = new HashSet<>(listed);
    return new Inventory(host, policy.domains().stream().filter(present::contains).toList(), null, null);
  }
}
