package dev.vmbackup.activities;

import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.store.BackupSession;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.Manifest.Item;
import dev.vmbackup.store.Progress;
import dev.vmbackup.store.Verifier;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.StoreActivities;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.ManifestImage;
import dev.vmbackup.workflows.model.StoreIngestRequest;
import dev.vmbackup.workflows.model.StoreIngestResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Puts backups made in a store's staging directory into the store. A staged backup is a complete backup
 * of kind files, made, published and verified by the same steps as any other; this step reads it once
 * more and stores it, so that every strategy's and capture mode's copy path, resume and checks serve the
 * store unchanged. The price is one more pass over the data and room for one backup in the staging
 * directory (see README, "Store repositories").
 */
public final class StoreActivitiesImpl implements StoreActivities {
  /**
   * What the store's progress reports become: a heartbeat, so that a long ingest, verification or unpack is
   * not taken for a hung one (the activity boundary's side thread stands in for ten minutes only), and the
   * point where a cancellation reaches it.
   */
  static final Runnable HEARTBEAT = () -> Heartbeats.beat(null);

  private final RepositoryResolver repositories;
  private final Stores stores;
  private final ImageTool images;
  private final StoreExport export;

  public StoreActivitiesImpl(RepositoryResolver repositories, Stores stores, ImageTool images) {
    this.repositories = repositories;
    this.stores = stores;
    this.images = images;
    this.export = new StoreExport(images);
  }

  @Override
  public StoreIngestResult ingestIntoStore(StoreIngestRequest request) {
    return ActivityBoundary.run("put backup " + request.backupId() + " of " + request.domain() + " into store "
        + request.store(), () -> Progress.reporting(HEARTBEAT, () -> ingest(request)));
  }

  @Override
  public void forgetStoreBackup(StoreIngestRequest request) {
    ActivityBoundary.run("remove backup " + request.backupId() + " of " + request.domain() + " from store "
        + request.store(), () -> {
      BackupRepository staging = repositories.open(request.repository());
      // Without the staged manifest there is no UUID to name the store's backup by; the ingest, which
      // runs after the manifest exists and before the staged backup goes, then never committed one.
      staging.readManifest(request.domain(), request.backupId()).ifPresent(manifest ->
          stores.open(request.store()).prune(BackupLayout.storeBackupId(manifest.uuid(), manifest.backupId())));
    });
  }

  @Override
  public void unpackFromStore(StoreIngestRequest request) {
    ActivityBoundary.run("unpack backup " + request.backupId() + " of " + request.domain() + " from store "
        + request.store(), () -> Progress.reporting(HEARTBEAT, () -> {
          unpack(request);
          return null;
        }));
  }

  private void unpack(StoreIngestRequest request) {
    String domain = Validation.domainName("domain", request.domain());
    String backupId = Validation.backupId(request.backupId());
    BackupRepository staging = repositories.open(request.repository());
    if (staging.readManifest(domain, backupId).isPresent()) {
      return;
    }
    ChunkStore store = stores.open(request.store());
    StoreExport.StoredBackup backup = StoreExport.find(store, domain, backupId)
        .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND,
            "backup " + backupId + " of " + domain + " is not in store " + request.store()));
    Path partial = staging.partialDir(domain, backupId);
    Path lock = partial.resolveSibling(BackupLayout.unpackFence(backupId));
    try {
      Files.createDirectories(partial.getParent());
      try (AttemptFence fence = AttemptFence.acquire(lock)) {
        try {
          // An attempt that waited for the fence may find the backup unpacked by the one before it.
          if (staging.readManifest(domain, backupId).isEmpty()) {
            // What an attempt that died left half-written goes first: the export writes into an empty directory.
            staging.discard(domain, backupId, null);
            export.export(store, backup, partial);
            staging.publish(domain, backupId);
          }
        } finally {
          Files.deleteIfExists(lock);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private StoreIngestResult ingest(StoreIngestRequest request) {
    BackupRepository staging = repositories.open(request.repository());
    Manifest manifest = staging.readManifest(request.domain(), request.backupId())
        .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND, "backup " + request.backupId() + " of "
            + request.domain() + " is not in the staging directory " + request.repository()));
    if (manifest.parentBackupId() != null) {
      throw new HostFailure(FailureType.INVALID_INPUT, "backup " + request.backupId() + " builds on "
          + manifest.parentBackupId() + "; a store takes backups that stand alone (strategy full)");
    }
    ChunkStore store = stores.open(request.store());
    String id = BackupLayout.storeBackupId(manifest.uuid(), manifest.backupId());
    Path dir = staging.backupDir(request.domain(), request.backupId());
    try (AttemptFence fence = AttemptFence.acquire(dir.resolve(BackupLayout.STORE_FENCE))) {
      // An earlier attempt may have committed just before it died: the backup is then there already.
      dev.vmbackup.store.Manifest stored = store.findManifest(id).orElse(null);
      long read = 0;
      if (stored == null) {
        try (BackupSession session = store.begin(request.domain(), null, id)) {
          for (ManifestDisk disk : manifest.disks()) {
            read += writeDisk(session, dir, disk);
          }
          for (ManifestFile file : new ManifestFile[] {manifest.memoryState(), manifest.domainXml(), manifest.nvram()}) {
            if (file != null) {
              read += writeBlob(session, dir.resolve(file.file()), file.file());
            }
          }
          read += writeBlob(session, dir.resolve(BackupLayout.MANIFEST), BackupLayout.MANIFEST);
          stored = session.commit();
        }
      }
      Heartbeats.beat(null);
      // A backup is good only once what the store holds has been read back: every chunk it references
      // is fetched, authenticated and checked against its digest.
      Verifier.Report report = store.verify(List.of(id));
      if (!report.ok()) {
        throw new HostFailure(FailureType.VERIFICATION_FAILED, "backup " + request.backupId() + " of "
            + request.domain() + " failed verification in store " + request.store() + ": " + report.bad().stream()
                .limit(3).map(bad -> bad.key() + ": " + bad.reason()).collect(Collectors.joining("; ")));
      }
      long newChunks = 0;
      long newBytes = 0;
      for (Item item : java.util.stream.Stream.concat(stored.disks().stream(), stored.blobs().stream()).toList()) {
        newChunks += item.newChunks();
        newBytes += item.newBytes();
      }
      return new StoreIngestResult(request.store(), id, read, newChunks, newBytes, report.checkedChunks());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stores a disk as its guest sees it. A qcow2 image, or one with layers, is first unpacked into a
   * sparse raw image beside it; the staged layers are rebased onto each other first, because their
   * headers still name the VM's own layers, which the store must not read.
   */
  private long writeDisk(BackupSession session, Path dir, ManifestDisk disk) throws IOException {
    Path image = dir.resolve(disk.file());
    String name = BackupLayout.storeDisk(disk.target());
    if ("raw".equals(disk.format()) && disk.backing().isEmpty()) {
      return write(image, channel -> session.writeDisk(name, channel, disk.virtualSize(), null));
    }
    Path upper = image;
    for (ManifestImage layer : disk.backing()) {
      Path lower = dir.resolve(layer.file());
      images.rebaseUnsafe(upper, lower, layer.format());
      upper = lower;
    }
    Path raw = dir.resolve(BackupLayout.storeRawImage(disk.target()));
    Files.deleteIfExists(raw);
    try {
      images.convert(image, raw, "raw");
      Heartbeats.beat(null);
      return write(raw, channel -> session.writeDisk(name, channel, disk.virtualSize(), null));
    } finally {
      Files.deleteIfExists(raw);
    }
  }

  private static long writeBlob(BackupSession session, Path file, String name) throws IOException {
    return write(file, channel -> session.writeBlob(name, channel, channel.size()));
  }

  private interface Writer {
    Item write(FileChannel channel) throws IOException;
  }

  private static long write(Path file, Writer writer) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return writer.write(channel).size();
    }
  }

}
