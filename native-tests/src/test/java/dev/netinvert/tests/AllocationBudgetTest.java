package dev.netinvert.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The failure diagnostic of the allocation tests names the method that allocates. */
class AllocationBudgetTest {
    private static float[] kept;

    @Test
    void allocationSitesNamesTheAllocatingMethod() {
        String sites = AllocationBudget.allocationSites(() -> kept = allocate(), 20_000);
        assertTrue(sites.contains("dev.netinvert.tests.AllocationBudgetTest.allocate:"), sites);
    }

    @Test
    void allocationSitesSaysWhenNothingWasSampled() {
        String sites = AllocationBudget.allocationSites(() -> { }, 1000);
        assertTrue(sites.contains("allocated 0 bytes, JFR sampled none"), sites);
    }

    private static float[] allocate() {
        return new float[4096];
    }
}
