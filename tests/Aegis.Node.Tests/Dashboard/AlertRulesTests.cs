using Aegis.Node.Dashboard;

namespace Aegis.Node.Tests.Dashboard;

public sealed class AlertRulesTests
{
    private const long T0 = 1_800_000_000_000;

    /// <summary>A healthy node of four: ready, synced, connected to the three others, nothing waiting.</summary>
    private static AlertInputs Healthy(long now) => new(
        now, Height: 100, MempoolSize: 0, LastCommitMs: now - 500, InViewChange: false, SyncStatus: "synced", HighestPeerHeight: 100,
        NotReadyReason: null, ConnectedValidators: 3, Validators: 4, ViewChangeTimeoutMs: 2000, ValidatorViews: [Up(0), Up(1), Up(2), Up(3)], ViewChanges: []);

    private static ValidatorView Up(int i) => new(i, $"node-{i}", i == 0, i == 0 ? "primary" : "replica", "up", null, 100, 0, 3, "synced", i != 0, 1, null, 0);

    [Fact]
    public void A_healthy_node_fires_nothing() => Assert.Empty(new AlertRules().Evaluate(Healthy(T0)));

    public static TheoryData<string, string> Conditions => new()
    {
        { "not ready", "node_not_ready" },
        { "stalled with work waiting", "height_stalled" },
        { "a validator not connected", "peers_low" },
        { "behind its peers", "behind" },
        { "stuck in a view change", "view_change_stuck" },
        { "three view changes in five minutes", "view_changes_frequent" },
        { "a validator down", "validator_down" },
    };

    [Theory]
    [MemberData(nameof(Conditions))]
    public void Each_condition_fires_its_alert(string condition, string alert)
    {
        AlertInputs x = Break(Healthy(T0), condition);
        IReadOnlyList<FiringAlert> firing = new AlertRules().Evaluate(x);
        Assert.Contains(firing, a => a.Name == alert && a.SinceMs == T0 && a.Summary.Length > 0);
    }

    [Fact]
    public void Work_waiting_for_less_than_the_stall_time_is_not_a_stall()
    {
        AlertInputs x = Healthy(T0) with { MempoolSize = 10, LastCommitMs = T0 - AlertRules.StallAfterMs + 1 };
        Assert.DoesNotContain(new AlertRules().Evaluate(x), a => a.Name == "height_stalled");
    }

    [Fact]
    public void An_alert_keeps_its_since_while_it_holds_and_starts_anew_after_it_clears()
    {
        var rules = new AlertRules();
        AlertInputs down = Break(Healthy(T0), "a validator down");
        Assert.Equal(T0, Assert.Single(rules.Evaluate(down), a => a.Name == "validator_down").SinceMs);
        Assert.Equal(T0, Assert.Single(rules.Evaluate(down with { NowMs = T0 + 5000 }), a => a.Name == "validator_down").SinceMs);
        Assert.Empty(rules.Evaluate(Healthy(T0 + 6000)));
        Assert.Equal(T0 + 7000, Assert.Single(rules.Evaluate(down with { NowMs = T0 + 7000 }), a => a.Name == "validator_down").SinceMs);
    }

    [Fact]
    public void Critical_alerts_come_first_and_each_down_validator_is_its_own_alert()
    {
        AlertInputs x = Break(Break(Healthy(T0), "a validator down"), "not ready") with
        {
            ValidatorViews = [Up(0), Up(1), Up(2) with { Health = "down" }, Up(3) with { Health = "down" }],
        };
        IReadOnlyList<FiringAlert> firing = new AlertRules().Evaluate(x);
        Assert.Equal("node_not_ready", firing[0].Name);
        Assert.Equal(["node-2", "node-3"], firing.Where(a => a.Name == "validator_down").Select(a => a.Subject).Order());
    }

    private static AlertInputs Break(AlertInputs x, string condition) => condition switch
    {
        "not ready" => x with { NotReadyReason = "no quorum: 2 of 3 validators reachable" },
        "stalled with work waiting" => x with { MempoolSize = 5, LastCommitMs = x.NowMs - AlertRules.StallAfterMs },
        "a validator not connected" => x with { ConnectedValidators = 2 },
        "behind its peers" => x with { SyncStatus = "syncing", HighestPeerHeight = 200 },
        "stuck in a view change" => x with { InViewChange = true, ViewChanges = [new ViewChangeRecord(x.NowMs - 7000, 0, 1, 100, "node-1")] },
        "three view changes in five minutes" => x with { ViewChanges = [.. Enumerable.Range(1, 3).Select(i => new ViewChangeRecord(x.NowMs - (i * 60_000), (ulong)i - 1, (ulong)i, 100, "node-1"))] },
        "a validator down" => x with { ValidatorViews = [.. x.ValidatorViews.Select(v => v.Index == 3 ? v with { Health = "down", HealthReason = "no P2P connection" } : v)] },
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition, null),
    };
}
