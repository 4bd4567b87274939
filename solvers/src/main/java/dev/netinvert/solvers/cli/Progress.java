package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.IterationListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr for one solve, shown only when stderr is an interactive terminal and
 * {@code --quiet} was not given; otherwise a listener that does nothing.
 */
final class Progress implements IterationListener, AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    static Progress start(String task, int max, boolean quiet) {
        var console = System.console();
        boolean terminal = console != null && console.isTerminal();
        if (quiet || !terminal) {
            return new Progress(null);
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(200).build();
        return new Progress(bar);
    }

    @Override
    public void onIteration(int iteration, int maxIterations) {
        if (bar != null) {
            bar.stepTo(iteration);
        }
    }

    @Override
    public int every() {
        return bar == null ? Integer.MAX_VALUE : 100;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
