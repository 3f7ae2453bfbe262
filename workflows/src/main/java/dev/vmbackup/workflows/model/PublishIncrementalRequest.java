package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;

/**
 * Hashes the images a backup job wrote into the partial directory, writes the manifest and moves the
 * directory into place.
 *
 * @param header where the backup goes and what its manifest records (unwrapped in the JSON)
 * @param disks the images the job wrote
 * @param checkpoint the checkpoint the job created, or null
 * @param bytesTransferred what the job copied, for the manifest
 */
public record PublishIncrementalRequest(
    @JsonUnwrapped PublishHeader header, List<IncrementalDisk> disks, String checkpoint, long bytesTransferred) {
  public PublishIncrementalRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
