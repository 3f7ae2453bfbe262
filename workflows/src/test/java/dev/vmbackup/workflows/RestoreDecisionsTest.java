package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.Fixtures.IMAGES;
import static dev.vmbackup.workflows.Fixtures.UUID_VM1;
import static dev.vmbackup.workflows.Fixtures.VDA;
import static dev.vmbackup.workflows.Fixtures.VDA_BASE;
import static dev.vmbackup.workflows.Fixtures.VDB;
import static dev.vmbackup.workflows.Fixtures.domain;
import static dev.vmbackup.workflows.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DiskPlacement;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.FilePlacement;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a restore puts each file, and when an in-place restore must refuse: pure functions, no Temporal. */
class RestoreDecisionsTest {
  private final Manifest manifest = manifest(false);

  @Test
  void aPointOfAChainStacksEachBackupsLayerAboveItsParentsLayers() {
    Manifest root = manifest;
    ManifestDisk vdaLayer = new ManifestDisk("vda", "vda.qcow2", "qcow2", 1L << 30, 4096, "d".repeat(64),
        "/images/vda.qcow2.vmbackup-20261123T000000Z.qcow2", List.of());
    ManifestDisk vdbLayer = new ManifestDisk("vdb", "vdb.qcow2", "qcow2", 1L << 30, 8192, "e".repeat(64),
        "/images/vdb.raw.vmbackup-20261123T000000Z.qcow2", List.of());
    Manifest point = new Manifest(1, "vm1", UUID_VM1, "h1", "20261123T000000Z", null, null, null, null, null,
        List.of(), List.of(vdaLayer, vdbLayer), null, null, null, null, root.backupId(), null);

    List<DiskPlacement> placements = RestoreDecisions.asNewDomain(List.of(root, point), "copy", "/srv/restore");

    assertThat(placements.get(0).chain()).containsExactly(
        new FilePlacement("vda.qcow2", "/srv/restore/copy-vda.qcow2", "qcow2", 4096, "d".repeat(64), null),
        new FilePlacement("disks/vda.qcow2", "/srv/restore/copy-vda-backing1.qcow2", "qcow2", 1L << 20,
            "a".repeat(64), root.backupId()),
        new FilePlacement("disks/vda-backing1.qcow2", "/srv/restore/copy-vda-backing2.qcow2", "qcow2", 2L << 20,
            "b".repeat(64), root.backupId()));
    assertThat(placements.get(1).chain()).extracting(FilePlacement::destination)
        .containsExactly("/srv/restore/copy-vdb.qcow2", "/srv/restore/copy-vdb-backing1.raw");
  }

  @Test
  void inPlaceAPointOfAChainIsStackedBesideTheImageItWasBackedUpFromAndFlattenedIntoIt() {
    Manifest root = manifest;
    ManifestDisk vdaLayer = new ManifestDisk("vda", "vda.qcow2", "qcow2", 1L << 30, 4096, "d".repeat(64),
        "/images/vda.qcow2", List.of());
    Manifest point = new Manifest(1, "vm1", UUID_VM1, "h1", "20261123T000000Z", null, null, null, null, null,
        List.of(), List.of(vdaLayer), null, null, null, null, root.backupId(), null);

    List<DiskPlacement> placements = RestoreDecisions.inPlaceFlattened(List.of(root, point));

    assertThat(placements).singleElement().satisfies(disk -> assertThat(disk.chain()).containsExactly(
        new FilePlacement("vda.qcow2", "/images/vda.qcow2", "qcow2", 4096, "d".repeat(64), null),
        new FilePlacement("disks/vda.qcow2", "/images/vda.qcow2.vmbackup-restoring-1.qcow2", "qcow2", 1L << 20,
            "a".repeat(64), root.backupId()),
        new FilePlacement("disks/vda-backing1.qcow2", "/images/vda.qcow2.vmbackup-restoring-2.qcow2", "qcow2",
            2L << 20, "b".repeat(64), root.backupId())));
  }

  @Test
  void newDomainFilesAreNamedAfterTheNewDomainAndTargetWithNumberedBackingLayers() {
    List<DiskPlacement> placements = RestoreDecisions.asNewDomain(manifest, "copy", "/srv/restore");

    assertThat(placements).containsExactly(
        new DiskPlacement("vda", List.of(
            new FilePlacement("disks/vda.qcow2", "/srv/restore/copy-vda.qcow2", "qcow2", 1L << 20, "a".repeat(64)),
            new FilePlacement(
                "disks/vda-backing1.qcow2", "/srv/restore/copy-vda-backing1.qcow2", "qcow2", 2L << 20,
                "b".repeat(64)))),
        new DiskPlacement("vdb", List.of(
            new FilePlacement("disks/vdb.raw", "/srv/restore/copy-vdb.raw", "raw", 1L << 30, "c".repeat(64)))));
  }

  @Test
  void inPlaceFilesGoBackToWhereTheyWereBackedUpFrom() {
    List<DiskPlacement> placements = RestoreDecisions.inPlace(manifest);

    assertThat(RestoreDecisions.destinations(placements)).containsExactly(VDA, VDA_BASE, VDB);
    assertThat(placements.get(0).chain()).extracting(FilePlacement::file)
        .containsExactly("disks/vda.qcow2", "disks/vda-backing1.qcow2");
  }

  @Test
  void destinationsListActiveImagesAndLayersInDiskOrderAndActiveImagesByTarget() {
    List<DiskPlacement> placements = RestoreDecisions.asNewDomain(manifest, "copy", "/t");

    assertThat(RestoreDecisions.destinations(placements))
        .containsExactly("/t/copy-vda.qcow2", "/t/copy-vda-backing1.qcow2", "/t/copy-vdb.raw");
    assertThat(RestoreDecisions.activeImages(placements))
        .containsExactly(
            entry("vda", "/t/copy-vda.qcow2"),
            entry("vdb", "/t/copy-vdb.raw"));
  }

  @Test
  void defaultTargetDirectoryIsTheFirstDiskDirectory() {
    assertThat(RestoreDecisions.defaultTargetDir(manifest)).isEqualTo(IMAGES);
  }

  @Test
  void defaultTargetDirectoryOfImageInRootIsRoot() {
    assertThat(RestoreDecisions.defaultTargetDir(withVdaSource("/vda.qcow2"))).isEqualTo("/");
  }

  @Test
  void inPlaceMatchesUnchangedDomain() {
    assertThat(RestoreDecisions.inPlaceMismatch(manifest, domain(DomainState.RUNNING))).isNull();
  }

  @Test
  void inPlaceMismatchNamesADiskWithAnotherActiveImage() {
    DomainInfo moved = domain(DomainState.RUNNING, UUID_VM1, "/elsewhere/vm1-vda.qcow2");

    assertThat(RestoreDecisions.inPlaceMismatch(manifest, moved))
        .contains("disk vda of vm1 is now [/elsewhere/vm1-vda.qcow2, " + VDA_BASE + "]")
        .contains("but was [" + VDA + ", " + VDA_BASE + "]");
  }

  @Test
  void inPlaceMismatchNamesADiskWhoseBackingChainChanged() {
    // Same active image, but a snapshot taken since added a layer: the chains differ.
    DomainInfo current = withDisks(
        new DiskInfo("vda", VDA, "qcow2", List.of(new ImageLayer(IMAGES + "/mid.qcow2", "qcow2"),
            new ImageLayer(VDA_BASE, "qcow2"))),
        new DiskInfo("vdb", VDB, "raw", List.of()));

    assertThat(RestoreDecisions.inPlaceMismatch(manifest, current)).startsWith("disk vda of vm1 is now");
  }

  @Test
  void inPlaceMismatchNamesADetachedDisk() {
    DomainInfo current = withDisks(new DiskInfo("vda", VDA, "qcow2", List.of(new ImageLayer(VDA_BASE, "qcow2"))));

    assertThat(RestoreDecisions.inPlaceMismatch(manifest, current))
        .isEqualTo("disk vdb of the backup is no longer attached to vm1");
  }

  @Test
  void inPlaceMismatchNamesDisksTheBackupDoesNotHave() {
    DomainInfo current = withDisks(
        new DiskInfo("vda", VDA, "qcow2", List.of(new ImageLayer(VDA_BASE, "qcow2"))),
        new DiskInfo("vdb", VDB, "raw", List.of()),
        new DiskInfo("vdc", IMAGES + "/vm1-vdc.qcow2", "qcow2", List.of()));

    assertThat(RestoreDecisions.inPlaceMismatch(manifest, current))
        .isEqualTo("vm1 has disks the backup does not have: vdc");
  }

  private static DomainInfo withDisks(DiskInfo... disks) {
    return new DomainInfo(
        "vm1", UUID_VM1, DomainState.RUNNING, true, List.of(disks), List.of(), true, null, FakeHost.DEFAULT_REPOSITORY);
  }

  private Manifest withVdaSource(String source) {
    ManifestDisk vda = manifest.disks().get(0);
    ManifestDisk moved = new ManifestDisk(
        vda.target(), vda.file(), vda.format(), vda.virtualSize(), vda.bytes(), vda.sha256(), source, vda.backing());
    return new Manifest(
        manifest.formatVersion(), manifest.domain(), manifest.uuid(), manifest.host(), manifest.backupId(),
        manifest.startedAt(), manifest.completedAt(), manifest.strategy(), manifest.captureRequested(),
        manifest.capture(), manifest.warnings(), List.of(moved), manifest.memoryState(), manifest.domainXml(),
        manifest.nvram(), manifest.verified());
  }
}
