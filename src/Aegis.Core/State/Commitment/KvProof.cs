using Aegis.Core.Consensus;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// A read that needs no trust in the node that answered it: a key, its value or its absence, a <see cref="StateProof"/>
/// against the state root of <see cref="Header"/>, and the commit certificate of that header. Checking it needs only
/// the genesis file (<see cref="Verify"/>).
/// <para>
/// A header at height H carries the state root after block H − pipeline_depth (see <see cref="BlockHeader"/>), so the
/// proven value is the state as of <see cref="StateHeight"/>, not as of H.
/// </para>
/// </summary>
public sealed record KvProof(BlockHeader Header, CommitCertificate Certificate, byte[] Key, byte[]? Value, StateProof Proof)
{
    private const byte Version = 1;

    /// <summary>The height whose state the header's root commits to.</summary>
    public static ulong StateHeightOf(ulong headerHeight, int pipelineDepth) =>
        headerHeight > (ulong)pipelineDepth ? headerHeight - (ulong)pipelineDepth : 0;

    /// <summary>Null when the header is certified by <paramref name="genesis"/>'s validators and the proof holds against its state root; otherwise why not.</summary>
    public string? Verify(Genesis genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        if (Header.ChainId != genesis.ChainId)
        {
            return $"header: chain '{Header.ChainId}', but the genesis file is for chain '{genesis.ChainId}'";
        }

        if (Certificate.Height != Header.Height)
        {
            return $"certificate: for height {Certificate.Height}, the header is at {Header.Height}";
        }

        if (Certificate.BlockHash != Header.Hash)
        {
            return $"certificate: for block {Certificate.BlockHash.ToShortString()}, the header hashes to {Header.Hash.ToShortString()}";
        }

        if (Certificate.Verify(genesis.Validators, genesis.ChainId) is { } bad)
        {
            return $"certificate: {bad}";
        }

        return Proof.Verify(Header.StateRoot, Key, Value ?? [], Value is not null);
    }

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(1024);
        w.WriteU8(Version);
        Header.WriteTo(w);
        Certificate.WriteTo(w);
        w.WriteBytes16(Key);
        w.WriteBool(Value is not null);
        if (Value is not null)
        {
            w.WriteBytes32(Value);
        }

        Proof.WriteTo(w);
        return w.ToArray();
    }

    /// <exception cref="CodecException">the bytes are not one well-formed proof.</exception>
    public static KvProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        r.ReadVersion(Version, "kv proof.version");

        BlockHeader header = BlockHeader.ReadFrom(ref r);
        CommitCertificate certificate = CommitCertificate.ReadFrom(ref r);
        byte[] key = r.ReadBytes16("kv proof.key", LedgerLimits.MaxKeyBytes).ToArray();
        byte[]? value = r.ReadBool("kv proof.has_value") ? r.ReadBytes32("kv proof.value", LedgerLimits.MaxValueBytes).ToArray() : null;
        StateProof proof = StateProof.ReadFrom(ref r);
        r.EnsureEnd("kv proof");
        return new KvProof(header, certificate, key, value, proof);
    }
}
