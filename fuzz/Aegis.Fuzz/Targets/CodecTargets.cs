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
        Block block;
        try
        {
            block = Aegis.Core.Ledger.Block.FromBytes(input);
        }
        catch (FormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        FuzzOracleException.RequireSameBytes(input, block.ToBytes(), "block");
        _ = block.CheckIntegrity();
        _ = block.Hash;
    }

    private static void Transaction(ReadOnlySpan<byte> input)
    {
        Transaction tx;
        try
        {
            tx = Aegis.Core.Ledger.Transaction.FromBytes(input);
        }
        catch (FormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        FuzzOracleException.RequireSameBytes(input, tx.ToBytes(), "transaction");

        // What the API and logs do with a decoded transaction must not throw either.
        _ = tx.ToString();
        _ = tx.ClientIdString;
    }

    private static void Certificate(ReadOnlySpan<byte> input)
    {
        CommitCertificate certificate;
        try
        {
            certificate = CommitCertificate.FromBytes(input);
        }
        catch (FormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        FuzzOracleException.RequireSameBytes(input, certificate.ToBytes(), "certificate");
        if (certificate.EncodedSize != input.Length)
        {
            throw new FuzzOracleException($"certificate: EncodedSize says {certificate.EncodedSize}, the encoding is {input.Length} bytes");
        }

        _ = certificate.Verify(FuzzChain.Genesis.Validators, FuzzChain.ChainId);
    }

    private static void ConsensusMessageTarget(ReadOnlySpan<byte> input)
    {
        ConsensusMessage message;
        try
        {
            message = ConsensusMessage.FromBytes(input);
        }
        catch (FormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        FuzzOracleException.RequireSameBytes(input, message.ToBytes(), $"consensus message {message.Type}");

        // The verifier runs on every decoded message before it reaches the replica: it must answer, never throw.
        _ = Verifier.Value.Verify(message, out _);
    }

    private static void RecordEntryTarget(ReadOnlySpan<byte> input)
    {
        RecordEntry entry;
        try
        {
            entry = RecordEntry.FromBytes(input);
        }
        catch (FormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        FuzzOracleException.RequireSameBytes(input, entry.ToBytes(), $"record entry {entry.Kind}");
    }
}
