using Aegis.Simulation;

namespace Aegis.Simulation.Tests;

/// <summary>Bugs planted in the production host (through explicit simulator-only options) that the checker must catch within the CI's seed count.</summary>
public class PlantedBugTests
{
    /// <summary>The seeds CI runs (.ci/run): a planted bug must show within them.</summary>
    private const int CiSeeds = 2000;

    /// <summary>The first seed whose run reports a violation containing <paramref name="symptom"/>.</summary>
    private static (ulong Seed, string Violation) FirstCatch(SimulationOptions options, string symptom)
    {
        for (ulong seed = 1; seed <= CiSeeds; seed++)
        {
            SimulationResult result = new Simulation(seed, options).Run();
            if (result.Violations.FirstOrDefault(v => v.Contains(symptom, StringComparison.Ordinal)) is { } violation)
            {
                return (seed, violation);
            }
        }

        return (0, "");
    }

    [Fact]
    public void A_writer_that_sends_before_its_group_is_durable_is_caught()
    {
        (ulong seed, string violation) = FirstCatch(new SimulationOptions { Bug = PlantedBug.ReleaseBeforeDurable }, "persist-before-send");

        Assert.True(seed > 0, $"not caught in {CiSeeds} seeds");
        Assert.Matches("node \\d sent (PrePrepare|Prepare|Commit|ViewChange|NewView)", violation);
    }

    [Fact]
    public void Window_only_dedup_lets_a_transaction_commit_twice_and_the_chain_audit_catches_it()
    {
        // The repeat bug: a lagging node's mempool (gossiped on a view change) or a client's retry brings back a
        // transaction whose first commit has left the recent window; without the tx index it is committed again.
        (ulong seed, string violation) = FirstCatch(new SimulationOptions { Bug = PlantedBug.IgnoreTxIndex }, "is already in the chain below");

        Assert.True(seed > 0, $"not caught in {CiSeeds} seeds");
        Assert.StartsWith("chain: node", violation);
    }

    [Fact]
    public void Committing_on_f_plus_one_votes_is_stopped_by_the_quorum_assertion()
    {
        SimulationResult result = new Simulation(1, new SimulationOptions { UnsafeQuorumOverride = 2, Faults = FaultKinds.None }).Run();

        Assert.Contains(result.Violations, v => v.StartsWith("fail-stop", StringComparison.Ordinal) && v.Contains("quorum: a prepared certificate for height 1 would carry 1 prepares and the pre-prepare, the quorum of 4 is 3", StringComparison.Ordinal));
        Assert.EndsWith("--unsafe-quorum 2", result.ReplayCommand);
    }
}
