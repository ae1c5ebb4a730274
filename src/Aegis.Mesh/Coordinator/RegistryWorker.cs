using System.Data.Common;
using Aegis.Core.Crypto;
using Aegis.Mesh.Pki;
using Microsoft.Extensions.Logging;

namespace Aegis.Mesh.Coordinator;

/// <summary>
/// A coordinator's routine registry I/O on a thread of its own: the certificates nodes present (written coalesced, the
/// latest sighting per fingerprint) and the poll for revocations `aegis mesh revoke` wrote. The control loop never waits
/// on a disk or a database for them: it also answers handshakes and queries, and on a loaded machine an fsync or a slow
/// PostgreSQL round trip held it for seconds. Only a new lease is written on the control loop (the unique key must
/// decide before the handshake is answered; once per node, ever).
/// </summary>
public sealed partial class RegistryWorker : IDisposable
{
    private readonly IMeshRegistry _registry;
    private readonly TimeSpan _pollInterval;
    private readonly Action<IReadOnlyList<Hash32>> _onRevocations;
    private readonly ILogger _log;
    private readonly Dictionary<Hash32, (MeshCertificate Certificate, DateTimeOffset Seen)> _pending = [];
    private readonly Lock _lock = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _revocationCount = -1;

    /// <param name="onRevocations">Called on the worker's thread with the whole list whenever it changed (and once at start).</param>
    public RegistryWorker(IMeshRegistry registry, TimeSpan pollInterval, Action<IReadOnlyList<Hash32>> onRevocations, ILogger log)
    {
        _registry = registry;
        _pollInterval = pollInterval;
        _onRevocations = onRevocations;
        _log = log;
        _thread = new Thread(Run) { Name = "aegisray-registry", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Certificates waiting to be written (tests and diagnostics).</summary>
    public int PendingWrites
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Queues a sighting of <paramref name="certificate"/>; returns at once.</summary>
    public void RecordCertificate(MeshCertificate certificate, DateTimeOffset seen)
    {
        lock (_lock)
        {
            _pending[certificate.Fingerprint] = (certificate, seen);
        }

        _wake.Set();
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(10));
        _wake.Dispose();
    }

    private void Run()
    {
        long nextPoll = 0;
        while (true)
        {
            WriteCertificates();
            if (_stopping)
            {
                return;
            }

            if (Environment.TickCount64 >= nextPoll)
            {
                nextPoll = Environment.TickCount64 + (long)_pollInterval.TotalMilliseconds;
                PollRevocations();
            }

            _wake.WaitOne(_pollInterval);
        }
    }

    private void WriteCertificates()
    {
        (MeshCertificate Certificate, DateTimeOffset Seen)[] batch;
        lock (_lock)
        {
            batch = [.. _pending.Values];
            _pending.Clear();
        }

        foreach ((MeshCertificate certificate, DateTimeOffset seen) in batch)
        {
            try
            {
                _registry.RecordCertificate(certificate, seen);
            }
            catch (DbException ex)
            {
                // The next sighting (registrations repeat every 15 s) writes it again; the mesh itself does not depend on it.
                LogWriteFailed(certificate.Name, ex.Message);
            }
        }
    }

    private void PollRevocations()
    {
        IReadOnlyList<Hash32> revoked;
        try
        {
            revoked = _registry.Revocations();
        }
        catch (DbException ex)
        {
            LogPollFailed(ex.Message);
            return;
        }

        // Revocations are only ever added, so the count tells whether anything is new.
        if (revoked.Count != _revocationCount)
        {
            _revocationCount = revoked.Count;
            _onRevocations(revoked);
        }
    }

    [LoggerMessage(EventId = 7301, Level = LogLevel.Warning, Message = "registry: recording certificate {Name} failed: {Problem}")]
    private partial void LogWriteFailed(string name, string problem);

    [LoggerMessage(EventId = 7302, Level = LogLevel.Warning, Message = "registry: reading revocations failed: {Problem}")]
    private partial void LogPollFailed(string problem);
}
