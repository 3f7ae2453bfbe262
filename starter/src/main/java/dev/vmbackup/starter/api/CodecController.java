package dev.vmbackup.starter.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.vmbackup.worker.AesGcmPayloadCodec;
import dev.vmbackup.worker.TemporalConnection;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.payload.codec.PayloadCodecException;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Temporal's remote codec contract, so that the Temporal Web UI (its codec endpoint setting) and
 * {@code temporal} CLI can show the payloads this deployment encrypts: {@code POST /codec/encode} and
 * {@code POST /codec/decode} take and return the JSON form of {@code temporal.api.common.v1.Payloads},
 * {@code {"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}}.
 *
 * <p>The {@code X-Namespace} header the UI sends is accepted and not used: the key id in each payload
 * chooses the key, whatever the namespace. A payload that is not encrypted comes back as it is. A server
 * without {@code --payload-key-file} answers 404; a payload of another key, or an altered one, 400
 * naming its key id.
 */
@Controller("/codec")
@Requires(property = ApiTokens.ENABLED, value = "true")
@Tag(name = "codec")
class CodecController {
  private final Optional<AesGcmPayloadCodec> codec;

  CodecController(TemporalConnection connection) {
    this.codec = connection.payloadCodec();
  }

  @Post(uri = "/encode", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  @Operation(summary = "Encrypt payloads", description = "Temporal's remote codec contract: Payloads JSON in and out.")
  HttpResponse<String> encode(@Body String body, @Header("X-Namespace") @Nullable String namespace) {
    return HttpResponse.ok(apply(body, codec()::encode));
  }

  @Post(uri = "/decode", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  @Operation(summary = "Decrypt payloads",
      description = "Temporal's remote codec contract: Payloads JSON in and out; payloads in clear pass unchanged.")
  HttpResponse<String> decode(@Body String body, @Header("X-Namespace") @Nullable String namespace) {
    return HttpResponse.ok(apply(body, codec()::decode));
  }

  private AesGcmPayloadCodec codec() {
    return codec.orElseThrow(() -> new ApiErrors.NotFound(
        "this server has no payload key: start it with --payload-key-file FILE to serve the codec endpoint"));
  }

  private static String apply(String body, UnaryOperator<List<Payload>> operation) {
    Payloads.Builder request = Payloads.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(body == null ? "" : body, request);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("expected {\"payloads\": [{\"metadata\": {...}, \"data\": \"<base64>\"}]}: "
          + e.getMessage(), e);
    }
    List<Payload> result;
    try {
      result = operation.apply(request.getPayloadsList());
    } catch (PayloadCodecException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    try {
      return JsonFormat.printer().omittingInsignificantWhitespace().print(Payloads.newBuilder().addAllPayloads(result));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Payloads message always prints as JSON", e);
    }
  }
}
