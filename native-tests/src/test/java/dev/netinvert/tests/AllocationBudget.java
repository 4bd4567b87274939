package dev.netinvert.tests;

/**
 * How long an allocation test may wait for C2 before a non-zero count is read as allocation. C2 compiles
 * asynchronously, on the same two cores as the test: on a quiet machine the iterations reach 0 B within
 * 2-10 s, but with the cores oversubscribed (load 8-15, seen while other builds ran) 30 s was not always
 * enough. A passing test stops at its first clean round, so the budget costs time only when it fails.
 */
public final class AllocationBudget {
    private AllocationBudget() {}

    public static final long NANOS = 90_000_000_000L;
}
