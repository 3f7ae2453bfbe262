package dev.vmbackup.workflows.activities;

import io.temporal.activity.ActivityInterface;

/** A local activity of the workflow worker: its configuration, recorded in history for determinism. */
@ActivityInterface
public interface HostDefaultsActivities {
  /** The host whose queue receives host actions when a request names none. */
  String defaultHost();
}
