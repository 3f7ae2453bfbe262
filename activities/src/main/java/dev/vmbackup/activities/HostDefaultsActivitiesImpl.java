package dev.vmbackup.activities;

import dev.vmbackup.workflows.activities.HostDefaultsActivities;

/** Answers the workflow worker's configured default host. */
public final class HostDefaultsActivitiesImpl implements HostDefaultsActivities {
  private final String defaultHost;

  public HostDefaultsActivitiesImpl(String defaultHost) {
    this.defaultHost = defaultHost;
  }

  @Override
  public String defaultHost() {
    return defaultHost;
  }
}
