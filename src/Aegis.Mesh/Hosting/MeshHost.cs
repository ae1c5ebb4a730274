using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Aegis.Mesh.Configuration;
using Aegis.Mesh.Coordinator;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Pki;
using Aegis.Node.Hosting;
using Aegis.Mesh.Session;
using Aegis.Mesh.Transport;
using Aegis.Mesh.Tun;
using Microsoft.Extensions.Logging;

namespace Aegis.Mesh.Hosting;

/// <summary>
/// `aegis mesh run`: the engine over real devices. Threads: one control loop (handshakes, control messages, 100 ms
/// ticks), one TUN reader (TUN → encrypt → sendmmsg batch) and one UDP reader (recvmmsg batch → decrypt → TUN) — one
/// dedicated thread per direction, so the two directions of a bulk transfer use both cores; TLS links run on the pool.
/// </summary>
public sealed class MeshHost : IDisposable
{
    private readonly MeshConfig _config;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly BlockingCollection<Action> _control = new(new ConcurrentQueue<Action>(), 65536);
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly List<IDisposable> _cleanup = [];
    private NodeIdentity _identity;
    private MeshEngine? _engine;
    private TunDevice? _tun;
    private UdpSocket? _udp;
    private SqlRegistry? _registry;
    private volatile bool _stopping;

    public MeshHost(MeshConfig config, NodeIdentity identity, ILoggerFactory loggers)
    {
        _config = config;
        _identity = identity;
        _loggers = loggers;
        _log = loggers.CreateLogger("aegisray");
        // Listening from the start: an instrument's events before the registry exists would be lost to /metrics.
        ExportedMetrics = Metrics.CreateRegistry(loggers.CreateLogger("aegisray.metrics"));
    }

    public MeshEngine Engine => _engine ?? throw new InvalidOperationException("not started");

    public MeshMetrics Metrics { get; } = new();

    /// <summary>What /metrics serves.</summary>
    public Aegis.Node.Monitoring.NodeMetricsRegistry ExportedMetrics { get; }

    public bool TunUp => _tun?.IsUp ?? false;

    public static ILoggerFactory CreateLoggers(MeshConfig config)
    {
        LogLevel level = config.LogLevel switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        return LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(level);
            b.AddFilter("Microsoft", LogLevel.Warning);
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            if (config.LogFile.Length > 0)
            {
                b.AddProvider(new FileLoggerProvider(config.LogFile));
            }
        });
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var clock = new SystemMeshClock();
        if (_config.NodeType == NodeType.Coordinator)
        {
            _registry = _config.StorageType == "postgresql" ? SqlRegistry.OpenPostgres(_config.ConnectionString) : SqlRegistry.OpenSqlite(_config.StoragePath);
        }

        int slot = Math.Max(2048, _config.TunMtu + 256);
        IUdpSender udp = NullUdp.Instance;
        if (_config.UdpPort != 0)
        {
            _udp = new UdpSocket(_config.ListenHost, _config.UdpPort, slot, _config.UdpOffload);
            udp = _udp;
        }

        if (_config.HasTun)
        {
            _tun = TunDevice.Create(_config.TunName);
            if (_identity.Certificate.Address is { } address)
            {
                ConfigureTun(new IPv4Network(address.Address, _config.Cidr.PrefixLength));
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tls = new TlsTransport(new TlsOptions(_config.UseTls, _config.StealthMode, _config.Sni), () => Engine, _loggers.CreateLogger("aegisray.tls"), stop.Token);
        _cleanup.Add(tls);
        _engine = new MeshEngine(EngineOptionsFrom(_config), _identity, new PacketFilter(_config.Inbound, _config.Outbound), clock, udp, tls, _tun,
            Metrics, _loggers.CreateLogger("aegisray.engine"), Post);
        if (_engine.Coordinator is { } directory && _registry is not null)
        {
            directory.Registry = _registry;
            _engine.ApplyRevocations(_registry.Revocations());
            // `aegis mesh revoke` writes to the registry; the coordinator picks it up within ~2 s and tells every node.
            var worker = new RegistryWorker(_registry, TimeSpan.FromSeconds(2), revoked => Post(() => Engine.ApplyRevocations(revoked)), _loggers.CreateLogger("aegisray.registry"));
            _cleanup.Add(worker);
            directory.CertificateSeen = worker.RecordCertificate;
        }

        _engine.LeaseAssigned += lease => ConfigureTun(lease);
        tls.Listen(IPAddress.Parse(_config.ListenHost), _config.ListenPort);
        if (_config.ExitEnabled && _tun is not null)
        {
            _cleanup.Add(ExitRouting.EnableExit(_tun.Name, _config.Cidr));
        }

        var threads = new List<Thread> { Start("aegisray-control", ControlLoop) };
        if (_udp is not null)
        {
            threads.Add(Start("aegisray-udp-rx", () => UdpLoop(_udp)));
        }

        if (_tun is not null)
        {
            threads.Add(Start("aegisray-tun-rx", TunLoop));
        }

        Post(_engine.Start);
        using PosixSignalRegistration hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Post(Reload);
        });
        HostLog.Started(_log, _config.NodeName, _config.NodeType.ToString().ToLowerInvariant(), _config.UdpPort, _config.ListenPort, _tun?.Name ?? "none");
        try
        {
            await ManagementApi.RunAsync(this, _config, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            _stopping = true;
            await stop.CancelAsync().ConfigureAwait(false);
            _control.CompleteAdding();
            _udp?.Dispose();
            _tun?.Dispose();
            foreach (Thread t in threads)
            {
                t.Join(TimeSpan.FromSeconds(2));
            }
        }
    }

    public StatusAnswer Status()
    {
        MeshEngine e = Engine;
        var transports = e.Peers.Where(p => p.Current is not null && p.Path is not null).Select(p => p.Path!.Transport).Distinct().Order(StringComparer.Ordinal).ToList();
        return new StatusAnswer(e.Name, _config.NodeType.ToString().ToLowerInvariant(), e.Address == 0 ? "" : IPv4Network.Format(e.Address), _config.NetworkName,
            _config.Cidr.ToString(), Math.Round((DateTimeOffset.UtcNow - _started).TotalSeconds, 1), e.Gauges().ConnectedPeers, transports, Aegis.Core.AegisVersion.Value,
            Metrics.HandshakeCount, Metrics.AuthFailureCount);
    }

    public PeerAnswer[] PeersSnapshot() => Engine.Peers
        .Where(p => p.Certificate is not null)
        .OrderBy(p => p.MeshAddress)
        .Select(p => new PeerAnswer(p.Name, IPv4Network.Format(p.MeshAddress), p.NodeType.ToString().ToLowerInvariant(), p.Current is null ? null : p.Path?.Describe(),
            p.Current is null ? null : p.Path?.Transport, p.LatencyMs, p.BytesSent, p.BytesReceived, p.LastHandshakeAt))
        .ToArray();

    public void Dispose()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }

        _engine?.Dispose();
        _registry?.Dispose();
        ExportedMetrics.Dispose();
        Metrics.Dispose();
        _control.Dispose();
    }

    private void Post(Action action)
    {
        if (!_control.IsAddingCompleted && !_control.TryAdd(action))
        {
            Metrics.Drop(DropReasons.QueueFull);
        }
    }

    private void ControlLoop()
    {
        long nextTick = Environment.TickCount64;
        while (!_stopping)
        {
            int wait = (int)Math.Max(0, nextTick - Environment.TickCount64);
            try
            {
                if (_control.TryTake(out Action? action, wait))
                {
                    action();
                    continue;
                }
            }
            catch (InvalidOperationException)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A broken invariant in one input must be seen, not stall the loop silently.
                HostLog.ControlFailed(_log, ex);
                continue;
            }

            nextTick = Environment.TickCount64 + 100;
            Engine.Tick();
        }
    }

    private void TunLoop()
    {
        _udp?.BeginBatching();
        var buffers = new DataBuffers();
        var packet = new byte[65536];
        while (!_stopping)
        {
            int n = _tun!.Read(packet);
            if (n > 0)
            {
                Engine.OnTunPacket(packet.AsSpan(0, n), buffers);
                continue;
            }

            if (n < 0)
            {
                return;
            }

            // Drained: send the batch, then sleep until the kernel has more.
            _udp?.Flush();
            _tun.WaitReadable(500);
        }
    }

    private void UdpLoop(UdpSocket socket)
    {
        socket.BeginBatching();
        var buffers = new DataBuffers();
        using ReceiveBatch batch = socket.CreateReceiveBatch();
        while (!_stopping)
        {
            int n = socket.Receive(batch);
            if (n < 0)
            {
                return;
            }

            for (int i = 0; i < n; i++)
            {
                if (batch.Truncated(i))
                {
                    continue;
                }

                ReadOnlySpan<byte> train = batch.Packet(i);
                PacketSource source = PacketSource.FromUdp(batch.Source(i));
                int segment = batch.SegmentSize(i);
                if (segment <= 0)
                {
                    Engine.OnUnderlayPacket(train, source, buffers);
                    continue;
                }

                // A train the kernel coalesced (UDP_GRO): datagrams of `segment` bytes, the last possibly shorter.
                for (int offset = 0; offset < train.Length; offset += segment)
                {
                    Engine.OnUnderlayPacket(train.Slice(offset, Math.Min(segment, train.Length - offset)), source, buffers);
                }
            }

            socket.Flush();
        }
    }

    private void ConfigureTun(IPv4Network address)
    {
        if (_tun is null)
        {
            return;
        }

        _tun.Configure(address, _config.TunMtu);
        HostLog.TunUp(_log, _tun.Name, address.ToString(), _config.TunMtu);
        if (_config.UseExit.Length > 0)
        {
            _cleanup.Add(ExitRouting.RouteInternetVia(_tun.Name));
        }
    }

    private void Reload()
    {
        (MeshConfig? fresh, List<string> problems) = MeshConfigLoader.Load(_config.ConfigPath, MeshConfigLoader.ProcessEnvironment());
        NodeIdentity? identity = null;
        if (fresh is not null)
        {
            (identity, problems) = MeshIdentityLoader.Load(fresh, DateTimeOffset.UtcNow);
        }

        if (fresh is null || identity is null)
        {
            HostLog.ReloadRefused(_log, string.Join("; ", problems));
            return;
        }

        _identity = identity;
        Engine.Reload(identity, fresh.Inbound, fresh.Outbound);
        HostLog.Reloaded(_log, identity.Certificate.Name, fresh.Inbound.Count);
    }

    private static Thread Start(string name, ThreadStart body)
    {
        var thread = new Thread(body) { Name = name, IsBackground = true };
        thread.Start();
        return thread;
    }

    private static EngineOptions EngineOptionsFrom(MeshConfig c) => new()
    {
        NodeType = c.NodeType,
        Network = c.Cidr,
        NetworkName = c.NetworkName,
        UdpPort = c.UdpPort,
        TcpPort = c.ListenPort,
        Cipher = c.Cipher,
        MaxPeers = c.MaxPeers,
        ExitEnabled = c.ExitEnabled,
        UseExit = c.UseExit,
        Coordinators = c.Coordinators.Select(Resolve).ToList(),
        LocalEndpoints = LocalAddresses(c),
    };

    /// <summary>A coordinator "host:port" is its TLS endpoint; UDP is tried on the same port and on the default 4242.</summary>
    private static (string, UdpEndpoint, IReadOnlyList<UdpEndpoint>) Resolve(string entry)
    {
        MeshConfigLoader.TryHostPort(entry, out string host, out ushort port);
        IPAddress address = IPAddress.TryParse(host, out IPAddress? literal) ? literal
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? throw new IOException($"coordinator {entry}: {host} has no IPv4 address");
        uint ip = IPv4Network.FromIPAddress(address);
        return (entry, new UdpEndpoint(ip, port), port == 4242 ? [new UdpEndpoint(ip, 4242)] : [new UdpEndpoint(ip, 4242), new UdpEndpoint(ip, port)]);
    }

    private static List<UdpEndpoint> LocalAddresses(MeshConfig c)
    {
        if (c.UdpPort == 0)
        {
            return [];
        }

        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.Name != c.TunName && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a.Address))
            .Select(a => new UdpEndpoint(IPv4Network.FromIPAddress(a.Address), c.UdpPort))
            .Where(e => !c.Cidr.Contains(e.Address))
            .Take(4)
            .ToList();
    }

    private sealed class NullUdp : IUdpSender
    {
        public static NullUdp Instance { get; } = new();

        public void Send(UdpEndpoint to, ReadOnlySpan<byte> packet)
        {
        }

        public void Flush()
        {
        }
    }
}

internal static partial class HostLog
{
    [LoggerMessage(EventId = 7201, Level = LogLevel.Information, Message = "aegisray {Node} ({Type}) running: udp {UdpPort}, tls {TcpPort}, tun {Tun}")]
    public static partial void Started(ILogger logger, string node, string type, int udpPort, int tcpPort, string tun);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Information, Message = "{Tun} up: {Address}, mtu {Mtu}")]
    public static partial void TunUp(ILogger logger, string tun, string address, int mtu);

    [LoggerMessage(EventId = 7203, Level = LogLevel.Information, Message = "SIGHUP: reloaded certificate {Name} and {Rules} inbound firewall rules; tunnels kept")]
    public static partial void Reloaded(ILogger logger, string name, int rules);

    [LoggerMessage(EventId = 7204, Level = LogLevel.Error, Message = "SIGHUP: reload refused, running configuration kept: {Problems}")]
    public static partial void ReloadRefused(ILogger logger, string problems);

    [LoggerMessage(EventId = 7205, Level = LogLevel.Error, Message = "control loop: an input failed")]
    public static partial void ControlFailed(ILogger logger, Exception exception);
}
