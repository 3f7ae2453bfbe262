package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import io.temporal.activity.ActivityInterface;
import java.util.List;

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

  /**
   * Repairs running chains whose backing layers were deleted outside vmbackup while the VM uses them:
   * the VM runs on (QEMU holds the files open) but would not start again, and nothing could copy the
   * disk. Each such disk's data above the deepest deleted layer is pulled into its active image (a
   * block pull, while the VM runs); chain overlays of vmbackup that were pulled in are deleted, the
   * user's own files are left alone. A retry re-attaches to a running pull.
   *
   * @return one sentence per repaired disk, for the manifest; empty when no layer was missing, the
   *     domain is not running (inspection then reports what it finds) or does not exist
   * @throws io.temporal.failure.ApplicationFailure {@code DISK_CHAIN_CHANGED} when a disk's active
   *     image itself was deleted: only a block copy to a new image could save it, which is left to the
   *     operator
   */
  List<String> pullDeletedLayers(String domain);
}
