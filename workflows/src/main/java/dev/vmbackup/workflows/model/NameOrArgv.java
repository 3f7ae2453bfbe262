package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a name of the host configuration (a hook, a notification) from JSON. Before names, these fields
 * were argument lists; such a list is read as its words joined by spaces, so that a workflow started
 * with one (an old client, or someone trying to run a command on the host) still deserializes and the
 * host then refuses it as "not a hook name" instead of the payload failing to load or the command
 * being silently dropped. An empty list reads as no name, as it meant no command.
 */
public final class NameOrArgv extends JsonDeserializer<String> {
  @Override
  public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
    if (parser.currentToken() == JsonToken.START_ARRAY) {
      List<String> words = new ArrayList<>();
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        words.add(parser.getValueAsString());
      }
      return words.isEmpty() ? null : String.join(" ", words);
    }
    return parser.getValueAsString();
  }
}
