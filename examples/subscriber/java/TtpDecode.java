import java.nio.file.*;
import java.util.*;
import org.apache.avro.Schema;
import org.apache.avro.generic.*;
import org.apache.avro.message.*;

/**
 * Decodes TTP event payloads (Avro single-object encoding) with the published schemas/*.avsc and their
 * revisions: the decoding half of the Java subscriber in docs/subscribers/README.md section 4, which adds
 * the Kafka consumer. Needs only org.apache.avro:avro (1.8.2 or later).
 *
 *   javac -cp avro.jar TtpDecode.java
 *   java -cp avro.jar:. TtpDecode SCHEMAS_DIR CE_TYPE=PAYLOAD_FILE ...
 *
 * prints one line per payload: the ce_type, a tab, the decoded record as JSON.
 */
public class TtpDecode {
  /** One decoder per event type: reads any published revision into the current schema. */
  static Map<String, BinaryMessageDecoder<GenericRecord>> decoders(Path schemas) throws Exception {
    Map<String, BinaryMessageDecoder<GenericRecord>> decoders = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(schemas, "*.avsc")) {
      for (Path file : files) {
        String event = file.getFileName().toString().replaceFirst("\\.avsc$", "");
        Schema current = new Schema.Parser().parse(file.toFile());
        SchemaStore.Cache revisions = new SchemaStore.Cache();
        Path dir = schemas.resolve("revisions").resolve(event);
        if (Files.isDirectory(dir)) {
          try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "*.avsc")) {
            for (Path r : old) revisions.addSchema(new Schema.Parser().parse(r.toFile()));
          }
        }
        BinaryMessageDecoder<GenericRecord> decoder =
            new BinaryMessageDecoder<>(GenericData.get(), current, revisions);
        decoder.addSchema(current);
        decoders.put("cn.gov.sc.ttp." + event, decoder);
      }
    }
    return decoders;
  }

  public static void main(String[] args) throws Exception {
    Map<String, BinaryMessageDecoder<GenericRecord>> decoders = decoders(Paths.get(args[0]));
    for (int i = 1; i < args.length; i++) {
      String[] typeAndFile = args[i].split("=", 2);
      BinaryMessageDecoder<GenericRecord> decoder = decoders.get(typeAndFile[0]);
      if (decoder == null) throw new IllegalArgumentException("unknown event type " + typeAndFile[0]);
      GenericRecord data = decoder.decode(Files.readAllBytes(Paths.get(typeAndFile[1])));
      System.out.println(typeAndFile[0] + "\t" + data);
    }
  }
}
