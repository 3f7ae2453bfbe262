package dev.vmbackup.activities;

import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestHost;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the chain and saved-state activity tests share: the real libvirt and qemu-img ports, activity
 * stubs on a {@link TestActivityEnvironment} (so that heartbeats work as in a worker), and reading a
 * guest's disks with virsh and qemu-img, independently of the code under test.
 */
final class ChainFixtures implements AutoCloseable {
  final LibvirtHypervisor hypervisor = new LibvirtHypervisor(TestHost.LIBVIRT_URI);
  final QemuImg images = new QemuImg(new ProcessRunner());
  final TestActivityEnvironment env = TestActivityEnvironment.newInstance();

  <T> T stub(Class<T> activities) {
    return env.newActivityStub(activities, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(10))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  @Override
  public void close() {
    env.close();
    hypervisor.close();
  }

  /** The image the running VM writes to, per {@code virsh domblklist}. */
  static String activeImage(String domain, String target) {
    return source(Commands.virsh("domblklist", domain), target);
  }

  /** The image the persistent definition names, per {@code virsh domblklist --inactive}. */
  static String definedImage(String domain, String target) {
    return source(Commands.virsh("domblklist", domain, "--inactive"), target);
  }

  private static String source(String blockList, String target) {
    return blockList.lines().skip(2).map(String::strip).filter(line -> line.startsWith(target + " "))
        .map(line -> line.substring(target.length()).strip()).findFirst()
        .orElseThrow(() -> new AssertionError("no disk " + target + " in " + blockList));
  }

  /** The image and every layer below it, per {@code qemu-img info --backing-chain}. */
  static List<String> chain(String image) {
    List<String> chain = new ArrayList<>();
    for (String line : Commands.ok("qemu-img", "info", "-U", "--backing-chain", image).lines().toList()) {
      if (line.startsWith("image: ")) {
        chain.add(line.substring("image: ".length()));
      }
    }
    return chain;
  }

  static boolean hasBlockJob(String domain, String target) {
    return !Commands.virsh("blockjob", domain, target, "--info").toLowerCase().contains("no current block job");
  }
}
