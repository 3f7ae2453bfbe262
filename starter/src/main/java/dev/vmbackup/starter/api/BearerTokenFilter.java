package dev.vmbackup.starter.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Map;
import java.util.Optional;

/**
 * Requires a bearer token of the right role on every request when the server has tokens: {@code read}
 * for GET (lists, status, metrics) and for the codec endpoint ({@code POST /codec/encode} and
 * {@code /codec/decode}), {@code operate} for everything else. The codec endpoint changes nothing, and
 * what it decodes is what a read token already shows through the API (workflow results in clear). A missing or unknown token is
 * 401, a read token on an operate request 403. {@code /health} and the OpenAPI document stay open, for
 * load balancers and for discovering the API.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Requires(property = ApiTokens.ENABLED, value = "true")
class BearerTokenFilter {
  private final ApiTokens tokens;

  BearerTokenFilter(ApiTokens tokens) {
    this.tokens = tokens;
  }

  @RequestFilter
  @Nullable
  MutableHttpResponse<?> authorize(HttpRequest<?> request) {
    String path = request.getPath();
    if (tokens.isEmpty() || path.equals("/health") || path.startsWith("/openapi/")) {
      return null;
    }
    HttpMethod method = request.getMethod();
    ApiTokens.Role needed = method == HttpMethod.GET || method == HttpMethod.HEAD || path.startsWith("/codec/")
        ? ApiTokens.Role.READ : ApiTokens.Role.OPERATE;
    String header = request.getHeaders().getAuthorization().orElse("");
    Optional<ApiTokens.Role> role = tokens.roleOf(header.startsWith("Bearer ") ? header.substring(7) : null);
    if (role.isEmpty()) {
      return HttpResponse.status(HttpStatus.UNAUTHORIZED)
          .header("WWW-Authenticate", "Bearer")
          .body(Map.of("error", "a valid bearer token is required"));
    }
    if (!role.get().allows(needed)) {
      return HttpResponse.status(HttpStatus.FORBIDDEN)
          .body(Map.of("error", method + " " + path + " needs a token with the role " + needed.wireName()
              + "; this one has the role " + role.get().wireName()));
    }
    return null;
  }
}
