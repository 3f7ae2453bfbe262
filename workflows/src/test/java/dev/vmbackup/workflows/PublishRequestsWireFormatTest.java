package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ChainRecord;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.Strategy;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The two publish steps' requests share their {@link PublishHeader}, but their JSON is the flat object
 * it was before the header existed: an activity scheduled by an older workflow worker is still read
 * by a newer activity worker, and the other way round, during a rolling upgrade.
 */
class PublishRequestsWireFormatTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;
  private static final PublishHeader HEADER = new PublishHeader("/srv/backups", "vm1", "20261201T010203Z",
      "/srv/backups/vm1/.partial-20261201T010203Z", "/srv/backups/vm1/20261201T010203Z", "hv1",
      "0b4c4e8a-2c55-4c4a-9d1e-111111111111", Strategy.INCREMENTAL, CaptureMode.QUIESCE, CaptureMode.CRASH,
      List.of("no guest agent"), "/var/lib/libvirt/qemu/nvram/vm1_VARS.fd", 1764550923000L, "20261130T010203Z");

  @Test
  void theCopyRequestIsTheFlatObjectOfEveryEarlierWorker() throws Exception {
    RepositoryCopyRequest request = new RepositoryCopyRequest(HEADER,
        List.of(new DiskInfo("vda", "/var/lib/libvirt/images/vm1.qcow2", "qcow2", List.of())), null, false,
        null, 1234L);

    JsonNode json = json(request);

    // The components of the flat record this replaced, in its order.
    assertThat(fieldNames(json)).containsExactlyInAnyOrder("repository", "domain", "backupId", "partialDir",
        "finalDir", "host", "uuid", "strategy", "captureRequested", "capture", "warnings", "disks", "memoryFile",
        "nvram", "startedAtMillis", "offline", "parentBackupId", "chain", "stoppedMillis");
    assertThat(json.get("domain").asText()).isEqualTo("vm1");
    assertThat(json.get("captureRequested").asText()).isEqualTo("quiesce");
    assertThat(roundTrip(request, RepositoryCopyRequest.class)).isEqualTo(request);
  }

  @Test
  void thePublishRequestIsTheFlatObjectOfEveryEarlierWorker() throws Exception {
    PublishIncrementalRequest request = new PublishIncrementalRequest(HEADER,
        List.of(new IncrementalDisk("vda", "/var/lib/libvirt/images/vm1.qcow2", "qcow2", 1L << 30, "vda.qcow2",
            "../20261130T010203Z/vda.qcow2")),
        "vmbackup-20261201T010203Z", 16L << 20);

    JsonNode json = json(request);

    assertThat(fieldNames(json)).containsExactlyInAnyOrder("repository", "domain", "backupId", "partialDir",
        "finalDir", "host", "uuid", "strategy", "captureRequested", "capture", "warnings", "disks", "nvram",
        "startedAtMillis", "parentBackupId", "checkpoint", "bytesTransferred");
    assertThat(json.get("parentBackupId").asText()).isEqualTo("20261130T010203Z");
    assertThat(roundTrip(request, PublishIncrementalRequest.class)).isEqualTo(request);
  }

  @Test
  void aFlatObjectWrittenByAnEarlierWorkerIsRead() {
    String earlier = "{\"repository\":\"/srv/backups\",\"domain\":\"vm1\",\"backupId\":\"20261201T010203Z\","
        + "\"partialDir\":\"/p\",\"finalDir\":\"/f\",\"host\":\"hv1\",\"uuid\":\"u\",\"strategy\":\"chain\","
        + "\"captureRequested\":\"quiesce\",\"capture\":\"quiesce\",\"warnings\":[\"w\"],\"disks\":[],"
        + "\"memoryFile\":null,\"nvram\":null,\"startedAtMillis\":5,\"offline\":true,\"parentBackupId\":\"p0\","
        + "\"chain\":null,\"stoppedMillis\":null}";
    Payload payload = Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(earlier))
        .build();

    RepositoryCopyRequest read = CONVERTER.fromPayload(payload, RepositoryCopyRequest.class,
        RepositoryCopyRequest.class);

    assertThat(read.header()).isEqualTo(new PublishHeader("/srv/backups", "vm1", "20261201T010203Z", "/p", "/f",
        "hv1", "u", Strategy.CHAIN, CaptureMode.QUIESCE, CaptureMode.QUIESCE, List.of("w"), null, 5L, "p0"));
    assertThat(read.offline()).isTrue();
    assertThat(read.chain()).isEqualTo((ChainRecord) null);
  }

  private static JsonNode json(Object value) throws Exception {
    Payload payload = CONVERTER.toPayload(value).orElseThrow();
    return new ObjectMapper().readTree(payload.getData().toStringUtf8());
  }

  private static <T> T roundTrip(T value, Class<T> type) {
    return CONVERTER.fromPayload(CONVERTER.toPayload(value).orElseThrow(), type, type);
  }

  private static List<String> fieldNames(JsonNode json) {
    List<String> names = new ArrayList<>();
    Iterator<String> iterator = json.fieldNames();
    iterator.forEachRemaining(names::add);
    return names;
  }
}
