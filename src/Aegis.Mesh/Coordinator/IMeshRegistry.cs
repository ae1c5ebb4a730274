using Aegis.Core.Crypto;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Coordinator;

/// <summary>
/// The coordinator's durable state: certificates it has seen, revocations and address leases. SQLite (one file, the
/// default) or PostgreSQL (so several coordinators share one registry); both pass the same contract tests.
/// </summary>
public interface IMeshRegistry : IDisposable
{
    void RecordCertificate(MeshCertificate certificate, DateTimeOffset seen);

    IReadOnlyList<RegistryCertificate> Certificates();

    /// <summary>Address → fingerprint of every lease.</summary>
    IReadOnlyDictionary<uint, Hash32> Leases();

    /// <summary>Records a lease; false when the address is already leased to another certificate (the unique key refuses it).</summary>
    bool TryAddLease(uint address, Hash32 fingerprint, string name, DateTimeOffset at);

    void Revoke(Hash32 fingerprint, string reason, DateTimeOffset at);

    IReadOnlyList<Hash32> Revocations();
}

public sealed record RegistryCertificate(Hash32 Fingerprint, string Name, string Address, string Groups, DateTimeOffset NotAfter, DateTimeOffset LastSeen, byte[] Encoded);
