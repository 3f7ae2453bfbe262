package dev.vmbackup.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.ManifestImage;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.Verification;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The names and the manifest of an exported backup; the export itself is tested through the command line. */
class StoreExportTest {
  private static ManifestDisk disk(String file, String format) {
    return new ManifestDisk("vda", file, format, 1 << 20, 4096, "a".repeat(64), "/img/vm.img",
        List.of(new ManifestImage("vda.backing1.qcow2", "qcow2", 1 << 20, 1024, "b".repeat(64), "/img/base.qcow2")));
  }

  @Test
  void aDiskKeepsItsNameUnlessTheNameSaysAnotherFormat() {
    assertThat(StoreExport.qcow2Name(disk("vda.qcow2", "qcow2"))).isEqualTo("vda.qcow2");
    assertThat(StoreExport.qcow2Name(disk("vda.raw", "raw"))).isEqualTo("vda.qcow2");
    assertThat(StoreExport.qcow2Name(disk("vda.img", "raw"))).isEqualTo("vda.img");
  }

  @Test
  void theExportedManifestIsTheStoredOneWithTheExportedDisks() {
    ManifestFile xml = new ManifestFile("domain.xml", 10, "c".repeat(64));
    Manifest stored = new Manifest(Manifest.FORMAT_VERSION, "vm-1", "uuid", "hv1", "20261122T221500Z",
        "2026-11-22T22:15:00Z", "2026-11-22T22:16:00Z", Strategy.FULL, CaptureMode.QUIESCE, CaptureMode.CRASH,
        List.of("no agent"), List.of(disk("vda.raw", "raw")), null, xml, null,
        new Verification("2026-11-22T22:17:00Z", true));
    ManifestDisk exported = new ManifestDisk("vda", "vda.qcow2", "qcow2", 1 << 20, 200_000, "d".repeat(64),
        "/img/vm.img", List.of());

    Manifest manifest = StoreExport.exported(stored, List.of(exported));

    assertThat(manifest.disks()).containsExactly(exported);
    assertThat(manifest).usingRecursiveComparison().ignoringFields("disks").isEqualTo(stored);
  }
}
