namespace Aegis.Node.Configuration;

/// <summary>
/// config.yaml, section by section: each property is a snake_case key (JwtSecret → jwt_secret) and each default is the
/// value in the contract's example. Plain settable classes, so the same shape also binds through IOptions.
/// </summary>
public sealed class AegisConfig
{
    public NodeSection Node { get; set; } = new();

    public string GenesisFile { get; set; } = "../genesis.json";

    public P2pSection P2p { get; set; } = new();

    public ConsensusSection Consensus { get; set; } = new();

    public StorageSection Storage { get; set; } = new();

    public ApiSection Api { get; set; } = new();

    public MonitoringSection Monitoring { get; set; } = new();

    public SecuritySection Security { get; set; } = new();

    public LoggingSection Logging { get; set; } = new();

    public MempoolSection Mempool { get; set; } = new();

    public DashboardSection Dashboard { get; set; } = new();

    /// <summary>Bounds of SecureChat's content store (<c>/ipfs-api</c>); the options class is the content store's own.</summary>
    public Aegis.Content.ContentOptions Content { get; set; } = new();
}

public sealed class NodeSection
{
    /// <summary>Empty: the id of the validator whose key this node holds.</summary>
    public string Id { get; set; } = "";

    public string Environment { get; set; } = "development";

    public string DataDir { get; set; } = "./data";

    public string KeyFile { get; set; } = "./node.key";
}

public sealed class P2pSection
{
    public string Host { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 8000;

    public List<string> BootstrapNodes { get; set; } = [];

    /// <summary>Peers connected at once: observers are refused beyond it (validators of the genesis always get in).</summary>
    public int MaxPeers { get; set; } = 50;

    /// <summary>Whether identities outside the validator set may connect as observers. Unset: yes, except in production.</summary>
    public bool? AllowObservers { get; set; }

    /// <summary>Observers connected at once.</summary>
    public int MaxObservers { get; set; } = new Aegis.Network.PeerLimits().MaxObservers;

    /// <summary>Connections one IP (an IPv6 /64) may hold while handshaking or as an observer; proven validators do not count.</summary>
    public int MaxConnectionsPerIp { get; set; } = new Aegis.Network.PeerLimits().MaxConnectionsPerIp;

    /// <summary>Handshakes one IP (an IPv6 /64) may start per second.</summary>
    public int HandshakesPerSecondPerIp { get; set; } = new Aegis.Network.PeerLimits().HandshakesPerSecondPerIp;

    /// <summary>Handshakes in progress at once, from all addresses.</summary>
    public int MaxPendingHandshakes { get; set; } = new Aegis.Network.PeerLimits().MaxPendingHandshakes;

    /// <summary>A handshake (and an outgoing TCP connect) must finish within this, or the connection is dropped.</summary>
    public int HandshakeTimeoutMs { get; set; } = (int)new Aegis.Network.PeerLimits().HandshakeTimeout.TotalMilliseconds;
}

public sealed class ConsensusSection
{
    public string Algorithm { get; set; } = "pbft";

    public int ViewChangeTimeoutMs { get; set; } = 2000;

    public int MaxBlockTxs { get; set; } = 2000;

    /// <summary>How many of its blocks a primary keeps uncommitted at once; see <see cref="Aegis.Core.Consensus.ReplicaOptions.MaxBlocksInFlight"/>.</summary>
    public int MaxBlocksInFlight { get; set; } = new Aegis.Core.Consensus.ReplicaOptions().MaxBlocksInFlight;

    public int TickMs { get; set; } = 50;

    /// <summary>
    /// Chain-wide parameters live in genesis.json because every replica must agree on them. Here they are optional
    /// assertions: null takes the genesis value, a number must equal it (checked when the node loads its genesis).
    /// </summary>
    public int? PipelineDepth { get; set; }

    /// <inheritdoc cref="PipelineDepth"/>
    public int? CheckpointInterval { get; set; }
}

public sealed class StorageSection
{
    public string Type { get; set; } = "sqlite";

    /// <summary>An Npgsql connection string or a postgresql:// URL; only its password is secret, so diagnostics still show host and database.</summary>
    [Secret(PasswordOnly = true)]
    public string ConnectionString { get; set; } = "";

    /// <summary>PostgreSQL schema for this node's tables, so several nodes can share one database (testnets). Empty: public.</summary>
    public string Schema { get; set; } = "";

    /// <summary>An empty store joins a running chain by a certified snapshot of its state instead of replaying from genesis (extension; off by default, see SnapshotSyncOptions.Enabled).</summary>
    public bool SnapshotSync { get; set; } = new StateSync.SnapshotSyncOptions().Enabled;

    /// <summary>Only a snapshot at least this many blocks above genesis is taken; a younger chain is replayed (extension).</summary>
    public int SnapshotMinBlocks { get; set; } = new StateSync.SnapshotSyncOptions().MinBlocks;

    /// <summary>A snapshot-joined store backfills the blocks below its snapshot in the background (extension; default true). False: never fetched, 404 below.</summary>
    public bool KeepHistory { get; set; } = new StateSync.SnapshotSyncOptions().KeepHistory;
    /// <summary>How many of the newest blocks the node re-checks before it serves or votes (hashes, links, certificates, state roots); 0: none.</summary>
    public int VerifyRecentBlocks { get; set; } = Operations.RecentHistoryCheck.DefaultBlocks;

    /// <summary>Whether the node rebuilds the state root from its key-value table at start and compares it with the tip's (one pass over the state).</summary>
    public bool VerifyState { get; set; } = true;
}

public sealed class ApiSection
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 8080;

    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>TLS for the API and metrics listeners; off while cert_file is empty.</summary>
    public TlsSection Tls { get; set; } = new();

    /// <summary>Open connections one client IP may hold at once (API and metrics listeners); beyond it a new connection is closed at once.</summary>
    public int MaxConnectionsPerIp { get; set; } = 256;

    /// <summary>Open connections in total; a bound on file descriptors that a flood from many addresses cannot pass.</summary>
    public int MaxConnections { get; set; } = 8192;

    /// <summary>A client must send its request headers within this time (a slow-header client is dropped after it).</summary>
    public int RequestHeadersTimeoutMs { get; set; } = 10_000;

    /// <summary>How long a read with <c>?min_height=H</c> may wait for this node to apply H before it answers 503.</summary>
    public int MinHeightWaitMs { get; set; } = 5_000;

    /// <summary>How long <c>POST /v1/tx?wait=commit</c> holds the request; then 202 with the hash and status <c>pending</c> to poll.</summary>
    public int CommitWaitMs { get; set; } = 30_000;
}

public sealed class TlsSection
{
    public string CertFile { get; set; } = "";

    public string KeyFile { get; set; } = "";

    public string MinVersion { get; set; } = "1.2";
}

public sealed class MonitoringSection
{
    public int MetricsPort { get; set; } = 9090;
}

public sealed class SecuritySection
{
    public bool Authentication { get; set; }

    [Secret]
    public string JwtSecret { get; set; } = "";

    /// <summary>During a rotation: the secret being retired, still accepted (never used to mint) until it is removed.</summary>
    [Secret]
    public string JwtPreviousSecret { get; set; } = "";

    public string JwtPublicKeyFile { get; set; } = "";

    public string JwtIssuer { get; set; } = "";

    public string JwtAudience { get; set; } = "";

    /// <summary>With authentication on, reads (GET /v1/...) also need a token with the read role; writes always need write.</summary>
    public bool ProtectReads { get; set; }

    /// <summary>Set from AEGIS_ENCRYPTION_KEY (or the file); kept here so every secret has one redacted home.</summary>
    [Secret]
    public string EncryptionKey { get; set; } = "";

    public int RateLimitPerMinute { get; set; } = 6000;
}

public sealed class LoggingSection
{
    public string Level { get; set; } = "INFO";

    public string Format { get; set; } = "text";

    public string File { get; set; } = "";
}

public sealed class MempoolSection
{
    public int MaxTxs { get; set; } = 100_000;

    public long MaxBytes { get; set; } = 64L * 1024 * 1024;
}
