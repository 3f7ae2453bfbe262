package dev.vmbackup.activities;

import dev.vmbackup.host.image.CheckResult;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.Verification;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Re-reads a backup against its manifest. */
public final class VerifyActivitiesImpl implements VerifyActivities {
  private final BackupVerifier verifier;

  public VerifyActivitiesImpl(ImageTool images) {
    this.verifier = new BackupVerifier(images);
  }

  @Override
  public VerifyResult verifyBackup(VerifyRequest request) {
    return ActivityBoundary.run("verify backup " + request.backupId() + " of " + request.domain(), () -> {
      BackupRepository repository = Repositories.open(request.repository());
      Manifest manifest = read(repository, request.domain(), request.backupId());
      Path dir = repository.backupDir(request.domain(), request.backupId());
      VerifyResult result = verifier.verify(dir, manifest, Heartbeats::beat);
      if (request.record()) {
        repository.writeManifest(dir, manifest.withVerification(new Verification(Instant.now().toString(), result.ok())));
      }
      return result;
    });
  }

  @Override
  public Manifest readManifest(BackupRef backup) {
    return ActivityBoundary.run("read backup " + backup.backupId() + " of " + backup.domain(),
        () -> read(Repositories.open(backup.repository()), backup.domain(), backup.backupId()));
  }

  @Override
  public List<Manifest> readBackupChain(BackupRef backup) {
    return ActivityBoundary.run("read the chain of backup " + backup.backupId() + " of " + backup.domain(), () -> {
      BackupRepository repository = Repositories.open(backup.repository());
      List<Manifest> chain = new ArrayList<>();
      Manifest current = read(repository, backup.domain(), backup.backupId());
      chain.add(current);
      while (current.parentBackupId() != null) {
        String parent = current.parentBackupId();
        if (chain.stream().anyMatch(m -> m.backupId().equals(parent)) || chain.size() > MAX_CHAIN) {
          throw new HostFailure(FailureType.VERIFICATION_FAILED,
              "the chain of backup " + backup.backupId() + " loops or is longer than " + MAX_CHAIN);
        }
        Manifest child = current;
        current = repository.readManifest(backup.domain(), Validation.backupId(parent))
            .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND,
                "the chain of backup " + backup.backupId() + " is broken: " + child.backupId() + " needs backup "
                    + parent + ", which is not in " + repository.root()));
        chain.add(current);
      }
      java.util.Collections.reverse(chain);
      return chain;
    });
  }

  /** More backups than any sane chain holds means a loop or a corrupt repository. */
  private static final int MAX_CHAIN = 10_000;

  private static Manifest read(BackupRepository repository, String domain, String backupId) {
    Validation.domainName("domain", domain);
    Validation.backupId(backupId);
    return repository.readManifest(domain, backupId)
        .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND,
            "no backup " + backupId + " of " + domain + " in " + repository.root()));
  }

  /** The verification itself, without Temporal, so that the command line can run it directly too. */
  public static final class BackupVerifier {
    private final ImageTool images;

    public BackupVerifier(ImageTool images) {
      this.images = images;
    }

    /**
     * Checks every listed file's size and checksum, then {@code qemu-img check}s every qcow2 image.
     *
     * @param progress told a {@link CopyProgress} between chunks; heartbeats inside an activity
     */
    public VerifyResult verify(Path dir, Manifest manifest, java.util.function.Consumer<CopyProgress> progress) {
      List<String> problems = new ArrayList<>();
      List<BackupFiles.Entry> entries = BackupFiles.entries(manifest);
      long total = entries.stream().mapToLong(BackupFiles.Entry::bytes).sum();
      long done = 0;
      int index = 0;
      for (BackupFiles.Entry entry : entries) {
        Path file;
        try {
          file = BackupFiles.resolve(dir, entry.file());
        } catch (IllegalArgumentException e) {
          problems.add(e.getMessage());
          continue;
        }
        CopyProgress at = new CopyProgress(index++, 0, done, total);
        problems.addAll(checkFile(file, entry, () -> progress.accept(at)));
        done += entry.bytes();
      }
      if (problems.isEmpty()) {
        for (BackupFiles.Entry entry : entries) {
          if ("qcow2".equals(entry.format())) {
            CheckResult check = images.check(dir.resolve(entry.file()), entry.format());
            if (!check.ok()) {
              problems.add(entry.file() + ": qemu-img check failed: " + check.summary());
            }
          }
        }
      }
      problems.addAll(missingAncestors(dir, manifest));
      return new VerifyResult(dir.toString(), problems.isEmpty(), problems, entries.size(), done);
    }

    /**
     * A backup that builds on others is only restorable with all of them: each one it names, and each
     * one those name, must be a published backup beside it. Their files are checked when they are
     * verified themselves.
     */
    static List<String> missingAncestors(Path dir, Manifest manifest) {
      Path domainDir = dir.getParent();
      List<String> seen = new ArrayList<>(List.of(manifest.backupId()));
      Manifest current = manifest;
      while (current.parentBackupId() != null) {
        String parent = current.parentBackupId();
        if (!dev.vmbackup.workflows.BackupIds.isValid(parent)) {
          return List.of("backup " + current.backupId() + " names an invalid parent '" + parent + "'");
        }
        if (seen.contains(parent) || seen.size() > MAX_CHAIN) {
          return List.of("the chain of backup " + manifest.backupId() + " loops or is longer than " + MAX_CHAIN);
        }
        seen.add(parent);
        Path file = domainDir.resolve(parent).resolve(BackupLayout.MANIFEST);
        try {
          current = dev.vmbackup.host.repository.Json.MAPPER.readValue(file.toFile(), Manifest.class);
        } catch (IOException e) {
          return List.of("the chain is incomplete: backup " + current.backupId() + " needs backup " + parent
              + ", which " + (Files.exists(file) ? "cannot be read: " + e.getMessage() : "is missing"));
        }
      }
      return List.of();
    }

    private static List<String> checkFile(Path file, BackupFiles.Entry entry, Runnable beat) {
      try {
        if (!Files.isRegularFile(file)) {
          return List.of(entry.file() + ": missing");
        }
        long size = Files.size(file);
        if (size != entry.bytes()) {
          return List.of(entry.file() + ": " + size + " bytes, manifest says " + entry.bytes());
        }
        String sha256 = Checksums.sha256(file, beat);
        if (!sha256.equals(entry.sha256())) {
          return List.of(entry.file() + ": checksum " + sha256 + " does not match the manifest's " + entry.sha256());
        }
        return List.of();
      } catch (IOException e) {
        return List.of(entry.file() + ": unreadable: " + e.getMessage());
      }
    }
  }
}
