using System.Text.Json.Serialization;

namespace Aegis.Node.Dashboard;

/// <summary>Everything the page shows, as one document: sent on every status event, so a page that reconnects is whole at once.</summary>
public sealed record DashboardSnapshot(
    [property: JsonPropertyName("at_ms")] long AtMs,
    [property: JsonPropertyName("node")] NodeView Node,
    [property: JsonPropertyName("cluster_height")] ulong ClusterHeight,
    [property: JsonPropertyName("behind_by")] ulong BehindBy,
    [property: JsonPropertyName("validators")] IReadOnlyList<ValidatorView> Validators,
    [property: JsonPropertyName("observers")] IReadOnlyList<ObserverView> Observers,
    [property: JsonPropertyName("series")] IReadOnlyList<RatePoint> Series,
    [property: JsonPropertyName("view_changes")] IReadOnlyList<ViewChangeRecord> ViewChanges,
    [property: JsonPropertyName("alerts")] IReadOnlyList<FiringAlert> Alerts);

/// <summary>This node, from its own runtime.</summary>
public sealed record NodeView(
    [property: JsonPropertyName("node_id")] string NodeId,
    [property: JsonPropertyName("chain_id")] string ChainId,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("height")] ulong Height,
    [property: JsonPropertyName("view")] ulong View,
    [property: JsonPropertyName("leader")] string Leader,
    [property: JsonPropertyName("in_view_change")] bool InViewChange,
    [property: JsonPropertyName("sync_status")] string SyncStatus,
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("not_ready_reason")] string? NotReadyReason,
    [property: JsonPropertyName("mempool_size")] int MempoolSize,
    [property: JsonPropertyName("peers")] int Peers,
    [property: JsonPropertyName("view_changes")] ulong ViewChanges,
    [property: JsonPropertyName("txs_committed")] long TxsCommitted,
    [property: JsonPropertyName("last_commit_ms_ago")] long LastCommitMsAgo,
    [property: JsonPropertyName("highest_peer_height")] ulong HighestPeerHeight);

/// <summary>
/// One validator as this node sees it: over P2P (connected, RTT) and, when its API URL is configured, from its own
/// /status and /ready. <see cref="Health"/> is up, degraded, down or unknown.
/// </summary>
public sealed record ValidatorView(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("self")] bool Self,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("health")] string Health,
    [property: JsonPropertyName("health_reason")] string? HealthReason,
    [property: JsonPropertyName("height")] ulong? Height,
    [property: JsonPropertyName("view")] ulong? View,
    [property: JsonPropertyName("peers")] int? Peers,
    [property: JsonPropertyName("sync_status")] string? SyncStatus,
    [property: JsonPropertyName("p2p_connected")] bool? P2pConnected,
    [property: JsonPropertyName("rtt_ms")] double? RttMs,
    [property: JsonPropertyName("api_url")] string? ApiUrl,
    [property: JsonPropertyName("last_seen_ms_ago")] long? LastSeenMsAgo);

public sealed record ObserverView([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("address")] string Address);

/// <summary>One second of this node's commits: throughput and latency.</summary>
public sealed record RatePoint(
    [property: JsonPropertyName("t")] long TimeMs,
    [property: JsonPropertyName("height")] ulong Height,
    [property: JsonPropertyName("txs_per_s")] double TxsPerSecond,
    [property: JsonPropertyName("blocks_per_s")] double BlocksPerSecond,
    [property: JsonPropertyName("latency_p50_ms")] double? LatencyP50Ms,
    [property: JsonPropertyName("latency_p99_ms")] double? LatencyP99Ms,
    [property: JsonPropertyName("block_latency_ms")] double? BlockLatencyMs);

public sealed record ViewChangeRecord(
    [property: JsonPropertyName("at_ms")] long AtMs,
    [property: JsonPropertyName("from_view")] ulong FromView,
    [property: JsonPropertyName("to_view")] ulong ToView,
    [property: JsonPropertyName("height")] ulong Height,
    [property: JsonPropertyName("leader")] string Leader);

/// <summary>An alert whose condition holds now, since <see cref="SinceMs"/>; see <see cref="AlertRules"/> for the rules.</summary>
public sealed record FiringAlert(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("subject")] string? Subject,
    [property: JsonPropertyName("since_ms")] long SinceMs,
    [property: JsonPropertyName("summary")] string Summary);

/// <summary>The validator set the page checks certificates against (from this node's genesis).</summary>
public sealed record ValidatorSetJson(
    [property: JsonPropertyName("chain_id")] string ChainId,
    [property: JsonPropertyName("genesis_hash")] string GenesisHash,
    [property: JsonPropertyName("quorum")] int Quorum,
    [property: JsonPropertyName("validators")] IReadOnlyList<ValidatorKeyJson> Validators);

public sealed record ValidatorKeyJson(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("public_key")] string PublicKey,
    [property: JsonPropertyName("address")] string Address);

/// <summary>What the poller reads from another node's API (a subset of its /status and /ready).</summary>
public sealed record PeerStatusJson(
    [property: JsonPropertyName("node_id")] string? NodeId,
    [property: JsonPropertyName("block_height")] ulong BlockHeight,
    [property: JsonPropertyName("view")] ulong View,
    [property: JsonPropertyName("sync_status")] string? SyncStatus,
    [property: JsonPropertyName("peers")] int Peers);

public sealed record PeerReadyJson([property: JsonPropertyName("status")] string? Status, [property: JsonPropertyName("reason")] string? Reason);

// Peers may add fields to /status (an extension is allowed by the contract): unknown members are skipped here.
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DashboardSnapshot))]
[JsonSerializable(typeof(ValidatorSetJson))]
[JsonSerializable(typeof(List<FiringAlert>))]
[JsonSerializable(typeof(PeerStatusJson))]
[JsonSerializable(typeof(PeerReadyJson))]
public sealed partial class DashboardJsonContext : JsonSerializerContext;
