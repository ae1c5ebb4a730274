using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Mesh.Packets;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Engine;

/// <summary>What a coordinator knows about a node and tells others: enough to reach it directly, through TLS, or to punch.</summary>
public sealed record PeerEntry(string Name, uint MeshAddress, Hash32 Fingerprint, NodeType NodeType, IReadOnlyList<UdpEndpoint> UdpEndpoints, UdpEndpoint TcpEndpoint)
{
    public const int MaxEndpoints = 8;

    public void Write(CanonicalWriter w)
    {
        w.WriteString8(Name);
        w.WriteU32(MeshAddress);
        w.WriteHash(Fingerprint);
        w.WriteU8((byte)NodeType);
        w.WriteU8((byte)Math.Min(UdpEndpoints.Count, MaxEndpoints));
        foreach (UdpEndpoint e in UdpEndpoints.Take(MaxEndpoints))
        {
            WriteEndpoint(w, e);
        }

        WriteEndpoint(w, TcpEndpoint);
    }

    public static PeerEntry Read(ref CanonicalReader r)
    {
        string name = r.ReadString8("entry.name", 64);
        uint address = r.ReadU32("entry.mesh_address");
        Hash32 fingerprint = r.ReadHash("entry.fingerprint");
        byte type = r.ReadU8("entry.node_type");
        if (!Enum.IsDefined((NodeType)type))
        {
            throw new CodecException($"entry.node_type: unknown value {type}");
        }

        int count = r.ReadU8("entry.udp_count");
        if (count > MaxEndpoints)
        {
            throw new CodecException($"entry.udp_count: {count} exceeds {MaxEndpoints}");
        }

        var endpoints = new UdpEndpoint[count];
        for (int i = 0; i < count; i++)
        {
            endpoints[i] = ReadEndpoint(ref r);
        }

        return new PeerEntry(name, address, fingerprint, (NodeType)type, endpoints, ReadEndpoint(ref r));
    }

    internal static void WriteEndpoint(CanonicalWriter w, UdpEndpoint e)
    {
        w.WriteU32(e.Address);
        w.WriteU16(e.Port);
    }

    internal static UdpEndpoint ReadEndpoint(ref CanonicalReader r) => new(r.ReadU32("endpoint.address"), r.ReadU16("endpoint.port"));
}

/// <summary>The messages nodes and coordinators exchange inside their tunnels (first payload byte: <see cref="PayloadKind"/>).</summary>
public abstract record ControlMessage
{
    /// <summary>Control messages travel in one data packet; this keeps them below any sane tunnel MTU.</summary>
    public const int MaxSize = 1200;

    /// <summary>Revocations per message, so a long list spans several messages instead of one oversized one.</summary>
    public const int RevocationsPerMessage = 30;

    public abstract PayloadKind Kind { get; }

    protected abstract void WriteBody(CanonicalWriter w);

    public byte[] Encode()
    {
        var w = new CanonicalWriter(128);
        w.WriteU8((byte)Kind);
        WriteBody(w);
        if (w.Length > MaxSize)
        {
            throw new InvalidOperationException($"a {Kind} message of {w.Length} bytes exceeds {MaxSize}");
        }

        return w.ToArray();
    }

    /// <summary>Decodes a control payload; <see cref="CodecException"/> names the field that is wrong.</summary>
    public static ControlMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new CanonicalReader(payload);
        var kind = (PayloadKind)r.ReadU8("control.kind");
        ControlMessage message = kind switch
        {
            PayloadKind.Register => new Register(r.ReadString8("register.name", 64), ReadNodeType(ref r, "register.node_type"), r.ReadU16("register.udp_port"), r.ReadU16("register.tcp_port"), ReadEndpoints(ref r, "register.local")),
            PayloadKind.RegisterAck => new RegisterAck(r.ReadU32("ack.lease"), r.ReadU8("ack.prefix"), CanonicalList.Read(ref r, "ack.relays", 8, PeerEntry.Read)),
            PayloadKind.Query => new Query(r.ReadU32("query.mesh_address")),
            PayloadKind.QueryName => new QueryName(r.ReadString8("query.name", 64)),
            PayloadKind.QueryReply => new QueryReply(r.ReadU32("reply.mesh_address"), r.ReadString8("reply.name", 64), r.ReadBool("reply.found") ? PeerEntry.Read(ref r) : null),
            PayloadKind.PunchNotify => new PunchNotify(PeerEntry.Read(ref r)),
            PayloadKind.Ping => new Ping(r.ReadU64("ping.id"), r.ReadI64("ping.sent")),
            PayloadKind.Pong => new Pong(r.ReadU64("pong.id"), r.ReadI64("pong.sent")),
            PayloadKind.Revocations => new Revocations(CanonicalList.Read(ref r, "revocations", RevocationsPerMessage, (ref CanonicalReader x) => x.ReadHash("revocation"))),
            _ => throw new CodecException($"control.kind: unknown message {(byte)kind}"),
        };
        r.EnsureEnd(kind.ToString());
        return message;
    }

    private static NodeType ReadNodeType(ref CanonicalReader r, string field)
    {
        byte type = r.ReadU8(field);
        return Enum.IsDefined((NodeType)type) ? (NodeType)type : throw new CodecException($"{field}: unknown value {type}");
    }

    private static UdpEndpoint[] ReadEndpoints(ref CanonicalReader r, string field)
    {
        int count = r.ReadU8(field);
        if (count > PeerEntry.MaxEndpoints)
        {
            throw new CodecException($"{field}: {count} endpoints exceeds {PeerEntry.MaxEndpoints}");
        }

        var result = new UdpEndpoint[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = PeerEntry.ReadEndpoint(ref r);
        }

        return result;
    }

    private static void WriteEndpoints(CanonicalWriter w, IReadOnlyList<UdpEndpoint> endpoints)
    {
        w.WriteU8((byte)Math.Min(endpoints.Count, PeerEntry.MaxEndpoints));
        foreach (UdpEndpoint e in endpoints.Take(PeerEntry.MaxEndpoints))
        {
            PeerEntry.WriteEndpoint(w, e);
        }
    }

    /// <summary>A node announces itself to a coordinator; the certificate is the session's own.</summary>
    public sealed record Register(string Name, NodeType NodeType, ushort UdpPort, ushort TcpPort, IReadOnlyList<UdpEndpoint> LocalEndpoints) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.Register;

        protected override void WriteBody(CanonicalWriter w)
        {
            w.WriteString8(Name);
            w.WriteU8((byte)NodeType);
            w.WriteU16(UdpPort);
            w.WriteU16(TcpPort);
            WriteEndpoints(w, LocalEndpoints);
        }
    }

    /// <summary>The coordinator's answer: the node's leased address (0 when its certificate has one) and the relays.</summary>
    public sealed record RegisterAck(uint LeaseAddress, byte LeasePrefix, IReadOnlyList<PeerEntry> Relays) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.RegisterAck;

        protected override void WriteBody(CanonicalWriter w)
        {
            w.WriteU32(LeaseAddress);
            w.WriteU8(LeasePrefix);
            CanonicalList.Write(w, Relays, (x, e) => e.Write(x));
        }
    }

    public sealed record Query(uint MeshAddress) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.Query;

        protected override void WriteBody(CanonicalWriter w) => w.WriteU32(MeshAddress);
    }

    public sealed record QueryName(string Name) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.QueryName;

        protected override void WriteBody(CanonicalWriter w) => w.WriteString8(Name);
    }

    public sealed record QueryReply(uint MeshAddress, string Name, PeerEntry? Entry) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.QueryReply;

        protected override void WriteBody(CanonicalWriter w)
        {
            w.WriteU32(MeshAddress);
            w.WriteString8(Name);
            w.WriteBool(Entry is not null);
            Entry?.Write(w);
        }
    }

    /// <summary>Tells a node that <see cref="Entry"/> is about to connect, so it sends toward it and opens its NAT.</summary>
    public sealed record PunchNotify(PeerEntry Entry) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.PunchNotify;

        protected override void WriteBody(CanonicalWriter w) => Entry.Write(w);
    }

    public sealed record Ping(ulong Id, long SentMs) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.Ping;

        protected override void WriteBody(CanonicalWriter w)
        {
            w.WriteU64(Id);
            w.WriteI64(SentMs);
        }
    }

    public sealed record Pong(ulong Id, long SentMs) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.Pong;

        protected override void WriteBody(CanonicalWriter w)
        {
            w.WriteU64(Id);
            w.WriteI64(SentMs);
        }
    }

    public sealed record Revocations(IReadOnlyList<Hash32> Fingerprints) : ControlMessage
    {
        public override PayloadKind Kind => PayloadKind.Revocations;

        protected override void WriteBody(CanonicalWriter w) => CanonicalList.Write(w, Fingerprints, (x, h) => x.WriteHash(h));
    }
}
