using System.Diagnostics.Metrics;

namespace Aegis.Node.Monitoring;

/// <summary>
/// The API perimeter's instruments (meter "Aegis.Node.Api"): refused tokens, rate-limited requests and refused
/// connections, each with a reason from a fixed list so a flood cannot grow the label set.
/// </summary>
public sealed class ApiMetrics : IDisposable
{
    public const string MeterName = "Aegis.Node.Api";

    private readonly Meter _meter = new(MeterName, Aegis.Core.AegisVersion.Value);

    public ApiMetrics(int rateLimitPerMinute, int maxConnectionsPerIp)
    {
        AuthFailures = _meter.CreateCounter<long>("aegis_api_auth_failures_total", description: "API requests refused with 401 or 403, by reason");
        RateLimited = _meter.CreateCounter<long>("aegis_api_rate_limited_total", description: "API requests refused with 429 by the rate limiter");
        ConnectionsRefused = _meter.CreateCounter<long>("aegis_api_connections_refused_total", description: "API and metrics connections closed on arrival, by reason");
        _meter.CreateObservableGauge("aegis_api_rate_limit_per_minute", () => rateLimitPerMinute, description: "Configured requests per minute per client (token subject, else IP)");
        _meter.CreateObservableGauge("aegis_api_max_connections_per_ip", () => maxConnectionsPerIp, description: "Configured open connections per client IP");
    }

    public Counter<long> AuthFailures { get; }

    public Counter<long> RateLimited { get; }

    public Counter<long> ConnectionsRefused { get; }

    public void Dispose() => _meter.Dispose();
}
