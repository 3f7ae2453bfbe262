package dev.vmbackup.starter;

import dev.vmbackup.activities.StoreExport;
import dev.vmbackup.client.BackupCatalog;
import dev.vmbackup.store.Manifest.Item;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.Manifest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List the backups in the repository, read from their manifests (no Temporal needed). For a store:"
        + " per domain, oldest first, with the bytes each backup added to the store.")
class ListCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "Only this VM's backups.")
  String domain;

  @Override
  public Integer call() {
    GlobalOptions.LocalRepository selected = options.localRepository();
    if (selected.isStore()) {
      return listStore();
    }
    Path root = selected.workingDirectory();
    if (!Files.isDirectory(root)) {
      throw new UserError("repository " + root + " does not exist");
    }
    List<String> domains;
    BackupCatalog repository;
    try {
      repository = BackupCatalog.open(root.toString());
      domains = domain != null ? List.of(Validation.domainName("domain", domain)) : repository.domains();
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    List<Manifest> backups = new ArrayList<>();
    domains.forEach(name -> backups.addAll(repository.list(name)));
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      List<Map<String, Object>> entries = new ArrayList<>();
      for (Manifest manifest : backups) {
        entries.add(Map.of(
            "path", repository.backupDir(manifest.domain(), manifest.backupId()).toString(),
            "protected", repository.isProtected(manifest.domain(), manifest.backupId()),
            "manifest", manifest,
            "dependents", dependents(backups, manifest)));
      }
      Output.json(out, Map.of("repository", root.toString(), "backups", entries));
      return 0;
    }
    if (backups.isEmpty()) {
      out.println(domain == null ? "no backups in " + root : "no backups of " + domain + " in " + root);
      return 0;
    }
    out.printf("%-24s %-17s %-12s %-11s %5s %10s  %-8s %-9s %s%n", "DOMAIN", "BACKUP", "STRATEGY", "CAPTURE",
        "DISKS", "SIZE", "VERIFIED", "PROTECTED", "PARENT");
    for (Manifest manifest : backups) {
      String verified = manifest.verified() == null ? "never" : manifest.verified().ok() ? "ok" : "FAILED";
      out.printf("%-24s %-17s %-12s %-11s %5d %10s  %-8s %-9s %s%n", manifest.domain(), manifest.backupId(),
          manifest.strategy(), manifest.capture(), manifest.disks().size(), Output.bytes(manifest.totalBytes()),
          verified, repository.isProtected(manifest.domain(), manifest.backupId()) ? "yes" : "-",
          parent(backups, manifest));
    }
    return 0;
  }

  /**
   * Lists a store's backups by the manifests of kind files stored with them: per domain, oldest first,
   * with the bytes each backup added to the store (what deduplication left of it).
   */
  private int listStore() {
    String only;
    try {
      only = domain == null ? null : Validation.domainName("domain", domain);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    List<StoreExport.StoredBackup> backups;
    String name;
    String location;
    try (StoreAccess access = StoreAccess.of(options)) {
      backups = StoreExport.backups(access.open(), only);
      name = access.name();
      location = access.location();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      List<Map<String, Object>> entries = new ArrayList<>();
      for (StoreExport.StoredBackup backup : backups) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("storeBackupId", backup.stored().backupId());
        entry.put("created", backup.stored().created().toString());
        entry.put("disks", backup.stored().disks().stream()
            .map(disk -> Map.of("name", disk.name(), "size", disk.size())).toList());
        entry.put("newChunks", items(backup.stored()).mapToLong(Item::newChunks).sum());
        entry.put("newBytes", items(backup.stored()).mapToLong(Item::newBytes).sum());
        entry.put("manifest", backup.files());
        entries.add(entry);
      }
      Output.json(out, Map.of("repository", name, "kind", "store", "location", location, "backups", entries));
      return 0;
    }
    if (backups.isEmpty()) {
      out.println((domain == null ? "no backups" : "no backups of " + domain) + " in store " + name + " (" + location
          + ")");
      return 0;
    }
    out.printf("%-24s %-17s %-20s %-12s %-11s %10s  %s%n", "DOMAIN", "BACKUP", "CREATED", "STRATEGY", "CAPTURE",
        "NEW", "DISKS");
    for (StoreExport.StoredBackup backup : backups) {
      Manifest files = backup.files();
      String disks = backup.stored().disks().stream().map(disk -> disk.name() + " " + Output.bytes(disk.size()))
          .collect(Collectors.joining(", "));
      out.printf("%-24s %-17s %-20s %-12s %-11s %10s  %s%n", files.domain(), files.backupId(),
          backup.stored().created().truncatedTo(ChronoUnit.SECONDS), files.strategy(), files.capture(),
          Output.bytes(items(backup.stored()).mapToLong(Item::newBytes).sum()), disks);
    }
    return 0;
  }

  private static Stream<Item> items(dev.vmbackup.store.Manifest stored) {
    return Stream.concat(stored.disks().stream(), stored.blobs().stream());
  }

  /**
   * The backup a backup builds on: restoring it needs that one (and what that one builds on) too. A
   * chain's first backup stands alone ("-"); a parent that is not in the repository breaks the chain.
   */
  private static String parent(List<Manifest> backups, Manifest manifest) {
    String parent = manifest.parentBackupId();
    if (parent == null) {
      return "-";
    }
    boolean present = backups.stream()
        .anyMatch(other -> other.domain().equals(manifest.domain()) && other.backupId().equals(parent));
    return present ? parent : parent + " (MISSING: cannot be restored)";
  }

  /** The backups that build directly on this one. */
  private static List<String> dependents(List<Manifest> backups, Manifest manifest) {
    return backups.stream()
        .filter(other -> other.domain().equals(manifest.domain())
            && manifest.backupId().equals(other.parentBackupId()))
        .map(Manifest::backupId)
        .toList();
  }
}
