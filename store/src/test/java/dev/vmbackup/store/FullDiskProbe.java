package dev.vmbackup.store;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by {@link RepositoryFullTest} in a private mount namespace over a 2 MiB tmpfs: backs up an image
 * larger than the filesystem and prints what happened, one fact per line.
 */
public final class FullDiskProbe {
  private FullDiskProbe() {}

  public static void main(String[] args) throws Exception {
    Path storeDir = Path.of(args[0]);
    Path image = Path.of(args[1]);
    try (LocalBackend backend = new LocalBackend(storeDir.resolve("store"));
        ChunkStore store = ChunkStore.init(backend, 64 << 10, null)) {
      try (BackupSession session = store.begin("vm1", null)) {
        Images.backup(session, "vda", image, null);
        session.commit();
        System.out.println("outcome=committed");
      } catch (RepositoryFullException e) {
        System.out.println("outcome=full");
        System.out.println("message=" + e.getMessage());
      } catch (RuntimeException e) {
        System.out.println("outcome=" + e);
      }
      System.out.println("backups=" + store.backupIds().size());
      try (var files = Files.walk(storeDir)) {
        System.out.println("temporaries=" + files.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count());
      }
    }
  }
}
