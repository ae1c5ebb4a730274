using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

/// <summary>
/// What a block's hash covers. <see cref="StateRoot"/> is the application state root after executing block
/// <c>Height - pipeline depth</c> (zero state for the first heights): the state lags by the pipeline depth so the
/// primary can propose several heights before the earlier ones have executed.
/// </summary>
public sealed record BlockHeader(
    string ChainId,
    ulong Height,
    ulong View,
    Hash32 PreviousHash,
    Hash32 TxRoot,
    Hash32 StateRoot,
    ushort Proposer,
    long TimestampMs,
    uint TxCount)
{
    private const byte Version = 1;

    private Hash32? _hash;

    /// <summary>`with` copies must not inherit the cached hash of the original.</summary>
    private BlockHeader(BlockHeader original)
    {
        ArgumentNullException.ThrowIfNull(original);
        (ChainId, Height, View, PreviousHash, TxRoot, StateRoot, Proposer, TimestampMs, TxCount) =
            (original.ChainId, original.Height, original.View, original.PreviousHash, original.TxRoot, original.StateRoot, original.Proposer, original.TimestampMs, original.TxCount);
    }

    public Hash32 Hash => _hash ??= Hash32.Compute(ToBytes());

    public void WriteTo(CanonicalWriter w)
    {
        w.WriteU8(Version);
        w.WriteString8(ChainId);
        w.WriteU64(Height);
        w.WriteU64(View);
        w.WriteHash(PreviousHash);
        w.WriteHash(TxRoot);
        w.WriteHash(StateRoot);
        w.WriteU16(Proposer);
        w.WriteI64(TimestampMs);
        w.WriteU32(TxCount);
    }

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(160);
        WriteTo(w);
        return w.ToArray();
    }

    public static BlockHeader ReadFrom(ref CanonicalReader r)
    {
        r.ReadVersion(Version, "header.version");

        var header = new BlockHeader(
            r.ReadString8("header.chain_id", LedgerLimits.MaxChainIdBytes),
            r.ReadU64("header.height"),
            r.ReadU64("header.view"),
            r.ReadHash("header.previous_hash"),
            r.ReadHash("header.tx_root"),
            r.ReadHash("header.state_root"),
            r.ReadU16("header.proposer"),
            r.ReadI64("header.timestamp"),
            r.ReadU32("header.tx_count"));
        if (header.TxCount > LedgerLimits.MaxBlockTxs)
        {
            throw new CodecException($"header.tx_count: {header.TxCount} exceeds the limit of {LedgerLimits.MaxBlockTxs}");
        }

        return header;
    }
}
