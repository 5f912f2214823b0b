// The warm path: quilt's commands called again and again in one JVM, as the
// coming server will call them, so JVM start-up is paid once and left out.
//   java -cp quilt.jar InProcess.java ROOT ready N   run -d --network none, then exec true; ms per pair
//   java -cp quilt.jar InProcess.java ROOT exec N ID  exec ID true; ms each
// Prints one number a line; the first few are warm-up and are not printed.
import java.util.ArrayList;
import java.util.List;

public class InProcess {
    private static final int WARM = 5;

    public static void main(String[] a) throws Exception {
        String root = a[0];
        String mode = a[1];
        int n = Integer.parseInt(a[2]);
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())); // the IDs run -d prints
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < WARM + n; i++) {
            long t0 = System.nanoTime();
            if (mode.equals("ready")) {
                String name = "inproc-" + i;
                check(run(root, "run", "-d", "--network", "none", "--name", name, "--", "sleep", "2147483647"));
                check(run(root, "exec", name, "--", "true"));
                ids.add(name);
            } else {
                check(run(root, "exec", a[3], "--", "true"));
            }
            long t1 = System.nanoTime();
            if (i >= WARM) out.printf("%.3f%n", (t1 - t0) / 1e6);
            if (mode.equals("ready")) check(run(root, "rm", "-f", ids.remove(0)));
        }
    }

    private static int run(String root, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = root;
        System.arraycopy(args, 0, all, 2, args.length);
        return dev.quilt.cli.Main.run(all);
    }

    private static void check(int code) {
        if (code != 0) throw new IllegalStateException("quilt exited " + code);
    }
}
