package dev.vmbackup.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbackup.testing.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What an operator would look at with virsh and qemu-img, independently of the code under test: which
 * image a disk is on, block jobs, snapshot metadata, backing chains.
 */
final class Domains {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Domains() {}

  /** The disk's source as {@code virsh domblklist} shows it: live, or the persistent definition. */
  static String diskSource(String domain, String target, boolean inactive) {
    String out = inactive ? Commands.virsh("domblklist", domain, "--inactive") : Commands.virsh("domblklist", domain);
    for (String line : out.split("\n")) {
      String[] columns = line.trim().split("\\s+", 2);
      if (columns.length == 2 && columns[0].equals(target)) {
        return columns[1].trim();
      }
    }
    throw new AssertionError("no disk " + target + " in domblklist of " + domain + ":\n" + out);
  }

  static String diskSource(String domain, String target) {
    return diskSource(domain, target, false);
  }

  static boolean hasBlockJob(String domain, String target) {
    return !Commands.virsh("blockjob", domain, target, "--info").contains("No current block job");
  }

  /** Names of the libvirt snapshot metadata of the domain; vmbackup never leaves any. */
  static List<String> snapshotNames(String domain) {
    return Arrays.stream(Commands.virsh("snapshot-list", domain, "--name").split("\n"))
        .map(String::trim).filter(name -> !name.isEmpty()).toList();
  }

  static String state(String domain) {
    return Commands.virsh("domstate", domain).trim();
  }

  /** The image files of a backing chain as qemu-img sees it, top first. */
  static List<String> backingChain(Path top) {
    String out = Commands.ok("qemu-img", "info", "-U", "--backing-chain", "--output=json", top.toString());
    try {
      List<String> files = new ArrayList<>();
      for (JsonNode image : JSON.readTree(out)) {
        files.add(image.get("filename").asText());
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
