package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.SelfCheck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code info}: what this machine and JVM give the kernels. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the active kernel implementation, vector width, FMA use, JDK and cores.")
final class InfoCommand implements Callable<Integer> {

    @Option(names = "--self-check", description = "Also check every kernel against the plain-array reference and print a throughput table.")
    boolean selfCheck;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() {
        if (selfCheck) {
            return SelfCheck.run(System.out);
        }
        System.out.println("kernels : " + KernelProvider.getInstance().describe());
        String why = KernelProvider.simdUnavailableReason();
        System.out.println("SIMD    : " + (why == null ? "available" : "unavailable — " + why));
        System.out.println("JDK     : " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("cores   : " + Runtime.getRuntime().availableProcessors());
        return 0;
    }
}
