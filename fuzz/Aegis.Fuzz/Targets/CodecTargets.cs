using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Ledger;

namespace Aegis.Fuzz.Targets;

/// <summary>
/// The canonical codec: everything hashed, signed, sent or stored. The clear error is <see cref="FormatException"/>
/// (<see cref="Aegis.Core.Encoding.CodecException"/> names the field); whatever decodes must re-encode to the same bytes.
/// </summary>
public static class CodecTargets
{
    private static readonly Lazy<MessageVerifier> Verifier = new(() => new MessageVerifier(FuzzChain.Genesis));

    public static IEnumerable<FuzzTarget> All =>
    [
        new("block", "codec", "Block.FromBytes", Block),
        new("transaction", "codec", "Transaction.FromBytes", Transaction),
        new("certificate", "codec", "CommitCertificate.FromBytes + Verify", Certificate),
        new("consensus-message", "codec", "ConsensusMessage.FromBytes + MessageVerifier.Verify", ConsensusMessageTarget),
        new("record-entry", "codec", "RecordEntry.FromBytes (consensus write-ahead record)", RecordEntryTarget),
    ];

    private static void Block(ReadOnlySpan<byte> input)
    {
        if (Canonical.Decode(input, Aegis.Core.Ledger.Block.FromBytes, b => b.ToBytes(), _ => "block") is { } block)
        {
            _ = block.CheckIntegrity();
            _ = block.Hash;
        }
    }

    private static void Transaction(ReadOnlySpan<byte> input)
    {
        // What the API and logs do with a decoded transaction must not throw either.
        if (Canonical.Decode(input, Aegis.Core.Ledger.Transaction.FromBytes, t => t.ToBytes(), _ => "transaction") is { } tx)
        {
            _ = tx.ToString();
            _ = tx.ClientIdString;
        }
    }

    private static void Certificate(ReadOnlySpan<byte> input)
    {
        if (Canonical.Decode(input, CommitCertificate.FromBytes, c => c.ToBytes(), _ => "certificate") is not { } certificate)
        {
            return;
        }

        if (certificate.EncodedSize != input.Length)
        {
            throw new FuzzOracleException($"certificate: EncodedSize says {certificate.EncodedSize}, the encoding is {input.Length} bytes");
        }

        _ = certificate.Verify(FuzzChain.Genesis.Validators, FuzzChain.ChainId);
    }

    // The verifier runs on every decoded message before it reaches the replica: it must answer, never throw.
    private static void ConsensusMessageTarget(ReadOnlySpan<byte> input)
    {
        if (Canonical.Decode(input, ConsensusMessage.FromBytes, m => m.ToBytes(), m => $"consensus message {m.Type}") is { } message)
        {
            _ = Verifier.Value.Verify(message, out _);
        }
    }

    private static void RecordEntryTarget(ReadOnlySpan<byte> input) =>
        _ = Canonical.Decode(input, RecordEntry.FromBytes, e => e.ToBytes(), e => $"record entry {e.Kind}");
}
