namespace Aegis.Node.Dashboard;

/// <summary>What the alert rules look at, taken once per dashboard tick.</summary>
public sealed record AlertInputs(
    long NowMs,
    ulong Height,
    int MempoolSize,
    long LastCommitMs,
    bool InViewChange,
    string SyncStatus,
    ulong HighestPeerHeight,
    string? NotReadyReason,
    int ConnectedValidators,
    int Validators,
    int ViewChangeTimeoutMs,
    IReadOnlyList<ValidatorView> ValidatorViews,
    IReadOnlyList<ViewChangeRecord> ViewChanges);

/// <summary>
/// "Firing alerts", from this node's own point of view: conditions an operator would page on, each held since the
/// first tick it was seen. A condition that stops holding stops firing; when it returns it starts a new "since".
/// <list type="bullet">
/// <item>node_not_ready (critical): /ready would answer 503 (storage not open, syncing, or no quorum reachable).</item>
/// <item>height_stalled (critical): transactions are waiting but the height has not moved for <see cref="StallAfterMs"/> or 5 view-change timeouts, whichever is longer.</item>
/// <item>peers_low (warning): connected to fewer than all other validators.</item>
/// <item>behind (warning): more than two heights behind the best peer.</item>
/// <item>view_change_stuck (warning): inside one view change for more than 3 view-change timeouts.</item>
/// <item>view_changes_frequent (warning): 3 or more view changes in the last 5 minutes.</item>
/// <item>validator_down (warning, one per validator): a validator this node cannot reach over P2P nor through its API.</item>
/// </list>
/// </summary>
public sealed class AlertRules
{
    public const long StallAfterMs = 10_000;
    public const int FrequentViewChanges = 3;
    public const long FrequentWindowMs = 5 * 60_000;

    private readonly Dictionary<string, long> _since = new(StringComparer.Ordinal);

    public IReadOnlyList<FiringAlert> Evaluate(AlertInputs x)
    {
        var holding = new List<(string Name, string Severity, string? Subject, string Summary)>();
        if (x.NotReadyReason is { } reason)
        {
            holding.Add(("node_not_ready", "critical", null, $"not ready: {reason}"));
        }

        long stalledMs = x.NowMs - x.LastCommitMs;
        if (x.MempoolSize > 0 && stalledMs >= Math.Max(StallAfterMs, 5L * x.ViewChangeTimeoutMs))
        {
            holding.Add(("height_stalled", "critical", null, $"height {x.Height} has not advanced for {stalledMs / 1000} s with {x.MempoolSize} transactions waiting"));
        }

        if (x.ConnectedValidators < x.Validators - 1)
        {
            holding.Add(("peers_low", "warning", null, $"connected to {x.ConnectedValidators} of {x.Validators - 1} other validators"));
        }

        if (x.SyncStatus == "syncing")
        {
            holding.Add(("behind", "warning", null, $"at height {x.Height}, peers at {x.HighestPeerHeight}: catching up"));
        }

        if (x.InViewChange && x.ViewChanges.Count > 0 && x.NowMs - x.ViewChanges[^1].AtMs > 3L * x.ViewChangeTimeoutMs)
        {
            holding.Add(("view_change_stuck", "warning", null, $"in a view change for {(x.NowMs - x.ViewChanges[^1].AtMs) / 1000} s"));
        }

        int recent = x.ViewChanges.Count(v => x.NowMs - v.AtMs <= FrequentWindowMs);
        if (recent >= FrequentViewChanges)
        {
            holding.Add(("view_changes_frequent", "warning", null, $"{recent} view changes in the last 5 minutes"));
        }

        foreach (ValidatorView v in x.ValidatorViews.Where(v => v.Health == "down"))
        {
            holding.Add(("validator_down", "warning", v.Id, $"{v.Id} is down: {v.HealthReason ?? "unreachable"}"));
        }

        var firing = new List<FiringAlert>(holding.Count);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, string severity, string? subject, string summary) in holding)
        {
            string key = subject is null ? name : $"{name}/{subject}";
            keys.Add(key);
            if (!_since.TryGetValue(key, out long since))
            {
                since = x.NowMs;
                _since[key] = since;
            }

            firing.Add(new FiringAlert(name, severity, subject, since, summary));
        }

        foreach (string gone in _since.Keys.Where(k => !keys.Contains(k)).ToList())
        {
            _since.Remove(gone);
        }

        return [.. firing.OrderBy(a => a.Severity == "critical" ? 0 : 1).ThenBy(a => a.SinceMs)];
    }
}
