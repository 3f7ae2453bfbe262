package dev.vmbackup.host.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackupXmlTest {
  @Test
  void pushBackupNamesEveryDiskAndEscapesPaths() {
    String xml = BackupXml.push(List.of(new BackupXml.PushDisk("vda", "/srv/b's & <c>/vda.qcow2", "qcow2")),
        List.of("hdc"), "vmbackup-20261122T221500Z");

    assertThat(xml).contains("<domainbackup mode=\"push\">")
        .contains("<incremental>vmbackup-20261122T221500Z</incremental>")
        .contains("<disk backup=\"yes\" name=\"vda\" type=\"file\">")
        .contains("file=\"/srv/b's &amp; &lt;c&gt;/vda.qcow2\"")
        .contains("<driver type=\"qcow2\"/>")
        .contains("<disk backup=\"no\" name=\"hdc\"/>");
    assertThat(BackupXml.targets(xml)).isEqualTo(Map.of("vda", "/srv/b's & <c>/vda.qcow2"));
  }

  @Test
  void aFullBackupHasNoIncrementalElement() {
    assertThat(BackupXml.push(List.of(new BackupXml.PushDisk("vda", "/b/vda.raw", "raw")), List.of(), null))
        .doesNotContain("incremental");
  }

  @Test
  void checkpointTracksTheListedDisksWithABitmapOfItsName() {
    String xml = BackupXml.checkpoint("vmbackup-x", List.of("vda", "vdb"), List.of("hdc"));

    assertThat(BackupXml.checkpointDisks(xml)).containsExactly(
        new BackupXml.CheckpointDisk("vda", "vmbackup-x", null),
        new BackupXml.CheckpointDisk("vdb", "vmbackup-x", null),
        new BackupXml.CheckpointDisk("hdc", null, null));
  }

  /** As {@code virsh checkpoint-dumpxml --size --no-domain} prints it on libvirt 9.0 (vdb lost its bitmap). */
  @Test
  void readsTheSizesLibvirtReports() {
    String xml = """
        <domaincheckpoint>
          <name>vmbackup-b2</name>
          <parent>
            <name>vmbackup-b1</name>
          </parent>
          <creationTime>1795650272</creationTime>
          <disks>
            <disk name='vda' checkpoint='bitmap' bitmap='vmbackup-b2' size='16973824'/>
            <disk name='vdb' checkpoint='bitmap' bitmap='vmbackup-b2'/>
            <disk name='sda' checkpoint='no'/>
          </disks>
        </domaincheckpoint>
        """;

    assertThat(BackupXml.checkpointDisks(xml)).containsExactly(
        new BackupXml.CheckpointDisk("vda", "vmbackup-b2", 16973824L),
        new BackupXml.CheckpointDisk("vdb", "vmbackup-b2", null),
        new BackupXml.CheckpointDisk("sda", null, null));
  }

  /** As {@code virsh backup-dumpxml} prints a running push job on libvirt 9.0. */
  @Test
  void readsTheTargetsOfARunningJob() {
    String xml = """
        <domainbackup mode='push'>
          <disks>
            <disk name='vda' backup='yes' type='file' backupmode='full' index='4'>
              <driver type='qcow2'/>
              <target file='/var/tmp/repo/b3.partial/vda.qcow2'/>
            </disk>
            <disk name='hdc' backup='no'/>
          </disks>
        </domainbackup>
        """;

    assertThat(BackupXml.targets(xml)).isEqualTo(Map.of("vda", "/var/tmp/repo/b3.partial/vda.qcow2"));
  }

  @Test
  void otherDocumentsAreRefused() {
    assertThatThrownBy(() -> BackupXml.targets("<domain/>")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BackupXml.checkpointDisks("<domainbackup/>")).isInstanceOf(IllegalArgumentException.class);
  }
}
