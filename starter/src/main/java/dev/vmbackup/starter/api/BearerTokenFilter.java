package dev.vmbackup.starter.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/** Requires the configured bearer token on every /api request; health, metrics and the OpenAPI stay open. */
@ServerFilter("/api/**")
class BearerTokenFilter {
  private final ApiConfig config;

  BearerTokenFilter(ApiConfig config) {
    this.config = config;
  }

  @RequestFilter
  @Nullable
  MutableHttpResponse<?> authorize(HttpRequest<?> request) {
    String token = config.getToken();
    if (token == null || token.isBlank()) {
      return null;
    }
    String header = request.getHeaders().getAuthorization().orElse("");
    byte[] given = header.startsWith("Bearer ") ? header.substring(7).getBytes(StandardCharsets.UTF_8) : new byte[0];
    // Compared in constant time, so that response timing does not reveal the token.
    if (MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8))) {
      return null;
    }
    return HttpResponse.status(HttpStatus.UNAUTHORIZED)
        .header("WWW-Authenticate", "Bearer")
        .body(Map.of("error", "a valid bearer token is required"));
  }
}
