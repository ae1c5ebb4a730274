using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;

namespace Aegis.Node.Dashboard;

/// <summary>What the last polls of one peer's API said.</summary>
public sealed record PeerObservation(string Url, string? NodeId, PeerStatusJson? Status, bool? Ready, string? NotReadyReason, DateTimeOffset? LastOkAt, string? LastError);

/// <summary>
/// Polls the configured peers' /status and /ready once a second, in the background, each with a short timeout, so
/// one dead peer never delays the dashboard. The page gets the cluster view from this node: no cross-origin requests.
/// </summary>
public sealed class ClusterPoller : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMilliseconds(900);

    private readonly HttpClient _http;
    private readonly IReadOnlyList<string> _urls;
    private readonly ConcurrentDictionary<string, PeerObservation> _latest = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public ClusterPoller(IReadOnlyList<string> urls, string? caFile = null)
    {
        _http = Aegis.Node.Security.ApiHttp.Create(caFile, RequestTimeout, field: "dashboard.peer_ca_file");
        _urls = [.. urls.Select(u => u.TrimEnd('/'))];
        foreach (string url in _urls)
        {
            _latest[url] = new PeerObservation(url, null, null, null, null, null, "not polled yet");
        }
    }

    public IReadOnlyCollection<PeerObservation> Latest => [.. _latest.Values];

    public void Start()
    {
        if (_urls.Count > 0)
        {
            _loop = Task.Run(() => RunAsync(_stop.Token));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Period);
        do
        {
            await Task.WhenAll(_urls.Select(u => PollAsync(u, ct)));
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    private async Task PollAsync(string url, CancellationToken ct)
    {
        PeerObservation before = _latest[url];
        try
        {
            Task<PeerStatusJson?> status = _http.GetFromJsonAsync(url + "/status", DashboardJsonContext.Default.PeerStatusJson, ct);
            using HttpResponseMessage ready = await _http.GetAsync(url + "/ready", ct);
            PeerReadyJson? readyBody = await ready.Content.ReadFromJsonAsync(DashboardJsonContext.Default.PeerReadyJson, ct);
            PeerStatusJson? s = await status;
            _latest[url] = new PeerObservation(url, s?.NodeId, s, ready.IsSuccessStatusCode, readyBody?.Reason, DateTimeOffset.UtcNow, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or NotSupportedException && !ct.IsCancellationRequested)
        {
            string error = ex is TaskCanceledException ? $"no answer within {RequestTimeout.TotalMilliseconds:0} ms" : ex.Message;
            _latest[url] = before with { LastError = error };
        }
    }
}
