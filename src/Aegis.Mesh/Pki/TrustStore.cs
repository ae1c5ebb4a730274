using Aegis.Core.Crypto;

namespace Aegis.Mesh.Pki;

/// <summary>
/// The authorities a node trusts and the certificates it refuses. Several authorities may be trusted at once: that is
/// how a CA is rotated without an outage (trust old + new, re-issue certificates under the new one, then drop the old).
/// Immutable: a reload or a new revocation list builds a new store and swaps it in.
/// </summary>
public sealed class TrustStore
{
    private readonly Dictionary<Hash32, (MeshCertificate Cert, Aegis.Core.Crypto.PublicKey Key)> _authorities;

    public TrustStore(IEnumerable<MeshCertificate> authorities, IEnumerable<Hash32> revoked)
    {
        _authorities = [];
        foreach (MeshCertificate ca in authorities)
        {
            if (ca.Kind != CertificateKind.Authority)
            {
                throw new FormatException($"'{ca.Name}' is a node certificate, not an authority");
            }

            var key = Aegis.Core.Crypto.PublicKey.FromBytes(KeyAlgorithm.Ed25519, ca.PublicKey);
            if (!key.Verify(ca.SignedBytes(), ca.Signature))
            {
                throw new FormatException($"authority '{ca.Name}': its self-signature does not verify");
            }

            _authorities[ca.Fingerprint] = (ca, key);
        }

        Revoked = revoked.ToHashSet();
    }

    public IReadOnlyCollection<MeshCertificate> Authorities => _authorities.Values.Select(a => a.Cert).ToList();

    public IReadOnlySet<Hash32> Revoked { get; }

    public TrustStore WithRevoked(IEnumerable<Hash32> more) => new(Authorities, Revoked.Concat(more));

    /// <summary>Null when <paramref name="cert"/> may join the mesh at <paramref name="now"/>; otherwise the reason it may not.</summary>
    public string? Check(MeshCertificate cert, DateTimeOffset now)
    {
        if (cert.Kind != CertificateKind.Node)
        {
            return $"'{cert.Name}' presents an authority certificate";
        }

        if (!_authorities.TryGetValue(cert.Issuer, out var ca))
        {
            return $"'{cert.Name}' is signed by an authority this node does not trust ({cert.Issuer.ToShortString()})";
        }

        if (!ca.Key.Verify(cert.SignedBytes(), cert.Signature))
        {
            return $"'{cert.Name}': the signature does not verify";
        }

        if (now < ca.Cert.NotBefore || now > ca.Cert.NotAfter)
        {
            return $"'{cert.Name}': its authority '{ca.Cert.Name}' is not valid now (valid {ca.Cert.NotBefore:u} to {ca.Cert.NotAfter:u})";
        }

        if (now < cert.NotBefore || now > cert.NotAfter)
        {
            return $"'{cert.Name}': not valid now (valid {cert.NotBefore:u} to {cert.NotAfter:u})";
        }

        if (Revoked.Contains(cert.Fingerprint))
        {
            return $"'{cert.Name}': revoked ({cert.Fingerprint.ToShortString()})";
        }

        return null;
    }
}
