package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * @param path the backup directory
 * @param ok true when every file matched its checksum and every image passed {@code qemu-img check}
 * @param problems one line per problem found
 * @param filesChecked number of files re-read
 * @param bytesChecked logical bytes re-read
 */
public record VerifyResult(String path, boolean ok, List<String> problems, int filesChecked, long bytesChecked) {
  public VerifyResult {
    problems = problems == null ? List.of() : List.copyOf(problems);
  }
}
