using System.Security.Cryptography;
using Aegis.Core.Encoding;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Coordinator;

/// <summary>
/// A backup of a node's PKI files (CA certificate and, when given, the CA key; its certificate and key) and, for a
/// coordinator, its registry (certificates, leases, revocations). One file in the canonical encoding, ending in a
/// SHA-256 of everything before it: restore refuses a damaged or foreign file before touching anything.
/// </summary>
public sealed record MeshBackup(string NodeName, DateTimeOffset CreatedAt, IReadOnlyList<(string Role, string FileName, byte[] Content)> Files,
    IReadOnlyList<RegistryCertificate> Certificates, IReadOnlyList<RegistryLease> Leases, IReadOnlyList<RegistryRevocation> Revocations)
{
    private static readonly byte[] Magic = "AEGISRAY-BACKUP1"u8.ToArray();
    private const int MaxFiles = 16;
    private const int MaxFileBytes = 1 << 20;
    private const int MaxRows = 1_000_000;

    public byte[] Encode()
    {
        var w = new CanonicalWriter(4096);
        w.WriteFixed(Magic);
        w.WriteString8(NodeName);
        w.WriteI64(CreatedAt.ToUnixTimeSeconds());
        w.WriteU32((uint)Files.Count);
        foreach ((string role, string name, byte[] content) in Files)
        {
            w.WriteString8(role);
            w.WriteString8(name);
            w.WriteBytes32(content);
        }

        CanonicalList.Write(w, Certificates, (x, c) => x.WriteBytes16(c.Encoded));
        CanonicalList.Write(w, Leases, (x, l) =>
        {
            x.WriteU32(l.Address);
            x.WriteHash(l.Fingerprint);
            x.WriteString8(l.Name);
            x.WriteI64(l.At.ToUnixTimeSeconds());
        });
        CanonicalList.Write(w, Revocations, (x, r) =>
        {
            x.WriteHash(r.Fingerprint);
            x.WriteBytes16(System.Text.Encoding.UTF8.GetBytes(r.Reason));
            x.WriteI64(r.At.ToUnixTimeSeconds());
        });
        w.WriteFixed(SHA256.HashData(w.WrittenSpan));
        return w.ToArray();
    }

    /// <summary>Decodes and verifies; <see cref="FormatException"/> says what is wrong (not a backup, damaged, truncated).</summary>
    public static MeshBackup Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Magic.Length + 32 || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new FormatException("not an AegisRay backup (the file does not start with AEGISRAY-BACKUP1)");
        }

        ReadOnlySpan<byte> body = bytes[..^32];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^32..]))
        {
            throw new FormatException("the backup is damaged: its SHA-256 checksum does not match its content");
        }

        var r = new CanonicalReader(body[Magic.Length..]);
        string node = r.ReadString8("backup.node_name");
        var created = DateTimeOffset.FromUnixTimeSeconds(r.ReadI64("backup.created_at"));
        int count = r.ReadCount("backup.files", MaxFiles);
        var files = new List<(string, string, byte[])>();
        for (int i = 0; i < count; i++)
        {
            files.Add((r.ReadString8("backup.file.role"), r.ReadString8("backup.file.name"), r.ReadBytes32("backup.file.content", MaxFileBytes).ToArray()));
        }

        RegistryCertificate[] certs = CanonicalList.Read(ref r, "backup.certificates", MaxRows, (ref CanonicalReader x) =>
        {
            byte[] encoded = x.ReadBytes16("backup.certificate", MeshCertificate.MaxEncodedSize).ToArray();
            MeshCertificate c = MeshCertificate.Decode(encoded);
            return new RegistryCertificate(c.Fingerprint, c.Name, c.Address?.ToString() ?? "", string.Join(',', c.Groups), c.NotAfter, created, encoded);
        });
        RegistryLease[] leases = CanonicalList.Read(ref r, "backup.leases", MaxRows, (ref CanonicalReader x) =>
            new RegistryLease(x.ReadU32("lease.address"), x.ReadHash("lease.fingerprint"), x.ReadString8("lease.name"), DateTimeOffset.FromUnixTimeSeconds(x.ReadI64("lease.at"))));
        RegistryRevocation[] revocations = CanonicalList.Read(ref r, "backup.revocations", MaxRows, (ref CanonicalReader x) =>
            new RegistryRevocation(x.ReadHash("revocation.fingerprint"), System.Text.Encoding.UTF8.GetString(x.ReadBytes16("revocation.reason", 4096)), DateTimeOffset.FromUnixTimeSeconds(x.ReadI64("revocation.at"))));
        r.EnsureEnd("backup");
        return new MeshBackup(node, created, files, certs, leases, revocations);
    }

    public static MeshBackup Capture(string nodeName, IEnumerable<(string Role, string Path)> files, SqlRegistry? registry, DateTimeOffset now) => new(
        nodeName,
        now,
        files.Where(f => f.Path.Length > 0 && File.Exists(f.Path)).Select(f => (f.Role, Path.GetFileName(f.Path), File.ReadAllBytes(f.Path))).ToList(),
        registry?.Certificates() ?? [],
        registry?.LeaseDetails() ?? [],
        registry?.RevocationDetails() ?? []);

    /// <summary>Replays the registry part into <paramref name="registry"/> (idempotent: existing rows are kept).</summary>
    public void RestoreInto(SqlRegistry registry)
    {
        foreach (RegistryCertificate c in Certificates)
        {
            registry.RecordCertificate(MeshCertificate.Decode(c.Encoded), c.LastSeen);
        }

        foreach (RegistryLease l in Leases)
        {
            registry.TryAddLease(l.Address, l.Fingerprint, l.Name, l.At);
        }

        foreach (RegistryRevocation v in Revocations)
        {
            registry.Revoke(v.Fingerprint, v.Reason, v.At);
        }
    }

    /// <summary>Writes a backup with mode 0600: it holds private keys.</summary>
    public void Save(string path) => SecretFile.Write(path, Encode(), overwrite: false);
}
