// Loads Log4j and logs one line (unless args[1] is "noload": then Log4j only
// sits on the class path), signals readiness by creating the file named by
// args[0], then stays alive so `scan --processes` can inspect it.
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.logging.log4j.LogManager;

public class HoldLog4j {
  public static void main(String[] args) throws Exception {
    if (args.length < 2 || !args[1].equals("noload")) LogManager.getLogger("hold").info("ready");
    Files.write(Paths.get(args[0]), new byte[0]);
    Thread.sleep(120000);
  }
}
