import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

// A web service that logs two request headers with Log4j, as many real ones
// do: User-Agent and X-Api-Version. Listens on loopback, port chosen by the
// system, written to args[0] once ready. Prints "elapsed_ms <n>" on stderr per
// request: the time its logging took, lookups included.
public class HeaderLoggingServer {
  public static void main(String[] args) throws Exception {
    Logger log = LogManager.getLogger(HeaderLoggingServer.class);
    log.error("warm-up");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/", exchange -> {
      long t0 = System.nanoTime();
      log.error("request from agent {}", exchange.getRequestHeaders().getFirst("User-Agent"));
      log.error("api version {}", exchange.getRequestHeaders().getFirst("X-Api-Version"));
      System.err.println("elapsed_ms " + (System.nanoTime() - t0) / 1_000_000);
      byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    Path ready = Path.of(args[0] + ".tmp");
    Files.writeString(ready, Integer.toString(server.getAddress().getPort()));
    Files.move(ready, Path.of(args[0]), StandardCopyOption.ATOMIC_MOVE);
  }
}
