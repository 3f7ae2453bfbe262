package dev.vmbackup.host.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ChainRecord;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository and chained backups: the chain fields round-trip, and no backup others build on is discarded. */
class FileRepositoryChainTest {
  @TempDir Path tmp;

  private static Manifest manifest(String id, String parent) {
    return new Manifest(Manifest.FORMAT_VERSION, "vm1", "u", "h", id, "2026-11-20T01:00:00Z", "2026-11-20T01:01:00Z",
        Strategy.CHAIN, CaptureMode.SAVED_STATE, CaptureMode.SAVED_STATE, List.of(), List.of(), null, null, null, null,
        parent, null, new ChainRecord(List.of(new ChainRecord.ChainTop("vda", "/i/vda.qcow2.vmbackup-chain-" + id
            + ".qcow2", List.of("/i/vda.qcow2")))), 2345L);
  }

  private static void publish(FileRepository repository, Manifest manifest) {
    var prepared = repository.prepare("vm1", manifest.backupId(), "owner-" + manifest.backupId());
    repository.writeManifest(Path.of(prepared.partialDir()), manifest);
    repository.publish("vm1", manifest.backupId());
  }

  @Test
  void chainRecordParentAndStoppedTimeRoundTrip() {
    FileRepository repository = new FileRepository(tmp);
    Manifest written = manifest("20261120T010000Z", null);
    publish(repository, written);

    assertThat(repository.readManifest("vm1", "20261120T010000Z")).contains(written);
  }

  @Test
  void aBackupThatOthersBuildOnIsNotDiscarded() {
    FileRepository repository = new FileRepository(tmp);
    publish(repository, manifest("20261120T010000Z", null));
    publish(repository, manifest("20261120T020000Z", "20261120T010000Z"));

    repository.discard("vm1", "20261120T010000Z", "someone");
    assertThat(Files.exists(repository.backupDir("vm1", "20261120T010000Z"))).isTrue();

    repository.discard("vm1", "20261120T020000Z", "someone");
    assertThat(Files.exists(repository.backupDir("vm1", "20261120T020000Z"))).isFalse();
    repository.discard("vm1", "20261120T010000Z", "someone");
    assertThat(Files.exists(repository.backupDir("vm1", "20261120T010000Z"))).isFalse();
  }
}
