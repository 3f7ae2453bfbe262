package dev.vmbackup.starter;

import dev.vmbackup.host.guest.GuestDisk;
import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RestoreResult;
import dev.vmbackup.workflows.model.Strategy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The README's main job: on a fresh host, install what is missing, create a small VM, back it up while
 * it runs, restore it as a new VM, and show that the copy boots with the data of the original.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Install what is missing, create a small demo VM, back it up, restore it as a new VM and verify it.")
class DemoCommand implements Callable<Integer> {
  static final String DOMAIN = "vmbackup-demo";
  static final String RESTORED = "vmbackup-demo-restored";
  private static final Path HOME = Path.of("/var/lib/vmbackup/demo");
  private static final Pattern RECORD = Pattern.compile("record (\\S+) (\\d+)");

  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Option(names = "--clean", description = "Remove the demo VMs, their disks and their backups, and stop.")
  boolean clean;

  private final ProcessRunner runner = new ProcessRunner();

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (clean) {
      removeDemo();
      out.println("removed the demo VMs " + DOMAIN + " and " + RESTORED + " and everything under " + HOME);
      return 0;
    }
    out.println("1. preparing this host (libvirt, QEMU, the demo guest's kernel)...");
    out.flush();
    prepareHost();
    removeDemo();

    Path vmDir = HOME.resolve("vm");
    Path restoredDir = HOME.resolve("restored");
    String repository = options.requestedRepository() != null
        ? options.requestedRepository() : HOME.resolve("repository").toString();
    out.println("2. creating and starting the demo VM " + DOMAIN + " in " + vmDir);
    out.flush();
    createVm(vmDir);
    Path console = vmDir.resolve("console.log");
    long written = waitForRecords(console, null, 10);
    out.println("   it runs and has written " + written + " numbered records to its disk");

    try (TemporalSession session = TemporalSession.openForDemo(options)) {
      out.println("3. backing it up while it runs (" + session.description() + ")...");
      out.flush();
      BackupResult backup = session.client().backup(new BackupRequest(
          DOMAIN, options.effectiveHost(), CaptureMode.QUIESCE, repository, Strategy.FULL));
      out.println("   backup " + backup.backupId() + ": capture " + backup.capture() + ", "
          + Output.bytes(backup.bytesCopied()) + " written, checksums and qemu-img check verified");
      out.println("   " + backup.path());
      GuestDisk.Content frozen = GuestDisk.read(runner, Path.of(backup.path(), backup.disks().get(0).file()),
          backup.disks().get(0).format(), Files.createDirectories(HOME.resolve("scratch")));
      if (!frozen.clean() || frozen.records().isEmpty()) {
        throw new UserError("the backed-up filesystem is not clean: " + frozen.fsckReport());
      }
      GuestDisk.Record lastBackedUp = frozen.records().get(frozen.records().size() - 1);
      out.println("   the backed-up disk passes e2fsck -fn" + (frozen.neededJournalReplay() ? " after a journal replay" : "")
          + " and holds records 1.." + lastBackedUp.sequence() + " of boot " + lastBackedUp.boot());

      out.println("4. restoring it as a new VM " + RESTORED + " in " + restoredDir + "...");
      out.flush();
      RestoreResult restored = session.client().restore(new RestoreRequest(
          DOMAIN, backup.backupId(), RESTORED, null, null, restoredDir.toString(), null, null, repository,
          options.effectiveHost()));
      out.println("   defined with a new UUID " + restored.uuid() + " and started");

      out.println("5. checking the copy...");
      out.flush();
      Path restoredConsole = restoredDir.resolve(RESTORED + "-console.log");
      String originalBoot = lastRecord(console).boot;
      long restoredRecords = waitForRecords(restoredConsole, originalBoot, 5);
      out.println("   " + RESTORED + " booted from the restored disk (records 1.." + lastBackedUp.sequence()
          + " of boot " + lastBackedUp.boot() + ") and writes new records of its own (" + restoredRecords + " so far)");
      out.println("   " + DOMAIN + " kept running on its own disk: " + disks(DOMAIN));
    }
    out.println();
    out.println("Done. Try:  ./vmbackup list --repository " + repository);
    out.println("            virsh list --all");
    out.println("Remove the demo with:  ./vmbackup demo --clean");
    return 0;
  }

  private void prepareHost() {
    Path script = home().resolve("scripts/prepare-host.sh");
    CommandResult result = runner.run(List.of(script.toString()), Duration.ofMinutes(30));
    if (!result.succeeded()) {
      throw new UserError("preparing the host failed: " + result.stderr().strip());
    }
  }

  private void createVm(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TinyGuest.Disk disk = TinyGuest.Disk.qcow2("vda").withBallast(16);
    TinyGuest.makeDisk(runner, dir, disk);
    // The demo guest runs under TCG so that it works on any host, nested or not; vmbackup itself
    // backs up kvm domains the same way.
    String xml = TinyGuest.domainXml(new TinyGuest.Spec(
        DOMAIN, dir, List.of(disk), 128, true, 0, "qemu", TinyGuest.DEFAULT_GUEST_DIR));
    try (LibvirtHypervisor hypervisor = new LibvirtHypervisor(options.libvirtUri())) {
      hypervisor.define(xml);
      hypervisor.start(DOMAIN);
    }
  }

  /** Removes what an earlier demo left: only the two demo domains and the demo directory. */
  private void removeDemo() {
    try (LibvirtHypervisor hypervisor = new LibvirtHypervisor(options.libvirtUri())) {
      for (String name : new String[] {DOMAIN, RESTORED}) {
        hypervisor.lookup(name).ifPresent(status -> {
          if (status.state().isActive()) {
            hypervisor.destroy(name);
          }
          if (status.persistent()) {
            hypervisor.undefine(name);
          }
        });
      }
    }
    runner.runChecked(List.of("rm", "-rf", "--one-file-system", HOME.toString()), Duration.ofMinutes(5));
  }

  private String disks(String domain) {
    return runner.runChecked(List.of("virsh", "-c", options.libvirtUri(), "domblklist", domain), Duration.ofSeconds(30))
        .stdout().lines().skip(2).map(String::strip).filter(line -> !line.isEmpty()).findFirst().orElse("?");
  }

  private record Record(String boot, long sequence) {}

  /**
   * Waits until the console shows at least {@code count} records of a boot other than {@code otherThan}
   * (or of any boot when null); returns how many records that boot has printed.
   */
  private static long waitForRecords(Path console, String otherThan, int count) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(deadline)) {
      Record last = lastRecord(console);
      if (last != null && !last.boot.equals(otherThan) && last.sequence >= count) {
        return last.sequence;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UserError("interrupted");
      }
    }
    throw new UserError("the demo guest did not write records within 3 minutes; see " + console);
  }

  private static Record lastRecord(Path console) {
    if (!Files.exists(console)) {
      return null;
    }
    try {
      Matcher matcher = RECORD.matcher(Files.readString(console, StandardCharsets.ISO_8859_1));
      Record last = null;
      while (matcher.find()) {
        last = new Record(matcher.group(1), Long.parseLong(matcher.group(2)));
      }
      return last;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The project directory: set by the ./vmbackup script, else found from the jar's location. */
  private static Path home() {
    String env = System.getenv("VMBACKUP_HOME");
    if (env != null) {
      return Path.of(env);
    }
    try {
      Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return jar.getParent().getParent().getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
