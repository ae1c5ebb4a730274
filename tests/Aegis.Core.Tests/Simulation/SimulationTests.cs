using Aegis.Simulation;

namespace Aegis.Core.Tests.Simulation;

/// <summary>The simulator over the real replica code: safety and liveness under every fault, replayable by seed.</summary>
public class SimulationTests
{
    private static SimRunner.Summary Run(int seeds, SimulationOptions options, ulong first = 1)
    {
        var output = new StringWriter();
        SimRunner.Summary summary = SimRunner.Run(first, seeds, options, output);
        Assert.Equal($"{seeds} seeds, {summary.Violations} violations", output.ToString().TrimEnd().Split('\n')[^1].TrimEnd());
        return summary;
    }

    private static void AssertNoViolations(SimRunner.Summary summary) =>
        Assert.True(summary.Violations == 0, string.Join("\n", summary.Failures.Select(f => $"{f.ReplayCommand}: {f.Violations[0]}")));

    [Fact]
    public void Five_hundred_seeds_with_four_replicas_and_all_faults_have_no_violations()
    {
        SimRunner.Summary summary = Run(500, new SimulationOptions { Replicas = 4, Faults = FaultKinds.All });
        AssertNoViolations(summary);

        // The faults really happened.
        Assert.True(summary.ViewChanges > 100 && summary.Crashes > 100 && summary.Partitions > 100 && summary.Dropped > 10_000 && summary.Rejected > 1000, $"{summary}");
    }

    [Fact]
    public void A_single_validator_has_no_violations()
    {
        AssertNoViolations(Run(100, new SimulationOptions { Replicas = 1, Faults = FaultKinds.All }));
    }

    [Fact]
    public void Seven_validators_with_two_byzantine_have_no_violations()
    {
        AssertNoViolations(Run(60, new SimulationOptions { Replicas = 7, Faults = FaultKinds.All }, first: 10_000));
    }

    [Theory]
    [InlineData(87, 7)]
    [InlineData(146, 4)]
    [InlineData(165, 4)]
    [InlineData(298, 4)]
    [InlineData(301, 4)]
    [InlineData(379, 4)]
    [InlineData(398, 4)]
    [InlineData(407, 4)]
    [InlineData(442, 4)]
    [InlineData(2239, 4)]
    public void Seeds_that_once_found_bugs_stay_fixed(ulong seed, int replicas)
    {
        SimulationResult result = new Aegis.Simulation.Simulation(seed, new SimulationOptions { Replicas = replicas }).Run();
        Assert.True(result.Ok, $"{result.ReplayCommand}: {string.Join("; ", result.Violations)}");
    }

    [Fact]
    public void The_same_seed_replays_exactly_and_different_seeds_differ()
    {
        var options = new SimulationOptions { Replicas = 4, Faults = FaultKinds.All };
        SimulationResult a = new Aegis.Simulation.Simulation(42, options).Run();
        SimulationResult b = new Aegis.Simulation.Simulation(42, options).Run();
        SimulationResult c = new Aegis.Simulation.Simulation(43, options).Run();

        Assert.Equal(a.TraceHash, b.TraceHash);
        Assert.Equal((a.Height, a.MessagesDelivered, a.MessagesDropped, a.ViewChanges, a.TicksRun), (b.Height, b.MessagesDelivered, b.MessagesDropped, b.ViewChanges, b.TicksRun));
        Assert.NotEqual(a.TraceHash, c.TraceHash);
    }

    [Fact]
    public void Committing_on_f_plus_one_votes_is_caught_by_the_checker()
    {
        // With a broken quorum (2 of 4 instead of 3), partitions and a lying primary split the cluster.
        SimRunner.Summary summary = Run(40, new SimulationOptions { Replicas = 4, Faults = FaultKinds.All, UnsafeQuorumOverride = 2 });

        Assert.True(summary.Violations > 0);
        Assert.Contains(summary.Failures.SelectMany(f => f.Violations), v => v.StartsWith("agreement", StringComparison.Ordinal) || v.Contains("bad certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_too_short_to_finish_is_reported_as_a_liveness_violation()
    {
        SimulationResult result = new Aegis.Simulation.Simulation(5, new SimulationOptions { Replicas = 4, Faults = FaultKinds.None, FaultTicks = 100, LivenessTicks = 1, Transactions = 200 }).Run();

        Assert.Contains(result.Violations, v => v.StartsWith("liveness", StringComparison.Ordinal));
    }
}
