package dev.vmbackup.client;

import dev.vmbackup.workflows.FleetPlanWorkflow;
import dev.vmbackup.workflows.PlanWorkflow;
import dev.vmbackup.workflows.PolicyValidation;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.PolicySchedule;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Backup policies as Temporal Schedules: the Schedule {@code vmbackup-policy-<name>} starts the plan
 * workflow with the policy ({@code FleetPlanWorkflow} for a policy with {@code hosts}). Pausing, resuming, triggering and deleting a policy do the same to its
 * Schedule; Temporal is the only store of policies.
 */
public final class PolicyService {
  public static final String SCHEDULE_PREFIX = "vmbackup-policy-";

  private final ScheduleClient schedules;

  public PolicyService(WorkflowClient client) {
    this.schedules = ScheduleClient.newInstance(client.getWorkflowServiceStubs(),
        // The client's data converter, so that a schedule's workflow input and memo are encrypted as the
        // client's own workflows are when the connection has a payload key.
        ScheduleClientOptions.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setDataConverter(client.getOptions().getDataConverter())
            .build());
  }

  /** What {@code policy list} shows of a policy. */
  public record PolicyStatus(String name, BackupPolicy policy, boolean paused, long runs, long skippedOverlaps,
      int running, List<String> nextRuns, List<String> recentRuns) {}

  /** Creates the policy's Schedule; fails with {@link IllegalArgumentException} if it exists or is invalid. */
  public void create(BackupPolicy policy) {
    PolicyValidation.check(policy);
    Schedule schedule = Schedule.newBuilder()
        .setAction(ScheduleActionStartWorkflow.newBuilder()
            // A fleet policy (hosts) runs as a fleet run, which starts a plan per host; a policy of one
            // host runs as that plan directly, as before fleet policies.
            .setWorkflowType(policy.fleet() ? FleetPlanWorkflow.class.getSimpleName() : PlanWorkflow.class.getSimpleName())
            .setArguments(policy)
            .setOptions(WorkflowOptions.newBuilder()
                .setWorkflowId(policy.fleet()
                    ? FleetPlanWorkflow.workflowId(policy.name()) : PlanWorkflow.workflowId(policy.name()))
                .setTaskQueue(TaskQueues.WORKFLOWS)
                .build())
            .build())
        .setSpec(spec(policy.schedule()))
        .setPolicy(SchedulePolicy.newBuilder()
            // A run that is still going when the next is due is not doubled: the next one is skipped.
            .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
            .setCatchupWindow(policy.schedule().catchupWindow() == null
                ? Duration.ofHours(1) : Durations.parse(policy.schedule().catchupWindow()))
            .build())
        .setState(ScheduleState.newBuilder().setNote("vmbackup policy " + policy.name()).build())
        .build();
    try {
      schedules.createSchedule(SCHEDULE_PREFIX + policy.name(), schedule,
          ScheduleOptions.newBuilder().setMemo(Map.of("vmbackup-policy", policy.name())).build());
    } catch (ScheduleAlreadyRunningException e) {
      throw new IllegalArgumentException("policy " + policy.name() + " exists already; delete it first");
    } catch (io.temporal.client.schedules.ScheduleException e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof io.grpc.StatusRuntimeException status
            && status.getStatus().getCode() == io.grpc.Status.Code.ALREADY_EXISTS) {
          throw new IllegalArgumentException("policy " + policy.name() + " exists already; delete it first");
        }
      }
      throw e;
    }
  }

  public List<PolicyStatus> list() {
    List<PolicyStatus> policies = new ArrayList<>();
    schedules.listSchedules().filter(s -> s.getScheduleId().startsWith(SCHEDULE_PREFIX)).forEach(listed -> {
      try {
        policies.add(status(listed.getScheduleId().substring(SCHEDULE_PREFIX.length())));
      } catch (RuntimeException deletedMeanwhile) {
        // Listing is eventually consistent; a policy deleted a moment ago is simply not shown.
      }
    });
    policies.sort(java.util.Comparator.comparing(PolicyStatus::name));
    return policies;
  }

  public PolicyStatus status(String name) {
    ScheduleDescription description = handle(name).describe();
    BackupPolicy policy = null;
    if (description.getSchedule().getAction() instanceof ScheduleActionStartWorkflow start) {
      policy = start.getArguments().get(0, BackupPolicy.class);
    }
    return new PolicyStatus(name, policy, description.getSchedule().getState().isPaused(),
        description.getInfo().getNumActions(), description.getInfo().getNumActionsSkippedOverlap(),
        description.getInfo().getRunningActions().size(),
        description.getInfo().getNextActionTimes().stream().limit(3).map(Object::toString).toList(),
        description.getInfo().getRecentActions().stream()
            .map(action -> action.getScheduledAt() + " " + action.getAction().getClass().getSimpleName()).toList());
  }

  public void pause(String name) {
    handle(name).pause("paused with vmbackup policy pause");
  }

  public void resume(String name) {
    handle(name).unpause("resumed with vmbackup policy resume");
  }

  /** Runs the policy now (skipped like any other run if one is still going). */
  public void trigger(String name) {
    handle(name).trigger();
  }

  public void delete(String name) {
    handle(name).delete();
  }

  private ScheduleHandle handle(String name) {
    return schedules.getHandle(SCHEDULE_PREFIX + name);
  }

  private static ScheduleSpec spec(PolicySchedule schedule) {
    if (schedule == null || (schedule.cron().isEmpty() && (schedule.every() == null || schedule.every().isBlank()))) {
      throw new IllegalArgumentException("a policy needs a schedule: cron expressions or an interval (every)");
    }
    ScheduleSpec.Builder spec = ScheduleSpec.newBuilder();
    if (!schedule.cron().isEmpty()) {
      spec.setCronExpressions(schedule.cron());
    }
    if (schedule.every() != null && !schedule.every().isBlank()) {
      spec.setIntervals(List.of(new ScheduleIntervalSpec(Durations.parse(schedule.every()))));
    }
    if (schedule.jitter() != null && !schedule.jitter().isBlank()) {
      spec.setJitter(Durations.parse(schedule.jitter()));
    }
    return spec.build();
  }
}
