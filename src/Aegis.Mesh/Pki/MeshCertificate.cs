using System.Text.RegularExpressions;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Mesh.Pki;

/// <summary>
/// A mesh certificate: it binds a name, an optional mesh address, groups and a validity period to a public key, signed
/// by a mesh CA (Ed25519, Aegis.Core's signer). One canonical encoding (Aegis.Core's codec) is both what is signed and
/// what travels in handshakes; the fingerprint (SHA-256 of the whole encoding) names a certificate in revocation lists.
/// </summary>
public sealed partial class MeshCertificate
{
    public const byte FormatVersion = 1;
    public const int MaxGroups = 32;
    public const int MaxNameLength = 64;

    /// <summary>Every encoded certificate is far below this; a bound keeps a hostile handshake from costing memory.</summary>
    public const int MaxEncodedSize = 4096;

    private byte[]? _encoded;

    public MeshCertificate(CertificateKind kind, string name, IPv4Network? address, IReadOnlyList<string> groups,
        DateTimeOffset notBefore, DateTimeOffset notAfter, byte[] publicKey, Hash32 issuer, byte[] signature)
    {
        Kind = kind;
        Name = name;
        Address = address;
        Groups = groups;
        NotBefore = notBefore;
        NotAfter = notAfter;
        PublicKey = publicKey;
        Issuer = issuer;
        Signature = signature;
    }

    public CertificateKind Kind { get; }

    public string Name { get; }

    /// <summary>The node's mesh address and its network's prefix; null when the coordinator leases one.</summary>
    public IPv4Network? Address { get; }

    public IReadOnlyList<string> Groups { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>32 bytes: the Ed25519 signing key of an authority, the X25519 static key of a node.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The fingerprint of the signing authority; zero for an authority (self-signed).</summary>
    public Hash32 Issuer { get; }

    public byte[] Signature { get; }

    public Hash32 Fingerprint => Hash32.Compute(Encode());

    public bool InGroup(string group) => Groups.Contains(group, StringComparer.Ordinal);

    /// <summary>The bytes the issuer signs: every field but the signature.</summary>
    public byte[] SignedBytes()
    {
        var w = new CanonicalWriter(256);
        WriteBody(w);
        return w.ToArray();
    }

    public byte[] Encode()
    {
        if (_encoded is null)
        {
            var w = new CanonicalWriter(320);
            WriteBody(w);
            w.WriteFixed(Signature);
            _encoded = w.ToArray();
        }

        return _encoded;
    }

    /// <summary>Decodes and checks the shape (not the signature or validity: see <see cref="TrustStore"/>).</summary>
    public static MeshCertificate Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxEncodedSize)
        {
            throw new CodecException($"certificate: {bytes.Length} bytes exceeds the limit of {MaxEncodedSize}");
        }

        var r = new CanonicalReader(bytes);
        byte version = r.ReadU8("certificate.version");
        if (version != FormatVersion)
        {
            throw new CodecException($"certificate.version: {version} is not supported (expected {FormatVersion})");
        }

        var kind = (CertificateKind)r.ReadU8("certificate.kind");
        if (kind is not (CertificateKind.Authority or CertificateKind.Node))
        {
            throw new CodecException($"certificate.kind: {(byte)kind} is neither an authority (1) nor a node (2)");
        }

        string name = r.ReadString8("certificate.name", MaxNameLength);
        IPv4Network? address = null;
        if (r.ReadBool("certificate.has_address"))
        {
            uint ip = r.ReadU32("certificate.address");
            byte prefix = r.ReadU8("certificate.prefix");
            if (prefix > 32)
            {
                throw new CodecException($"certificate.prefix: {prefix} exceeds 32");
            }

            address = new IPv4Network(ip, prefix);
        }

        int count = r.ReadCount("certificate.groups", MaxGroups);
        var groups = new string[count];
        for (int i = 0; i < count; i++)
        {
            groups[i] = r.ReadString8("certificate.group", MaxNameLength);
        }

        var notBefore = DateTimeOffset.FromUnixTimeSeconds(Clamp(r.ReadI64("certificate.not_before")));
        var notAfter = DateTimeOffset.FromUnixTimeSeconds(Clamp(r.ReadI64("certificate.not_after")));
        byte[] key = r.ReadBytes8("certificate.public_key", 32).ToArray();
        if (key.Length != 32)
        {
            throw new CodecException($"certificate.public_key: {key.Length} bytes, expected 32");
        }

        Hash32 issuer = r.ReadHash("certificate.issuer");
        byte[] signature = r.ReadFixed(Aegis.Core.Crypto.Signature.Size, "certificate.signature").ToArray();
        r.EnsureEnd("certificate");
        var cert = new MeshCertificate(kind, name, address, groups, notBefore, notAfter, key, issuer, signature);
        if (ShapeProblem(cert) is { } problem)
        {
            throw new CodecException($"certificate: {problem}");
        }

        return cert;
    }

    /// <summary>What is wrong with the fields themselves (names, groups, dates), or null.</summary>
    public static string? ShapeProblem(MeshCertificate cert)
    {
        if (!ValidName().IsMatch(cert.Name))
        {
            return $"name '{cert.Name}' must be 1-64 letters, digits, '.', '_' or '-'";
        }

        if (cert.Groups.FirstOrDefault(g => !ValidName().IsMatch(g)) is { } badGroup)
        {
            return $"group '{badGroup}' must be 1-64 letters, digits, '.', '_' or '-'";
        }

        if (cert.NotAfter <= cert.NotBefore)
        {
            return "not_after must be later than not_before";
        }

        if (cert.Kind == CertificateKind.Authority && (cert.Address is not null || !cert.Issuer.IsZero))
        {
            return "an authority certificate has no address and no issuer";
        }

        return null;
    }

    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    private void WriteBody(CanonicalWriter w)
    {
        w.WriteU8(FormatVersion);
        w.WriteU8((byte)Kind);
        w.WriteString8(Name);
        w.WriteBool(Address is not null);
        if (Address is { } a)
        {
            w.WriteU32(a.Address);
            w.WriteU8(a.PrefixLength);
        }

        w.WriteU32((uint)Groups.Count);
        foreach (string g in Groups)
        {
            w.WriteString8(g);
        }

        w.WriteI64(NotBefore.ToUnixTimeSeconds());
        w.WriteI64(NotAfter.ToUnixTimeSeconds());
        w.WriteBytes8(PublicKey);
        w.WriteHash(Issuer);
    }

    private static long Clamp(long seconds) => Math.Clamp(seconds, DateTimeOffset.MinValue.ToUnixTimeSeconds(), DateTimeOffset.MaxValue.ToUnixTimeSeconds());

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidName();
}
