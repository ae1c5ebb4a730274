using System.Diagnostics.Metrics;

namespace Aegis.Network.Tests.Support;

/// <summary>Observes aegis_auth_failures_total the way an exporter would: through a MeterListener.</summary>
internal sealed class AuthFailureMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public AuthFailureMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SecureTransport.MeterName && instrument.Name == "aegis_auth_failures_total")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
