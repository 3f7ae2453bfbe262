package dev.vmbackup.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * The registry of known hosts, which the globs of fleet policies match: one long-lived workflow,
 * {@link #WORKFLOW_ID}. Every worker that runs host actions registers its host when it starts (signal
 * with start, so the first worker creates the registry). A host stays registered until it is
 * forgotten: a registered host whose worker is down is still selected, and a fleet run reports it as
 * skipped, which is what an operator wants to see for a host that is down. Liveness is not the
 * registry's business; the fleet run's inventory (a short schedule-to-start timeout) decides it.
 */
@WorkflowInterface
public interface HostRegistryWorkflow {
  String WORKFLOW_ID = "vmbackup-host-registry";

  /** Runs until the history grows long, then continues as new with the hosts it knows. */
  @WorkflowMethod
  void run(List<String> hosts);

  @SignalMethod
  void register(String host);

  /** Removes a decommissioned host, so that globs no longer select it. */
  @SignalMethod
  void forget(String host);

  /** The registered hosts, sorted. */
  @QueryMethod
  List<String> hosts();
}
