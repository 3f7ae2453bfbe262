package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import io.temporal.activity.ActivityInterface;

/** The host side of strategy {@code chain} beyond snapshot and copy, which it shares with {@code full}. */
@ActivityInterface
public interface ChainActivities {
  /**
   * Reads the newest {@code chain} backup of the domain, checks that every backup it builds on is in the
   * repository, and measures each disk's active image. Changes nothing.
   */
  ChainState readChainState(ChainStateRequest request);

  /**
   * Commits the layers below each disk's active overlay into the VM's own image while the VM runs (a
   * block commit that needs no pivot), then deletes their files. A retry re-attaches to a running
   * commit, or only deletes the files of a chain consolidated already. Fails {@code DISK_CHAIN_CHANGED}
   * if a disk's chain is neither as planned nor consolidated; the VM is on a valid chain either way.
   */
  void consolidate(ConsolidateRequest request);
}
