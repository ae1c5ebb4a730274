using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Consensus;

/// <summary>
/// The chain's founding facts: its id, the validator set and the protocol parameters. Its hash is the
/// "previous hash" of block 1, so every block descends from exactly one validator set.
/// </summary>
public sealed class Genesis
{
    public Genesis(string chainId, long genesisTimeMs, ValidatorSet validators, ConsensusParameters parameters)
    {
        if (string.IsNullOrEmpty(chainId) || System.Text.Encoding.UTF8.GetByteCount(chainId) > Ledger.LedgerLimits.MaxChainIdBytes)
        {
            throw new ArgumentException($"chain_id must be 1 to {Ledger.LedgerLimits.MaxChainIdBytes} bytes");
        }

        string? problem = parameters.Validate();
        if (problem is not null)
        {
            throw new ArgumentException(problem);
        }

        ChainId = chainId;
        GenesisTimeMs = genesisTimeMs;
        Validators = validators;
        Parameters = parameters;
        Hash = ComputeHash();
    }

    public string ChainId { get; }

    public long GenesisTimeMs { get; }

    public ValidatorSet Validators { get; }

    public ConsensusParameters Parameters { get; }

    public Hash32 Hash { get; }

    /// <summary>Addresses are deliberately left out: moving a validator to another host does not make a new chain.</summary>
    private Hash32 ComputeHash()
    {
        var w = new CanonicalWriter(512);
        w.WriteFixed("AEGIS/genesis"u8);
        w.WriteString8(ChainId);
        w.WriteI64(GenesisTimeMs);
        w.WriteU32((uint)Parameters.CheckpointInterval);
        w.WriteU32((uint)Parameters.PipelineDepth);
        w.WriteU32((uint)Parameters.DedupHorizonBlocks);
        w.WriteU16((ushort)Validators.Count);
        foreach (Validator v in Validators.All)
        {
            w.WriteString8(v.Id);
            w.WriteBytes8(v.PublicKey.Encode());
        }

        return Hash32.Compute(w.WrittenSpan);
    }
}
