package dev.vmbackup.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbackup.workflows.BackupLayout;
import org.junit.jupiter.api.Test;

/** Which disk sources the inspection treats as an unfinished backup's or hook's overlay. */
class OverlayNameTest {
  @Test
  void aBackupsOrAHooksOverlayIsLeftoverWork() {
    var backup = BackupLayout.TEMPORARY_OVERLAY.matcher("/vm/vda.qcow2.vmbackup-20261126T015325Z.qcow2");
    assertTrue(backup.matches());
    assertEquals("20261126T015325Z", backup.group(1));
    assertTrue(BackupLayout.TEMPORARY_OVERLAY.matcher("/vm/vda.qcow2.vmbackup-sanoid-daily.qcow2").matches());
  }

  @Test
  void aChainOverlayIsWhereAChainedVmRunsBetweenBackups() {
    assertFalse(BackupLayout.TEMPORARY_OVERLAY.matcher(
        "/vm/vda.qcow2.vmbackup-chain-20261126T015325Z.qcow2").matches());
    assertFalse(BackupLayout.TEMPORARY_OVERLAY.matcher("/vm/vda.qcow2").matches());
  }
}
