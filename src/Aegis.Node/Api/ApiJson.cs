using System.Text.Json.Serialization;

namespace Aegis.Node.Api;

public sealed class TxRequest
{
    [JsonPropertyName("op")]
    public string? Op { get; set; }

    [JsonPropertyName("key")]
    public string? Key { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }

    [JsonPropertyName("id")]
    public string? Id { get; set; }
}

public sealed record ErrorResponse([property: JsonPropertyName("error")] string Error, [property: JsonPropertyName("message")] string Message);

public sealed record HealthResponse([property: JsonPropertyName("status")] string Status);

public sealed record ReadyResponse([property: JsonPropertyName("status")] string Status, [property: JsonPropertyName("reason")] string? Reason, [property: JsonPropertyName("sync_status")] string SyncStatus);

public sealed record StatusResponse(
    [property: JsonPropertyName("node_id")] string NodeId,
    [property: JsonPropertyName("chain_id")] string ChainId,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("block_height")] ulong BlockHeight,
    [property: JsonPropertyName("last_block_hash")] string LastBlockHash,
    [property: JsonPropertyName("view")] ulong View,
    [property: JsonPropertyName("leader")] string Leader,
    [property: JsonPropertyName("in_view_change")] bool InViewChange,
    [property: JsonPropertyName("sync_status")] string SyncStatus,
    [property: JsonPropertyName("peers")] int Peers,
    [property: JsonPropertyName("validators")] int Validators,
    [property: JsonPropertyName("mempool_size")] int MempoolSize,
    [property: JsonPropertyName("view_changes")] ulong ViewChanges,
    [property: JsonPropertyName("txs_committed")] long TxsCommitted,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("validator_peers")] int ValidatorPeers,
    [property: JsonPropertyName("observer_peers")] int ObserverPeers,
    [property: JsonPropertyName("history_from")] ulong HistoryFrom,
    [property: JsonPropertyName("history")] string History);

public sealed record TxAccepted([property: JsonPropertyName("tx_hash")] string TxHash);

/// <summary>A <c>?wait=commit</c> that ran out of time: accepted, not yet committed; <see cref="Poll"/> answers once it is.</summary>
public sealed record TxPending(
    [property: JsonPropertyName("tx_hash")] string TxHash,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("poll")] string Poll,
    [property: JsonPropertyName("message")] string Message);

public sealed record TxCommitted([property: JsonPropertyName("tx_hash")] string TxHash, [property: JsonPropertyName("height")] ulong Height, [property: JsonPropertyName("block_hash")] string BlockHash);

public sealed record KvResponse([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("value")] string Value, [property: JsonPropertyName("height")] ulong Height);

public sealed record TxJson([property: JsonPropertyName("op")] string Op, [property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("value")] string? Value, [property: JsonPropertyName("id")] string? Id, [property: JsonPropertyName("tx_hash")] string TxHash);

public sealed record TxLookupResponse(
    [property: JsonPropertyName("tx_hash")] string TxHash,
    [property: JsonPropertyName("height")] ulong Height,
    [property: JsonPropertyName("block_hash")] string BlockHash,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("tx")] TxJson Tx);

public sealed record HeaderJson(
    [property: JsonPropertyName("chain_id")] string ChainId,
    [property: JsonPropertyName("height")] ulong Height,
    [property: JsonPropertyName("view")] ulong View,
    [property: JsonPropertyName("previous_hash")] string PreviousHash,
    [property: JsonPropertyName("tx_root")] string TxRoot,
    [property: JsonPropertyName("state_root")] string StateRoot,
    [property: JsonPropertyName("proposer")] string Proposer,
    [property: JsonPropertyName("timestamp_ms")] long TimestampMs,
    [property: JsonPropertyName("tx_count")] uint TxCount);

public sealed record SignatureJson([property: JsonPropertyName("validator")] string Validator, [property: JsonPropertyName("signature")] string Signature);

public sealed record CertificateJson([property: JsonPropertyName("height")] ulong Height, [property: JsonPropertyName("block_hash")] string BlockHash, [property: JsonPropertyName("view")] ulong View, [property: JsonPropertyName("signatures")] IReadOnlyList<SignatureJson> Signatures);

public sealed record BlockResponse(
    [property: JsonPropertyName("height")] ulong Height,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("header")] HeaderJson Header,
    [property: JsonPropertyName("txs")] IReadOnlyList<TxJson> Txs,
    [property: JsonPropertyName("certificate")] CertificateJson Certificate,
    [property: JsonPropertyName("state_root_after")] string StateRootAfter);

public sealed record PeerJson(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("outbound")] bool Outbound,
    [property: JsonPropertyName("rtt_ms")] double? RttMs,
    [property: JsonPropertyName("bytes_sent")] long BytesSent,
    [property: JsonPropertyName("bytes_received")] long BytesReceived);

public sealed record BlockEventJson([property: JsonPropertyName("height")] ulong Height, [property: JsonPropertyName("hash")] string Hash, [property: JsonPropertyName("txs")] int Txs, [property: JsonPropertyName("view")] ulong View, [property: JsonPropertyName("timestamp_ms")] long TimestampMs);

/// <summary>One element's answer in a batch: the hash (and, with ?wait=commit, where it committed), or why it was refused.</summary>
public sealed record TxBatchItem(
    [property: JsonPropertyName("tx_hash"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TxHash,
    [property: JsonPropertyName("height"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Height,
    [property: JsonPropertyName("block_hash"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BlockHash,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message);

public sealed record TxBatchResponse([property: JsonPropertyName("accepted")] int Accepted, [property: JsonPropertyName("results")] IReadOnlyList<TxBatchItem> Results);

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TxRequest))]
[JsonSerializable(typeof(TxBatchResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ReadyResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(TxAccepted))]
[JsonSerializable(typeof(TxPending))]
[JsonSerializable(typeof(TxCommitted))]
[JsonSerializable(typeof(KvResponse))]
[JsonSerializable(typeof(TxLookupResponse))]
[JsonSerializable(typeof(BlockResponse))]
[JsonSerializable(typeof(List<PeerJson>))]
[JsonSerializable(typeof(BlockEventJson))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>Error bodies are read by people: quotes and '&lt;' stay as they are (the default encoder writes \u0027, which is safe only for HTML).</summary>
internal static class ErrorJson
{
    public static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<ErrorResponse> TypeInfo =
        new ApiJsonContext(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ErrorResponse;
}
