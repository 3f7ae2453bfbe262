package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.CheckpointState;
import dev.vmbackup.workflows.model.DiskState;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalFacts;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.Verification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chain rules of {@link IncrementalDecisions}, on facts written out by hand. */
class IncrementalDecisionsTest {
  private static final DomainInfo DOMAIN = IncrementalFakes.domain(DomainState.RUNNING);
  private static final long SIZE = 1L << 30;
  private static final String F = "20261101T000000Z";
  private static final String I1 = "20261102T000000Z";
  private static final String I2 = "20261103T000000Z";

  @Test
  void theFirstBackupIsFullWithoutAReason() {
    IncrementalDecision decision = decide(facts(List.of(), List.of(), List.of()), Strategy.INCREMENTAL, 7);

    assertThat(decision.full()).isTrue();
    assertThat(decision.reason()).isNull();
    assertThat(decision.checkpoints()).isTrue();
    assertThat(decision.staleCheckpoints()).isEmpty();
  }

  @Test
  void anIncrementalGoesOnFromTheNewestCheckpointAndKeepsTheFullOnesCheckpoint() {
    IncrementalFacts facts = facts(
        List.of(full(F), incremental(I1, F), incremental(I2, I1)),
        List.of(checkpoint(F), checkpoint(I1), checkpoint(I2)),
        bitmaps(F, I1, I2));

    IncrementalDecision decision = decide(facts, Strategy.INCREMENTAL, 7);

    assertThat(decision.full()).isFalse();
    assertThat(decision.parentBackupId()).isEqualTo(I2);
    assertThat(decision.incrementalFrom()).isEqualTo("vmbackup-" + I2);
    assertThat(decision.disks()).extracting(IncrementalDecision.PlannedDisk::parentFile)
        .containsExactly("vda.qcow2", "vdb.qcow2");
    assertThat(decision.staleCheckpoints()).containsExactly("vmbackup-" + I1);
  }

  @Test
  void aDifferentialGoesOnFromTheNewestFullBackup() {
    IncrementalFacts facts = facts(
        List.of(full(F), incremental(I1, F)), List.of(checkpoint(F), checkpoint(I1)), bitmaps(F, I1));

    IncrementalDecision decision = decide(facts, Strategy.DIFFERENTIAL, 7);

    assertThat(decision.parentBackupId()).isEqualTo(F);
    assertThat(decision.incrementalFrom()).isEqualTo("vmbackup-" + F);
    // The incremental's checkpoint stays: the next incremental starts from it.
    assertThat(decision.staleCheckpoints()).isEmpty();
  }

  @Test
  void checkpointsWithoutABackupAreStaleButDoNotBreakTheChain() {
    String orphan = "20261104T000000Z";
    IncrementalFacts facts = facts(
        List.of(full(F)), List.of(checkpoint(F), checkpoint(orphan)), bitmaps(F, orphan));

    IncrementalDecision decision = decide(facts, Strategy.INCREMENTAL, 7);

    assertThat(decision.full()).isFalse();
    assertThat(decision.staleCheckpoints()).containsExactly("vmbackup-" + orphan);
  }

  @Test
  void aRemovedDiskStartsANewChain() {
    IncrementalFacts facts = facts(List.of(full(F)), List.of(checkpoint(F)), bitmaps(F));
    IncrementalFacts oneDisk = new IncrementalFacts(facts.domain(), facts.disks().subList(0, 1), facts.checkpoints(),
        facts.backups(), Map.of());

    assertThat(decide(oneDisk, Strategy.INCREMENTAL, 7).reason())
        .isEqualTo("disk vdb was removed since backup " + F);
  }

  @Test
  void aCheckpointThatDoesNotTrackADiskStartsANewChain() {
    IncrementalFacts facts = facts(List.of(full(F)),
        List.of(new CheckpointState("vmbackup-" + F, Map.of("vda", "vmbackup-" + F))), bitmaps(F));

    assertThat(decide(facts, Strategy.INCREMENTAL, 7).reason())
        .isEqualTo("checkpoint vmbackup-" + F + " does not track disk vdb");
  }

  @Test
  void aBackupMissingBelowTheParentStartsANewChain() {
    IncrementalFacts facts = facts(
        List.of(incremental(I1, F), incremental(I2, I1)), List.of(checkpoint(I2)), bitmaps(I2));

    IncrementalDecision decision = decide(facts, Strategy.INCREMENTAL, 7);

    assertThat(decision.full()).isTrue();
    assertThat(decision.reason())
        .isEqualTo("backup " + F + ", which backup " + I1 + " builds on, is not in the repository");
    assertThat(decision.staleCheckpoints()).containsExactly("vmbackup-" + I2);
  }

  @Test
  void damageBelowTheParentStartsANewChain() {
    IncrementalFacts facts = facts(
        List.of(full(F), incremental(I1, F)), List.of(checkpoint(F), checkpoint(I1)), bitmaps(F, I1));
    IncrementalFacts damaged = new IncrementalFacts(facts.domain(), facts.disks(), facts.checkpoints(),
        facts.backups(), Map.of(F, "vda.qcow2: 5 bytes, manifest says 6"));

    assertThat(decide(damaged, Strategy.INCREMENTAL, 7).reason()).isEqualTo("backup " + F
        + " is damaged (vda.qcow2: 5 bytes, manifest says 6), and backup " + I1 + " builds on it");
  }

  @Test
  void backupsOfAnotherDomainWithTheSameNameAreNotAParent() {
    Manifest other = withUuid(full(F), "00000000-0000-0000-0000-000000000001");
    IncrementalFacts facts = facts(List.of(other), List.of(checkpoint(F)), bitmaps(F));

    IncrementalDecision decision = decide(facts, Strategy.INCREMENTAL, 7);

    assertThat(decision.full()).isTrue();
    assertThat(decision.reason()).contains("another UUID");
    assertThat(decision.staleCheckpoints()).containsExactly("vmbackup-" + F);
  }

  @Test
  void fullEveryZeroMakesEveryBackupAFullOne() {
    IncrementalFacts facts = facts(List.of(full(F)), List.of(checkpoint(F)), bitmaps(F));

    assertThat(decide(facts, Strategy.INCREMENTAL, 0).reason()).isEqualTo("fullEvery is 0: every backup is a full one");
  }

  @Test
  void untrackableDisksAreRefusedUnlessAFullCopyIsAllowed() {
    IncrementalFacts facts = facts(List.of(), List.of(), List.of());
    List<DiskState> raw = List.of(new DiskState("vda", "/images/vda.raw", "raw", SIZE, List.of()));
    IncrementalFacts withRaw = new IncrementalFacts(facts.domain(), raw, List.of(), List.of(), Map.of());

    assertThatThrownBy(() -> IncrementalDecisions.decide(withRaw, Strategy.INCREMENTAL, 7, false))
        .isInstanceOf(IncrementalDecisions.UntrackableDisks.class)
        .hasMessageContaining("vda (raw /images/vda.raw)");
    IncrementalDecision allowed = IncrementalDecisions.decide(withRaw, Strategy.INCREMENTAL, 7, true);
    assertThat(allowed.full()).isTrue();
    assertThat(allowed.checkpoints()).isFalse();
  }

  @Test
  void unneededCheckpointsAreAllButTheNewestAndTheNewestFullOnes() {
    String orphan = "20261104T000000Z";
    IncrementalFacts facts = facts(
        List.of(full(F), incremental(I1, F), incremental(I2, I1)),
        List.of(checkpoint(F), checkpoint(I1), checkpoint(I2), checkpoint(orphan)),
        bitmaps(F, I1, I2, orphan));

    assertThat(IncrementalDecisions.unneededCheckpoints(facts))
        .containsExactly("vmbackup-" + I1, "vmbackup-" + orphan);
    assertThat(IncrementalDecisions.unneededCheckpoints(facts(List.of(), facts.checkpoints(), List.of())))
        .hasSize(4);
  }

  private static IncrementalDecision decide(IncrementalFacts facts, Strategy strategy, int fullEvery) {
    return IncrementalDecisions.decide(facts, strategy, fullEvery, false);
  }

  private static IncrementalFacts facts(List<Manifest> backups, List<CheckpointState> checkpoints, List<String> bitmaps) {
    List<DiskState> disks = List.of(
        new DiskState("vda", "/images/vda.qcow2", "qcow2", SIZE, bitmaps),
        new DiskState("vdb", "/images/vdb.qcow2", "qcow2", SIZE, bitmaps));
    return new IncrementalFacts(DOMAIN, disks, checkpoints, backups, Map.of());
  }

  private static List<String> bitmaps(String... ids) {
    List<String> names = new ArrayList<>();
    for (String id : ids) {
      names.add("vmbackup-" + id);
    }
    return names;
  }

  private static CheckpointState checkpoint(String id) {
    return new CheckpointState("vmbackup-" + id, Map.of("vda", "vmbackup-" + id, "vdb", "vmbackup-" + id));
  }

  private static Manifest full(String id) {
    return incremental(id, null);
  }

  private static Manifest incremental(String id, String parent) {
    List<ManifestDisk> disks = List.of(
        new ManifestDisk("vda", "vda.qcow2", "qcow2", SIZE, 1, "0", "/images/vda.qcow2", List.of(), "vmbackup-" + id),
        new ManifestDisk("vdb", "vdb.qcow2", "qcow2", SIZE, 1, "0", "/images/vdb.qcow2", List.of(), "vmbackup-" + id));
    return new Manifest(1, "vm1", Fixtures.UUID_VM1, "h1", id, null, null, Strategy.INCREMENTAL, CaptureMode.CRASH,
        CaptureMode.CRASH, List.of(), disks, null, null, null, new Verification("x", true), parent, "vmbackup-" + id);
  }

  private static Manifest withUuid(Manifest manifest, String uuid) {
    return new Manifest(1, manifest.domain(), uuid, manifest.host(), manifest.backupId(), null, null,
        manifest.strategy(), manifest.captureRequested(), manifest.capture(), manifest.warnings(), manifest.disks(),
        null, null, null, manifest.verified(), manifest.parentBackupId(), manifest.checkpoint());
  }
}
