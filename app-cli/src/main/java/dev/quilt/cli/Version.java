package dev.quilt.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version Maven wrote into quilt.properties at build time. */
public final class Version implements CommandLine.IVersionProvider {
    public static String text() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("quilt.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"quilt version " + text()};
    }
}
