package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.ManifestImage;
import dev.vmbackup.workflows.model.Strategy;
import java.util.List;

/**
 * One VM, "vm1", as inspection finds it and as its backup's manifest describes it: disk vda is a
 * qcow2 overlay on a base image, vdb a standalone raw image, and a CD-ROM is skipped.
 */
final class Fixtures {
  static final String UUID_VM1 = "6f1c1e52-4d0b-4e69-9a53-2d7f4f0c9a11";
  static final String IMAGES = "/var/lib/libvirt/images";
  static final String VDA = IMAGES + "/vm1-vda.qcow2";
  static final String VDA_BASE = IMAGES + "/base.qcow2";
  static final String VDB = IMAGES + "/vm1-vdb.raw";
  static final String BACKUP_ID = "20261122T221500Z";
  static final String SKIPPED = "hdc: read-only CD-ROM";

  private Fixtures() {}

  static DomainInfo domain(DomainState state) {
    return domain(state, UUID_VM1, VDA);
  }

  /** vm1 with a different UUID or a different active image of vda, as if changed since the backup. */
  static DomainInfo domain(DomainState state, String uuid, String vdaSource) {
    return new DomainInfo(
        "vm1",
        uuid,
        state,
        true,
        List.of(
            new DiskInfo("vda", vdaSource, "qcow2", List.of(new ImageLayer(VDA_BASE, "qcow2"))),
            new DiskInfo("vdb", VDB, "raw", List.of())),
        List.of(SKIPPED),
        true,
        null,
        FakeHost.DEFAULT_REPOSITORY);
  }

  /** The manifest of backup {@link #BACKUP_ID} of vm1; with or without a saved memory state. */
  static Manifest manifest(boolean withMemory) {
    return new Manifest(
        Manifest.FORMAT_VERSION,
        "vm1",
        UUID_VM1,
        "h1",
        BACKUP_ID,
        "2026-11-22T22:15:00Z",
        "2026-11-22T22:20:00Z",
        Strategy.FULL,
        withMemory ? CaptureMode.MEMORY : CaptureMode.QUIESCE,
        withMemory ? CaptureMode.MEMORY : CaptureMode.QUIESCE,
        List.of(),
        List.of(
            new ManifestDisk(
                "vda", "disks/vda.qcow2", "qcow2", 10L << 30, 1L << 20, "a".repeat(64), VDA,
                List.of(new ManifestImage("disks/vda-backing1.qcow2", "qcow2", 10L << 30, 2L << 20, "b".repeat(64),
                    VDA_BASE))),
            new ManifestDisk("vdb", "disks/vdb.raw", "raw", 1L << 30, 1L << 30, "c".repeat(64), VDB, List.of())),
        withMemory ? new ManifestFile("memory.save", 1L << 28, "d".repeat(64)) : null,
        new ManifestFile("domain.xml", 2048, "e".repeat(64)),
        null,
        null);
  }
}
