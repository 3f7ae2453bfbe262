package dev.vmbackup.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which disk sources the inspection treats as an unfinished backup's or hook's overlay. */
class OverlayNameTest {
  @Test
  void aBackupsOrAHooksOverlayIsLeftoverWork() {
    var backup = InspectActivitiesImpl.OVERLAY_NAME.matcher("/vm/vda.qcow2.vmbackup-20261126T015325Z.qcow2");
    assertTrue(backup.matches());
    assertEquals("20261126T015325Z", backup.group(1));
    assertTrue(InspectActivitiesImpl.OVERLAY_NAME.matcher("/vm/vda.qcow2.vmbackup-sanoid-daily.qcow2").matches());
  }

  @Test
  void aChainOverlayIsWhereAChainedVmRunsBetweenBackups() {
    assertFalse(InspectActivitiesImpl.OVERLAY_NAME.matcher(
        "/vm/vda.qcow2.vmbackup-chain-20261126T015325Z.qcow2").matches());
    assertFalse(InspectActivitiesImpl.OVERLAY_NAME.matcher("/vm/vda.qcow2").matches());
  }
}
