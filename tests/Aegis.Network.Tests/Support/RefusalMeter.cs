using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Aegis.Network.Tests.Support;

/// <summary>Observes aegis_p2p_connections_refused_total by reason, the way an exporter would: through a MeterListener.</summary>
internal sealed class RefusalMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _byReason = new();

    public RefusalMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SecureTransport.MeterName && instrument.Name == "aegis_p2p_connections_refused_total")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "reason")
                {
                    _byReason.AddOrUpdate((string)tag.Value!, value, (_, n) => n + value);
                }
            }
        });
        _listener.Start();
    }

    public long this[string reason] => _byReason.GetValueOrDefault(reason);

    public void Dispose() => _listener.Dispose();
}
