using Aegis.Simulation;

namespace Aegis.Simulation.Tests;

/// <summary>The simulator over the production host: safety and liveness under every fault, each seed its own world, replayable by seed.</summary>
public class SimulationTests
{
    internal static SimRunner.Summary Run(int seeds, SimulationOptions options, ulong first = 1)
    {
        var output = new StringWriter();
        SimRunner.Summary summary = SimRunner.Run(first, seeds, options, output);
        Assert.Equal($"{seeds} seeds, {summary.Violations} violations", output.ToString().TrimEnd().Split('\n')[^1].TrimEnd());
        return summary;
    }

    internal static void AssertNoViolations(SimRunner.Summary summary) =>
        Assert.True(summary.Violations == 0, string.Join("\n", summary.Failures.Select(f => $"{f.ReplayCommand}: {f.Violations[0]}")));

    [Fact]
    public void Two_hundred_seeds_with_four_validators_and_every_fault_have_no_violations()
    {
        SimRunner.Summary summary = Run(200, new SimulationOptions { Replicas = 4, Faults = FaultKinds.All });
        AssertNoViolations(summary);

        // The faults really happened, disks included: groups lost in crashes, writes failed and nodes recovered.
        Assert.True(summary.ViewChanges > 20 && summary.Crashes > 100 && summary.Partitions > 100 && summary.Dropped > 5000 && summary.Malformed > 0, $"{summary}");
        Assert.True(summary.DiskFailures > 50 && summary.Recoveries > 20 && summary.GroupsLostInCrashes > 0 && summary.EvidenceReports > 0, $"{summary}");
        Assert.True(summary.Results.Count(r => r.Profile.Wipe) > 10, "no seed wiped a validator");
        Assert.True(summary.WorstTimeToCommit > TimeSpan.Zero);
    }

    [Fact]
    public void A_single_validator_has_no_violations()
    {
        AssertNoViolations(Run(40, new SimulationOptions { Replicas = 1, Faults = FaultKinds.All }));
    }

    [Fact]
    public void Seven_validators_with_up_to_two_byzantine_have_no_violations()
    {
        SimRunner.Summary summary = Run(40, new SimulationOptions { Replicas = 7, Faults = FaultKinds.All }, first: 10_000);
        AssertNoViolations(summary);
        Assert.Contains(summary.Results, r => r.Profile.Byzantine == 2);
    }

    [Fact]
    public void Each_seed_draws_its_own_world()
    {
        FaultProfile[] profiles = [.. Enumerable.Range(1, 60).Select(s => new Simulation((ulong)s, new SimulationOptions()).Profile)];

        // Swarm testing: many different subsets of the faults, and rates all over their ranges.
        Assert.True(profiles.Select(p => p.Kinds).Distinct().Count() > 30, string.Join("; ", profiles.Select(p => p.Kinds)));
        Assert.Contains(profiles, p => p.LossRate > 0.15);
        Assert.Contains(profiles, p => p.LossRate is > 0 and < 0.05);
        Assert.Contains(profiles, p => p.MaxFsyncSpikeMs > 300 && p.FsyncSpikeRate > 0);
        Assert.All(profiles, p => Assert.NotEqual(FaultKinds.None, p.Kinds));

        // A restricted fault set is respected.
        Assert.All(Enumerable.Range(1, 20), s => Assert.Equal(FaultKinds.Crash, new Simulation((ulong)s, new SimulationOptions { Faults = FaultKinds.Crash }).Profile.Kinds));
    }

    [Fact]
    public void The_same_seed_replays_exactly_and_different_seeds_differ()
    {
        var options = new SimulationOptions { Replicas = 4, Faults = FaultKinds.All };
        SimulationResult a = new Simulation(42, options).Run();
        SimulationResult b = new Simulation(42, options).Run();
        SimulationResult c = new Simulation(43, options).Run();

        Assert.Equal(a.TraceHash, b.TraceHash);
        Assert.Equal((a.Height, a.MessagesDelivered, a.MessagesDropped, a.Crashes, a.SimulatedTime, a.WorstTimeToCommit), (b.Height, b.MessagesDelivered, b.MessagesDropped, b.Crashes, b.SimulatedTime, b.WorstTimeToCommit));
        Assert.NotEqual(a.TraceHash, c.TraceHash);
        Assert.Equal("aegis sim --seed 42 --replicas 4 --faults all", a.ReplayCommand);
    }

    [Fact]
    public void A_run_whose_bound_is_too_short_is_reported_as_a_liveness_violation()
    {
        SimulationResult result = new Simulation(5, new SimulationOptions { Faults = FaultKinds.None, FaultTime = TimeSpan.FromMilliseconds(200), LivenessBound = TimeSpan.FromMilliseconds(1), Transactions = 200 }).Run();

        string liveness = Assert.Single(result.Violations, v => v.StartsWith("liveness", StringComparison.Ordinal));
        Assert.Contains("not acknowledged", liveness);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(54)]
    [InlineData(64)]
    [InlineData(90)]
    [InlineData(348)]
    [InlineData(692)]
    [InlineData(730)]
    [InlineData(1187)]
    public void Seeds_that_once_found_bugs_stay_fixed(ulong seed)
    {
        SimulationResult result = new Simulation(seed, new SimulationOptions()).Run();
        Assert.True(result.Ok, $"{result.ReplayCommand}: {string.Join("; ", result.Violations)}");
    }
}
