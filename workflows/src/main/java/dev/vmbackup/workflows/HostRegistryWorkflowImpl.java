package dev.vmbackup.workflows;

import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Holds the set of registered hosts; see {@link HostRegistryWorkflow}. */
public class HostRegistryWorkflowImpl implements HostRegistryWorkflow {
  /**
   * Every worker start is a signal (three events with its workflow task); continuing as new after this
   * many keeps the history a few thousand events long, far below Temporal's warning at 10,240.
   */
  static final int SIGNALS_PER_RUN = 1_000;

  private final TreeSet<String> hosts = new TreeSet<>();
  private int signals;

  @Override
  public void run(List<String> initial) {
    if (initial != null) {
      hosts.addAll(initial);
    }
    Workflow.await(() -> signals >= SIGNALS_PER_RUN || Workflow.getInfo().isContinueAsNewSuggested());
    Workflow.continueAsNew(new ArrayList<>(hosts));
  }

  @Override
  public void register(String host) {
    signals++;
    // A signal is input like any other: a name that is not a host name is not registered.
    try {
      hosts.add(Validation.hostName(host));
    } catch (IllegalArgumentException refused) {
      Workflow.getLogger(HostRegistryWorkflowImpl.class).warn("not registered: {}", refused.getMessage());
    }
  }

  @Override
  public void forget(String host) {
    signals++;
    hosts.remove(host);
  }

  @Override
  public List<String> hosts() {
    return new ArrayList<>(hosts);
  }
}
