package dev.vmbackup.activities;

import dev.vmbackup.workflows.activities.MergeActivities;
import dev.vmbackup.workflows.model.MergeRequest;

/** Folds a snapshot overlay back with an active block commit and pivot. */
public final class MergeActivitiesImpl implements MergeActivities {
  private final OverlayMerger merger;

  public MergeActivitiesImpl(OverlayMerger merger) {
    this.merger = merger;
  }

  @Override
  public void blockCommit(MergeRequest request) {
    ActivityBoundary.run("merge " + request.domain() + " " + request.target(), () ->
        merger.merge(request.domain(), request.target(), request.overlay(), request.base(), request.baseFormat(),
            Heartbeats::beat));
  }
}
