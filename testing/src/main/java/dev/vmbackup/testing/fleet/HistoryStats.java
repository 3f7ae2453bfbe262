package dev.vmbackup.testing.fleet;

import com.google.protobuf.util.Timestamps;
import dev.vmbackup.workflows.TaskQueues;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes of the histories of a simulated run, fetched from the server, and the schedule-to-start
 * latency of every host activity in them (the time from ActivityTaskScheduled to ActivityTaskStarted,
 * both stamped by the server). Local activities have no such events and are not counted.
 */
final class HistoryStats {
  /** One workflow's history. */
  record Size(String type, String workflowId, int events, long bytes) {}

  private final WorkflowClient client;
  private final List<Size> sizes = new ArrayList<>();
  private final List<Long> scheduleToStartMillis = new ArrayList<>();
  private final List<Long> workflowTaskWaits = new ArrayList<>();
  private final List<Long> workflowTaskRuns = new ArrayList<>();
  private final Map<String, List<Long>> durations = new LinkedHashMap<>();
  private final List<Long> pruneTails = new ArrayList<>();
  /** Over the BackupWorkflow histories read: their total time, host activities' run time, their wait for a worker. */
  private long backupTotal;
  private long backupRunning;
  private long backupWaiting;

  HistoryStats(WorkflowClient client) {
    this.client = client;
  }

  void add(String type, String workflowId) {
    History history = client.fetchHistory(workflowId).getHistory();
    sizes.add(new Size(type, workflowId, history.getEventsCount(), history.getSerializedSize()));
    Map<Long, Long> scheduled = new HashMap<>();
    long first = Timestamps.toMillis(history.getEvents(0).getEventTime());
    long last = Timestamps.toMillis(history.getEvents(history.getEventsCount() - 1).getEventTime());
    durations.computeIfAbsent(type, t -> new ArrayList<>()).add(last - first);
    long firstPrune = -1;
    long lastBackupEnd = -1;
    Map<Long, Long> startedAt = new HashMap<>();
    long running = 0;
    long waiting = 0;
    Map<Long, Long> taskScheduled = new HashMap<>();
    Map<Long, Long> taskStarted = new HashMap<>();
    for (HistoryEvent event : history.getEventsList()) {
      long time = Timestamps.toMillis(event.getEventTime());
      if (event.hasWorkflowTaskScheduledEventAttributes()) {
        taskScheduled.put(event.getEventId(), time);
      } else if (event.hasWorkflowTaskStartedEventAttributes()) {
        Long at = taskScheduled.get(event.getWorkflowTaskStartedEventAttributes().getScheduledEventId());
        if (at != null) {
          workflowTaskWaits.add(time - at);
        }
        taskStarted.put(event.getEventId(), time);
      } else if (event.hasWorkflowTaskCompletedEventAttributes()) {
        Long at = taskStarted.get(event.getWorkflowTaskCompletedEventAttributes().getStartedEventId());
        if (at != null) {
          workflowTaskRuns.add(time - at);
        }
      }
      if (firstPrune < 0 && event.hasStartChildWorkflowExecutionInitiatedEventAttributes()
          && event.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowType().getName()
              .equals("PruneWorkflow")) {
        firstPrune = Timestamps.toMillis(event.getEventTime());
      }
      if (event.hasChildWorkflowExecutionCompletedEventAttributes()
          && event.getChildWorkflowExecutionCompletedEventAttributes().getWorkflowType().getName()
              .equals("BackupWorkflow")) {
        lastBackupEnd = time;
      } else if (event.hasChildWorkflowExecutionFailedEventAttributes()
          && event.getChildWorkflowExecutionFailedEventAttributes().getWorkflowType().getName()
              .equals("BackupWorkflow")) {
        lastBackupEnd = time;
      }
      if (event.hasActivityTaskScheduledEventAttributes()
          && !TaskQueues.WORKFLOWS.equals(event.getActivityTaskScheduledEventAttributes().getTaskQueue().getName())) {
        scheduled.put(event.getEventId(), Timestamps.toMillis(event.getEventTime()));
      } else if (event.hasActivityTaskStartedEventAttributes()) {
        Long at = scheduled.get(event.getActivityTaskStartedEventAttributes().getScheduledEventId());
        if (at != null) {
          long started = Timestamps.toMillis(event.getEventTime());
          scheduleToStartMillis.add(started - at);
          waiting += started - at;
          startedAt.put(event.getActivityTaskStartedEventAttributes().getScheduledEventId(), started);
        }
      } else if (event.hasActivityTaskCompletedEventAttributes()) {
        Long started = startedAt.get(event.getActivityTaskCompletedEventAttributes().getScheduledEventId());
        if (started != null) {
          running += Timestamps.toMillis(event.getEventTime()) - started;
        }
      }
    }
    if (type.equals("BackupWorkflow")) {
      backupTotal += last - first;
      backupRunning += running;
      backupWaiting += waiting;
    }
    if (firstPrune >= 0 && lastBackupEnd >= 0) {
      pruneTails.add(last - lastBackupEnd);
    }
  }

  /**
   * Where the BackupWorkflows' time went, as fractions of their total: host activities running, host
   * activities waiting for a worker (schedule-to-start), and the rest (workflow tasks between the steps,
   * local activities, the server's own latency).
   */
  double[] backupTimeSplit() {
    if (backupTotal == 0) {
      return new double[] {0, 0, 0};
    }
    double run = (double) backupRunning / backupTotal;
    double wait = (double) backupWaiting / backupTotal;
    return new double[] {run, wait, 1 - run - wait};
  }

  /** Sorted times from WorkflowTaskScheduled to WorkflowTaskStarted: a workflow task waiting for the worker. */
  List<Long> workflowTaskWaits() {
    return workflowTaskWaits.stream().sorted().toList();
  }

  /** Sorted times from WorkflowTaskStarted to WorkflowTaskCompleted: the worker running workflow code. */
  List<Long> workflowTaskRuns() {
    return workflowTaskRuns.stream().sorted().toList();
  }

  /** Mean duration (first event to last) of the histories read of each type, milliseconds. */
  Map<String, Long> meanDurations() {
    Map<String, Long> means = new LinkedHashMap<>();
    durations.forEach((type, list) -> means.put(type, Math.round(list.stream().mapToLong(Long::longValue).average()
        .orElse(0))));
    return means;
  }

  /**
   * Mean time a plan with retention spends after its last backup ended: the prunes still running then
   * (each VM's prune follows its own backup) and the plan's end. Zero without retention.
   */
  long meanPruneTailMillis() {
    return Math.round(pruneTails.stream().mapToLong(Long::longValue).average().orElse(0));
  }

  /** The largest history of each workflow type, by events. */
  Map<String, Size> largestByType() {
    Map<String, Size> largest = new LinkedHashMap<>();
    for (Size size : sizes) {
      largest.merge(size.type(), size, (a, b) -> b.events() > a.events() ? b : a);
    }
    return largest;
  }

  /** How many histories of each type were read. */
  Map<String, Integer> countByType() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    sizes.forEach(size -> counts.merge(size.type(), 1, Integer::sum));
    return counts;
  }

  int largestEvents() {
    return sizes.stream().mapToInt(Size::events).max().orElse(0);
  }

  List<Long> scheduleToStartMillis() {
    return scheduleToStartMillis.stream().sorted().toList();
  }
}
