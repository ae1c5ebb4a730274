using System.Text.Json.Serialization;

namespace Aegis.Mesh.Hosting;

public sealed record HealthAnswer(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("tun")] string Tun,
    [property: JsonPropertyName("reason")] string? Reason);

public sealed record StatusAnswer(
    [property: JsonPropertyName("node_name")] string NodeName,
    [property: JsonPropertyName("node_type")] string NodeType,
    [property: JsonPropertyName("mesh_address")] string MeshAddress,
    [property: JsonPropertyName("network")] string Network,
    [property: JsonPropertyName("cidr")] string Cidr,
    [property: JsonPropertyName("uptime_seconds")] double UptimeSeconds,
    [property: JsonPropertyName("peers")] int Peers,
    [property: JsonPropertyName("transports")] IReadOnlyList<string> Transports,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("handshakes")] long Handshakes,
    [property: JsonPropertyName("auth_failures")] long AuthFailures);

public sealed record PeerAnswer(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("mesh_address")] string MeshAddress,
    [property: JsonPropertyName("node_type")] string NodeType,
    [property: JsonPropertyName("underlay_address")] string? UnderlayAddress,
    [property: JsonPropertyName("transport")] string? Transport,
    [property: JsonPropertyName("latency_ms")] double? LatencyMs,
    [property: JsonPropertyName("bytes_sent")] long BytesSent,
    [property: JsonPropertyName("bytes_received")] long BytesReceived,
    [property: JsonPropertyName("last_handshake")] DateTimeOffset? LastHandshake);

[JsonSerializable(typeof(HealthAnswer))]
[JsonSerializable(typeof(StatusAnswer))]
[JsonSerializable(typeof(PeerAnswer[]))]
[JsonSerializable(typeof(Aegis.Node.Api.ErrorResponse))]
[JsonSourceGenerationOptions(WriteIndented = true)]
public sealed partial class MeshJsonContext : JsonSerializerContext;
