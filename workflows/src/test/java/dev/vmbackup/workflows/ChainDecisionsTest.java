package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.ImageLayer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure decisions of strategy chain: overlay names, chain lengths, consolidation. */
class ChainDecisionsTest {
  private static final String IMAGE = "/images/vm 1/vda.qcow2";

  @Test
  void overlaysAreNamedAfterTheVmsOwnImageWhicheverOverlayTheyGoOn() {
    assertThat(ChainDecisions.overlayPath(IMAGE, "20261122T221500Z"))
        .isEqualTo(IMAGE + ".vmbackup-chain-20261122T221500Z.qcow2");
    assertThat(ChainDecisions.overlayPath(IMAGE + ".vmbackup-chain-20261122T221500Z.qcow2", "20261122T231500Z"))
        .isEqualTo(IMAGE + ".vmbackup-chain-20261122T231500Z.qcow2");
  }

  @Test
  void onlyChainOverlaysCountAsOverlays() {
    assertThat(ChainDecisions.isOverlay(IMAGE + ".vmbackup-chain-20261122T221500Z.qcow2")).isTrue();
    // Strategy full's temporary overlays and user files that merely look similar are not chain overlays.
    assertThat(ChainDecisions.isOverlay(IMAGE + ".vmbackup-20261122T221500Z.qcow2")).isFalse();
    assertThat(ChainDecisions.isOverlay(IMAGE + ".vmbackup-chain-latest.qcow2")).isFalse();
    assertThat(ChainDecisions.isOverlay(IMAGE)).isFalse();
  }

  @Test
  void theConsolidatedChainIsTheChainWithoutItsOverlays() {
    String o1 = IMAGE + ".vmbackup-chain-20261122T221500Z.qcow2";
    assertThat(ChainDecisions.withoutOverlays(List.of(o1, IMAGE, "/images/base.qcow2")))
        .containsExactly(IMAGE, "/images/base.qcow2");
    assertThat(ChainDecisions.withoutOverlays(List.of(IMAGE))).containsExactly(IMAGE);
  }

  @Test
  void consolidationCommitsEveryOverlayBelowTheActiveOneIntoTheVmsOwnImage() {
    String o1 = IMAGE + ".vmbackup-chain-20261122T010000Z.qcow2";
    String o2 = IMAGE + ".vmbackup-chain-20261122T020000Z.qcow2";
    String o3 = IMAGE + ".vmbackup-chain-20261122T030000Z.qcow2";
    DomainInfo domain = domain(new DiskInfo("vda", o3, "qcow2", List.of(layer(o2), layer(o1), layer(IMAGE),
        layer("/images/template.qcow2"))));

    assertThat(ChainDecisions.consolidation(domain, 4)).as("3 overlays + 1 fits in 4").isEmpty();
    assertThat(ChainDecisions.consolidation(domain, 3)).containsExactly(
        new ConsolidateRequest.Disk("vda", o3, List.of(o2, o1), IMAGE));
    assertThat(ChainDecisions.consolidation(domain, 2)).hasSize(1);
  }

  @Test
  void aVmOnItsOwnImageOrOnOneOverlayHasNothingToConsolidate() {
    String o1 = IMAGE + ".vmbackup-chain-20261122T010000Z.qcow2";
    assertThat(ChainDecisions.consolidation(domain(new DiskInfo("vda", IMAGE, "qcow2", List.of())), 2)).isEmpty();
    assertThat(ChainDecisions.consolidation(domain(new DiskInfo("vda", o1, "qcow2", List.of(layer(IMAGE)))), 2))
        .isEmpty();
  }

  private static ImageLayer layer(String path) {
    return new ImageLayer(path, "qcow2");
  }

  private static DomainInfo domain(DiskInfo disk) {
    return new DomainInfo("vm1", "u", DomainState.RUNNING, true, List.of(disk), List.of(), true, null, "/srv");
  }
}
