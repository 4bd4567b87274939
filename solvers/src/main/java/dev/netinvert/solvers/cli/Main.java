package dev.netinvert.solvers.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code netinvert} command-line program: {@code circle}, {@code invert}, {@code diagnose}, {@code pursuit-sweep}, {@code info}.
 * Errors end the program with a one-line message on stderr and a non-zero exit code (2 for bad
 * arguments, 1 for failures); {@code --verbose} adds the stack trace.
 */
@Command(name = "netinvert", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Invert neural networks: recover x from an observed output y = N(x) + noise.",
        subcommands = {CircleCommand.class, InvertCommand.class, DiagnoseCommand.class, PursuitSweepCommand.class, LpSweepCommand.class, AdmmCompareCommand.class, AdmmLenetCommand.class, Shallow1dCommand.class, ResnetInvertCommand.class, TrainCommand.class, AutoencoderInvertCommand.class, ConvAutoencoderInvertCommand.class, GeneratorPursuitCommand.class, GeneratorLpCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the program and returns its exit code (for tests). */
    public static int run(String... args) {
        System.setProperty("java.awt.headless", "true");
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handle);
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean verbose = parsed.hasMatchedOption("--verbose")
                || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--verbose"));
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        err.println("netinvert " + cl.getCommandName() + ": " + msg.replace('\n', ' '));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return e instanceof IllegalArgumentException ? 2 : 1;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"netinvert " + (v == null ? "(development build)" : v) + " on JDK " + Runtime.version()};
        }
    }
}
