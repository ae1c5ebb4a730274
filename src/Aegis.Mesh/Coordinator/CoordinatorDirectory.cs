using Aegis.Core.Crypto;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Coordinator;

/// <summary>
/// What a coordinator knows about the nodes registered with it (where they are, what they are), backed by its registry
/// for certificates, leases and revocations. Control loop only.
/// </summary>
public sealed class CoordinatorDirectory
{
    private readonly Dictionary<uint, PeerEntry> _entries = [];

    /// <summary>Where leases are decided (several coordinators may share it); null keeps them in memory (tests).</summary>
    public IMeshRegistry? Registry { get; set; }

    /// <summary>Where sightings of certificates go, off the control loop (<see cref="RegistryWorker"/>); null records nothing.</summary>
    public Action<MeshCertificate, DateTimeOffset>? CertificateSeen { get; set; }

    public int Count => _entries.Count;

    public IEnumerable<PeerEntry> Entries => _entries.Values;

    public void Upsert(PeerEntry entry, MeshCertificate certificate, DateTimeOffset now)
    {
        _entries[entry.MeshAddress] = entry;
        CertificateSeen?.Invoke(certificate, now);
    }

    public void Remove(uint address) => _entries.Remove(address);

    public PeerEntry? Find(uint address) => _entries.GetValueOrDefault(address);

    public PeerEntry? FindByName(string name) => _entries.Values.FirstOrDefault(e => e.Name == name);

    public IEnumerable<PeerEntry> Relays(uint exclude) => _entries.Values.Where(e => e.NodeType == NodeType.Relay && e.MeshAddress != exclude);

    /// <summary>The address leased to <paramref name="certificate"/> (which has none of its own): the existing lease, else a new one.</summary>
    public uint LeaseFor(MeshCertificate certificate, IPv4Network network, DateTimeOffset now)
    {
        Hash32 fingerprint = certificate.Fingerprint;
        // A lease never moves, so a fingerprint seen once is answered from memory: the registry is read and written only
        // for a certificate this coordinator has not leased to before (once per node).
        if (_leasedTo.TryGetValue(fingerprint, out uint known))
        {
            return known;
        }

        IReadOnlyDictionary<uint, Hash32> leases = Registry?.Leases() ?? _memoryLeases;
        foreach ((uint address, Hash32 owner) in leases)
        {
            if (owner == fingerprint)
            {
                _leasedTo[fingerprint] = address;
                return address;
            }
        }

        for (int attempt = 0; attempt < 16; attempt++)
        {
            uint? chosen = AddressAllocator.Allocate(network, fingerprint, a => leases.ContainsKey(a) || _entries.ContainsKey(a) || _reserved.Contains(a));
            if (chosen is not { } address)
            {
                throw new System.Security.Cryptography.CryptographicException($"'{certificate.Name}': no free address left in {network}");
            }

            if (Registry is null ? _memoryLeases.TryAdd(address, fingerprint) : Registry.TryAddLease(address, fingerprint, certificate.Name, now))
            {
                _leasedTo[fingerprint] = address;
                return address;
            }

            // Another coordinator sharing the registry took it a moment ago: look again.
            leases = Registry?.Leases() ?? _memoryLeases;
        }

        throw new System.Security.Cryptography.CryptographicException($"'{certificate.Name}': could not lease an address (the registry kept refusing)");
    }

    /// <summary>Addresses certificates carry: never leased to anyone else.</summary>
    public void Reserve(uint address) => _reserved.Add(address);

    private readonly Dictionary<uint, Hash32> _memoryLeases = [];
    private readonly Dictionary<Hash32, uint> _leasedTo = [];
    private readonly HashSet<uint> _reserved = [];
}
